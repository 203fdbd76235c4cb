package securityapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// Handlers serves the sessions and audit routes.
type Handlers struct {
	db      *storage.DB
	tokens  *tokens.Service
	cookies httpx.Cookies
	now     func() time.Time
	logger  *slog.Logger
}

// NewHandlers returns the handlers.
func NewHandlers(db *storage.DB, svc *tokens.Service, cookies httpx.Cookies, now func() time.Time, logger *slog.Logger) *Handlers {
	return &Handlers{db: db, tokens: svc, cookies: cookies, now: now, logger: logger}
}

// caller returns the subject of the request's access token and the family
// the token belongs to ("" for a token without a family row).
func (h *Handlers) caller(ctx context.Context, p *httpx.Principal) (tokens.SubjectType, int64, string) {
	family, err := h.tokens.FamilyOfAccess(ctx, h.db, p.Claims.JTI)
	if err != nil {
		family = ""
	}
	return p.Type, p.Claims.SubjectID(), family
}

// sessionBody is one session as the list shows it.
type sessionBody struct {
	ID         string  `json:"id"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt any     `json:"last_used_at"`
	ExpiresAt  string  `json:"expires_at"`
	IP         *string `json:"ip"`
	UserAgent  *string `json:"user_agent"`
	RememberMe bool    `json:"remember_me"`
	Current    bool    `json:"current"`
}

// List serves GET /api/v1/sessions/: the caller's live sessions, newest
// first, with the one of this request marked current.
func (h *Handlers) List(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	subjectType, id, current := h.caller(r.Context(), p)
	sessions, err := h.tokens.Sessions(r.Context(), h.db, subjectType, id)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	out := make([]sessionBody, 0, len(sessions))
	for _, s := range sessions {
		out = append(out, sessionBody{ID: s.ID, CreatedAt: httpx.Timestamp(s.CreatedAt), LastUsedAt: httpx.TimestampPtr(s.LastUsedAt),
			ExpiresAt: httpx.Timestamp(s.ExpiresAt), IP: s.IP, UserAgent: s.UserAgent, RememberMe: s.RememberMe, Current: s.ID == current})
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"sessions": out})
}

// Revoke serves DELETE /api/v1/sessions/{id}/. Another account's session,
// an unknown id and an already revoked session all return 404. Revoking
// the current session also clears the caller's cookies.
func (h *Handlers) Revoke(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	subjectType, id, current := h.caller(r.Context(), p)
	familyID := r.PathValue("id")
	if _, err := uuid.Parse(familyID); err != nil {
		// Family ids are UUIDs; anything else names no session.
		httpx.WriteProblem(w, httpx.ErrNotFound)
		return
	}
	revoked := false
	err := h.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("refresh_families").
			Set("revoked_at = ?", h.now().UTC()).Set("revoke_reason = ?", tokens.ReasonLogout).
			Where("id = ?", familyID).Where("subject_type = ?", subjectType).Where("subject_id = ?", id).
			Where("revoked_at IS NULL").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		revoked = true
		event := audit.Event{Name: "family.revoked", Details: map[string]any{"reason": tokens.ReasonLogout, "family_id": familyID, "by": "sessions_api"}}.
			Actor(string(subjectType), id).Subject(string(subjectType), id)
		return audit.Record(ctx, tx, h.now(), event)
	})
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	if !revoked {
		httpx.WriteProblem(w, httpx.ErrNotFound)
		return
	}
	if familyID == current && p.ViaCookie {
		h.cookies.ClearAuth(w)
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": "Session revoked."})
}

// RevokeAll serves POST /api/v1/sessions/revoke-all/. By default every
// session ends, the current one included: the account's tokens_valid_after
// is raised, so no access token issued before now works inside authd, and
// the caller's cookies are cleared. With "keep_current": true the current
// session survives and only the others end.
func (h *Handlers) RevokeAll(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	keepCurrent, _ := f.Bool("keep_current")
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	p := httpx.PrincipalFrom(r.Context())
	subjectType, id, current := h.caller(r.Context(), p)
	keep := ""
	if keepCurrent {
		keep = current
	}
	var revoked int64
	err := h.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		if revoked, err = h.tokens.RevokeSubject(ctx, tx, subjectType, id, tokens.ReasonLogout, keep); err != nil {
			return err
		}
		if !keepCurrent {
			if err := raiseEpoch(ctx, tx, subjectType, id, h.now()); err != nil {
				return err
			}
		}
		event := audit.Event{Name: "logout", Details: map[string]any{"scope": "all", "keep_current": keepCurrent, "families": revoked}}.
			Actor(string(subjectType), id).Subject(string(subjectType), id)
		return audit.Record(ctx, tx, h.now(), event)
	})
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	message := "Signed out of every other session."
	if !keepCurrent {
		h.cookies.ClearAuth(w)
		message = "Signed out of every session."
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": message, "revoked": revoked})
}

// raiseEpoch sets tokens_valid_after of the account to now.
func raiseEpoch(ctx context.Context, tx bun.IDB, subjectType tokens.SubjectType, id int64, now time.Time) error {
	table := "users"
	if subjectType == tokens.Employee {
		table = "employees"
	}
	_, err := tx.NewUpdate().Table(table).Set("tokens_valid_after = ?", now.UTC()).Where("id = ?", id).Exec(ctx)
	return err
}
