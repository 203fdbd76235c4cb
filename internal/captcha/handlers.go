package captcha

import (
	"errors"
	"net/http"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/throttle"
)

// Handlers serves the public CAPTCHA routes.
type Handlers struct {
	svc      *Service
	db       *storage.DB
	throttle *throttle.Service
	guard    *throttle.Guard
}

// NewHandlers returns the CAPTCHA route handlers. guard answers whether a
// CAPTCHA is required; limits throttles challenge generation.
func NewHandlers(svc *Service, db *storage.DB, limits *throttle.Service, guard *throttle.Guard) *Handlers {
	return &Handlers{svc: svc, db: db, throttle: limits, guard: guard}
}

// Generate serves GET and POST /api/v1/users/captcha/generate/.
func (h *Handlers) Generate(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if h.svc.Provider() != Builtin {
		httpx.JSON(w, http.StatusOK, map[string]any{"provider": h.svc.Provider(), "site_key": h.svc.SiteKey()})
		return
	}
	if err := h.throttle.CaptchaGenerate(r.Context(), h.db, requestinfo.From(r.Context()).IP); err != nil {
		var limit *throttle.LimitError
		if errors.As(err, &limit) {
			httpx.WriteProblem(w, httpx.Throttled(limit.RetryAfter))
			return
		}
		httpx.ServerError(w, r, err)
		return
	}
	challenge, err := h.svc.Generate(r.Context())
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{
		"provider": Builtin, "captcha_id": challenge.ID, "image": challenge.Image, "audio": challenge.Audio,
		"expires_in": int(ChallengeLifetime.Seconds()),
	})
}

// Verify serves POST /api/v1/users/captcha/verify/.
func (h *Handlers) Verify(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	id, _ := f.String("captcha_id", httpx.StringRule{Required: true, Trim: true, Max: 64})
	answer, _ := f.String("answer", httpx.StringRule{Required: true, Trim: true, Max: 64})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	if h.svc.Provider() != Builtin {
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"valid": false, "error": "The built-in CAPTCHA is not enabled."})
		return
	}
	pass, err := h.svc.Check(r.Context(), id, answer)
	switch {
	case errors.Is(err, ErrIncorrect), errors.Is(err, ErrExpired):
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"valid": false, "error": err.Error()})
		return
	case err != nil:
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"valid": true, "captcha_token": pass, "expires_in": int(PassLifetime.Seconds())})
}

// Required serves GET /api/v1/users/captcha/required/?email=. The result
// depends only on the counters of the submitted e-mail and the client
// address, never on whether an account exists.
func (h *Handlers) Required(w http.ResponseWriter, r *http.Request) {
	f := httpx.NewFields(httpx.InputFromQuery(r))
	email, _ := f.String("email", httpx.StringRule{AllowBlank: true, Trim: true, Max: 254})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	required, err := h.guard.CaptchaRequired(r.Context(), email, requestinfo.From(r.Context()).IP)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"captcha_required": required, "provider": h.svc.Provider(), "site_key": h.svc.SiteKey()})
}
