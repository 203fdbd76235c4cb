package integration

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

// Handlers serves the integration routes.
type Handlers struct {
	cfg    *config.Config
	db     *storage.DB
	now    func() time.Time
	logger *slog.Logger
	media  *media.Store
	rbac   *rbac.Service
	// Page, when set, serves the HTML form of the assign-role routes to
	// requests whose Accept header does not ask for JSON.
	Page http.HandlerFunc
}

// Deps are the dependencies of Handlers.
type Deps struct {
	Config *config.Config
	DB     *storage.DB
	Now    func() time.Time
	Logger *slog.Logger
	Media  *media.Store
	RBAC   *rbac.Service
}

// NewHandlers returns the integration handlers.
func NewHandlers(d Deps) *Handlers {
	return &Handlers{cfg: d.Config, db: d.DB, now: d.Now, logger: d.Logger, media: d.Media, rbac: d.RBAC}
}

// TTSRoot serves GET /api/v1/tts/: the links of the TTS routes.
func (h *Handlers) TTSRoot(w http.ResponseWriter, r *http.Request) {
	base := h.cfg.PublicURL + "/api/v1/tts/"
	httpx.JSON(w, http.StatusOK, map[string]string{
		"round-robin": base + "round-robin/", "user-info": base + "user-info/{user_id}/", "users-info": base + "users-info/",
		"assign-agent-to-role": base + "assign-agent-to-role/", "assign-agent-to-role-form": base + "assign-agent-to-role-form/",
	})
}

func errorJSON(w http.ResponseWriter, status int, message string) {
	httpx.JSON(w, status, map[string]any{"error": message})
}
