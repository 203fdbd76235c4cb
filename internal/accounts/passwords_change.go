package accounts

import (
	"context"
	"errors"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/onetime"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/throttle"
	"github.com/mapactive/authd/internal/tokens"
)

// ProcessResetRequest is the background half of a forgot-password
// request: it counts the e-mail limits, looks the account up and, for an
// active staff user within the limits, issues a reset link (voiding older
// ones) and queues the e-mail. Unknown or inactive accounts get nothing.
func (sh *SecurityHandlers) ProcessResetRequest(ctx context.Context, email, ip string) error {
	s := sh.svc
	decision, err := sh.throttle.Mail(ctx, s.db, email, throttle.MailReset, ip)
	if err != nil || !decision.Allowed {
		return err
	}
	u, err := UserByEmail(ctx, s.db, email)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil || !u.IsActive {
		return err
	}
	lifetime := s.cfg.Tokens.ResetTokenLifetime
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		token, err := onetime.Issue(ctx, tx, s.now(), string(tokens.Staff), u.ID, onetime.Reset, lifetime)
		if err != nil {
			return err
		}
		hours := int(lifetime.Hours())
		if hours < 1 {
			hours = 1
		}
		vars := map[string]any{"user_name": u.DisplayName(), "reset_url": s.cfg.PublicURL + "/api/v1/users/password/reset/?token=" + token,
			"expiry_hours": hours}
		if err := s.outbox.Email(ctx, tx, outbox.Email{Template: "staff_password_reset", To: u.Email, Vars: vars}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Name: "password.reset_requested"}.Subject("staff", u.ID).WithIdentifier(email))
	})
}

// Change serves POST /api/v1/users/password/change/ and
// /api/v1/users/profile/reset-password/.
func (sh *SecurityHandlers) Change(w http.ResponseWriter, r *http.Request) {
	sh.change(w, r, true, MsgPasswordResetByUser)
}

// ChangeLegacy serves POST /api/v1/users/change-password/, which has no
// confirmation field.
func (sh *SecurityHandlers) ChangeLegacy(w http.ResponseWriter, r *http.Request) {
	sh.change(w, r, false, MsgPasswordChanged)
}

func (sh *SecurityHandlers) change(w http.ResponseWriter, r *http.Request, withConfirm bool, done string) {
	p := httpx.PrincipalFrom(r.Context())
	u := p.User
	f, ok := decodeFields(w, r)
	if !ok {
		return
	}
	current, _ := f.String("current_password", httpx.StringRule{Required: true, Max: 1024})
	next, _ := f.String("new_password", httpx.StringRule{Required: true, Max: 1024})
	var confirm string
	if withConfirm {
		confirm, _ = f.String("new_password_confirm", httpx.StringRule{Required: true, Max: 1024})
	}
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	ctx := r.Context()
	ok, err := sh.svc.checkPassword(ctx, u, current)
	if err != nil {
		failBusyOr(w, r, err)
		return
	}
	if !ok {
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"current_password": {MsgCurrentWrong}})
		return
	}
	if withConfirm && next != confirm {
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"new_password_confirm": {MsgConfirmMismatch}})
		return
	}
	if messages := sh.svc.policy.Check(ctx, next, deref(u.Username), u.Email); len(messages) > 0 {
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"new_password": messages})
		return
	}
	hash, err := sh.svc.hasher.Hash(ctx, next)
	if err != nil {
		failBusyOr(w, r, err)
		return
	}
	pair, err := sh.svc.ChangePassword(ctx, u, hash, p)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	if pair != nil {
		sh.h.cookies.SetPair(w, pair)
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"detail": done})
}

// ChangePassword stores a new password hash for the signed-in caller p and
// revokes every session. A caller signed in by cookie gets a new pair in a
// new family (with the old family's remember-me choice), so the browser
// stays signed in. A Bearer caller signs in again.
func (s *Service) ChangePassword(ctx context.Context, u *model.User, hash string, p *httpx.Principal) (*tokens.Pair, error) {
	var pair *tokens.Pair
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		remember := true
		if p.ViaCookie {
			family, err := s.tokens.FamilyOfAccess(ctx, tx, p.Claims.JTI)
			if err == nil {
				if err := tx.NewSelect().Table("refresh_families").Column("remember_me").Where("id = ?", family).Scan(ctx, &remember); err != nil {
					return err
				}
			}
		}
		if err := s.replacePassword(ctx, tx, u, hash, ""); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, s.now(), audit.Event{Name: "password.changed"}.Actor("staff", u.ID).Subject("staff", u.ID)); err != nil {
			return err
		}
		if !p.ViaCookie {
			return nil
		}
		subject, err := Subject(ctx, tx, u)
		if err != nil {
			return err
		}
		info := requestinfo.From(ctx)
		pair, err = s.tokens.StartFamily(ctx, tx, subject, tokens.FamilyMeta{RememberMe: remember, IP: info.IP, UserAgent: info.UserAgent})
		return err
	})
	return pair, err
}

// VerifyPassword serves POST /api/v1/users/verify-password/ and
// /api/v1/users/password/verify/.
func (sh *SecurityHandlers) VerifyPassword(w http.ResponseWriter, r *http.Request) {
	u := httpx.PrincipalFrom(r.Context()).User
	f, ok := decodeFields(w, r)
	if !ok {
		return
	}
	current, _ := f.String("current_password", httpx.StringRule{Required: true, Max: 1024})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	ok, err := sh.svc.checkPassword(r.Context(), u, current)
	if err != nil {
		failBusyOr(w, r, err)
		return
	}
	if !ok {
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"detail": MsgPasswordIncorrect})
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"detail": MsgPasswordVerified})
}
