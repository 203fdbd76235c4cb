// Package sessions serves the token routes that staff users and employees
// share: refresh on every path, token verification and validation, the
// current account, and logout.
package sessions

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// Employees is the part of the employees package the token routes use.
type Employees interface {
	// LoadSubject loads an approved, unlocked employee for a refresh.
	LoadSubject(ctx context.Context, tx bun.IDB, id int64) (*tokens.Subject, error)
	// Profile returns the EmployeeProfile body of an employee.
	Profile(ctx context.Context, db bun.IDB, e *model.Employee) (any, error)
	// TokensValidAfter returns the employee's revocation epoch, or
	// tokens.ErrSubjectNotFound.
	TokensValidAfter(ctx context.Context, db bun.IDB, id int64) (*time.Time, error)
	// ByCompanyID returns the employee with a company id, or
	// storage.ErrNotFound.
	ByCompanyID(ctx context.Context, db bun.IDB, companyID string) (*model.Employee, error)
}

// Handlers serves the shared token routes.
type Handlers struct {
	cfg       *config.Config
	db        *storage.DB
	tokens    *tokens.Service
	cookies   httpx.Cookies
	media     *media.Store
	employees Employees
	now       func() time.Time
	logger    *slog.Logger
}

// NewHandlers returns the shared token route handlers.
func NewHandlers(cfg *config.Config, db *storage.DB, svc *tokens.Service, cookies httpx.Cookies, store *media.Store, employees Employees, now func() time.Time, logger *slog.Logger) *Handlers {
	return &Handlers{cfg: cfg, db: db, tokens: svc, cookies: cookies, media: store, employees: employees, now: now, logger: logger}
}

// SetEmployees installs the employee directory once the employees package
// is built.
func (h *Handlers) SetEmployees(e Employees) { h.employees = e }

// LoadSubject loads the subject of a refresh token of either account type.
func (h *Handlers) LoadSubject(ctx context.Context, tx bun.IDB, t tokens.SubjectType, id int64) (*tokens.Subject, error) {
	switch t {
	case tokens.Staff:
		return accounts.LoadSubject(ctx, tx, id)
	case tokens.Employee:
		if h.employees == nil {
			return nil, tokens.ErrSubjectNotFound
		}
		return h.employees.LoadSubject(ctx, tx, id)
	}
	return nil, tokens.ErrSubjectNotFound
}

// refresh runs the rotation algorithm and clears the cookies when the
// refresh failed in a way that revoked the family.
func (h *Handlers) refresh(w http.ResponseWriter, r *http.Request, raw string, only tokens.SubjectType) (*tokens.Pair, *tokens.Claims, error) {
	pair, claims, err := h.tokens.Refresh(r.Context(), h.db, raw, only, h.LoadSubject)
	if errors.Is(err, tokens.ErrReused) || errors.Is(err, tokens.ErrSubjectInactive) || errors.Is(err, tokens.ErrSubjectNotFound) {
		h.cookies.ClearAuth(w)
	}
	return pair, claims, err
}

// Refresh serves POST /api/v1/token/refresh/: the refresh token comes from
// the body, or from the refresh_token cookie when the body has none (the
// BMS and AMS frontends post an empty body).
func (h *Handlers) Refresh(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	raw, _ := f.String("refresh", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 8192})
	if f.Errors.Has("refresh") {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	fromCookie := false
	if raw == "" {
		if c, err := r.Cookie(httpx.RefreshCookie); err == nil && c.Value != "" {
			raw, fromCookie = c.Value, true
		}
	}
	if raw == "" {
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"refresh": {httpx.MsgRequired}})
		return
	}
	pair, _, err := h.refresh(w, r, raw, "")
	switch {
	case err == nil:
	case errors.Is(err, tokens.ErrRevoked):
		httpx.WriteProblem(w, httpx.ErrTokenRevoked)
		return
	case errors.Is(err, tokens.ErrSubjectInactive), errors.Is(err, tokens.ErrSubjectNotFound):
		httpx.JSON(w, http.StatusUnauthorized, httpx.Detail("No active account found with the given credentials", "no_active_account"))
		return
	case errors.Is(err, tokens.ErrInvalid), errors.Is(err, tokens.ErrExpired), errors.Is(err, tokens.ErrWrongType):
		httpx.JSON(w, http.StatusUnauthorized, httpx.Detail("Token is invalid or expired", "token_not_valid"))
		return
	default:
		httpx.ServerError(w, r, err)
		return
	}
	if fromCookie {
		h.cookies.SetPair(w, pair)
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"access": pair.Access, "refresh": pair.Refresh})
}

// RefreshCookie serves POST /api/v1/token/refresh/cookie/ (staff or
// employee) and, with staffOnly, POST /api/v1/users/token/refresh/.
func (h *Handlers) RefreshCookie(staffOnly bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(httpx.RefreshCookie)
		if err != nil || c.Value == "" {
			httpx.JSON(w, http.StatusUnauthorized, map[string]any{"detail": "No refresh token in cookies"})
			return
		}
		only := tokens.SubjectType("")
		if staffOnly {
			only = tokens.Staff
		}
		pair, claims, err := h.refresh(w, r, c.Value, only)
		if err != nil {
			h.writeCookieRefreshError(w, r, claims, err)
			return
		}
		h.cookies.SetPair(w, pair)
		body := map[string]any{"message": "Token refreshed successfully", "expires_in": int(h.tokens.Lifetimes().Access.Seconds())}
		if !staffOnly {
			body["user_type"] = "user"
			if pair.SubjectType == tokens.Employee {
				body["user_type"] = "employee"
			}
		}
		httpx.JSON(w, http.StatusOK, body)
	}
}

func (h *Handlers) writeCookieRefreshError(w http.ResponseWriter, r *http.Request, claims *tokens.Claims, err error) {
	detail := ""
	switch {
	case errors.Is(err, tokens.ErrWrongType):
		detail = "Invalid token type"
	case errors.Is(err, tokens.ErrExpired):
		detail = "Refresh token has expired"
	case errors.Is(err, tokens.ErrRevoked):
		detail = "Token has been revoked"
	case errors.Is(err, tokens.ErrSubjectInactive), errors.Is(err, tokens.ErrSubjectNotFound):
		detail = "User not found"
		if claims != nil && claims.UserType == tokens.Employee {
			detail = "Employee not found"
		}
	case errors.Is(err, tokens.ErrInvalid):
		detail = "Invalid refresh token"
	default:
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusUnauthorized, map[string]any{"detail": detail})
}

// Verify serves POST /api/v1/token/verify/: 200 {} for a valid, unrevoked
// access or refresh token.
func (h *Handlers) Verify(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	raw, _ := f.String("token", httpx.StringRule{Required: true, Trim: true, Max: 8192})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	invalid := httpx.Detail("Token is invalid or expired", "token_not_valid")
	claims, err := h.tokens.Signer().Parse(raw)
	if err != nil || (claims.TokenType != tokens.TypeAccess && claims.TokenType != tokens.TypeRefresh) {
		httpx.JSON(w, http.StatusUnauthorized, invalid)
		return
	}
	validAfter, err := h.validAfter(r.Context(), claims)
	if err == nil {
		err = h.tokens.CheckRevoked(r.Context(), h.db, claims, validAfter)
	}
	switch {
	case err == nil:
		httpx.JSON(w, http.StatusOK, map[string]any{})
	case errors.Is(err, tokens.ErrRevoked), errors.Is(err, tokens.ErrSubjectNotFound):
		httpx.JSON(w, http.StatusUnauthorized, httpx.Detail("Token is blacklisted", "token_not_valid"))
	default:
		httpx.ServerError(w, r, err)
	}
}

// validAfter returns the revocation epoch of a token's account.
func (h *Handlers) validAfter(ctx context.Context, c *tokens.Claims) (*time.Time, error) {
	if c.UserType == tokens.Employee {
		if h.employees == nil {
			return nil, tokens.ErrSubjectNotFound
		}
		return h.employees.TokensValidAfter(ctx, h.db, c.SubjectID())
	}
	u, err := accounts.UserByID(ctx, h.db, c.SubjectID())
	if errors.Is(err, storage.ErrNotFound) {
		return nil, tokens.ErrSubjectNotFound
	}
	if err != nil {
		return nil, err
	}
	if !u.IsActive {
		return nil, tokens.ErrSubjectNotFound
	}
	return u.TokensValidAfter, nil
}

// accountBody returns the profile body of the principal and its type name
// ("user" or "employee").
func (h *Handlers) accountBody(ctx context.Context, p *httpx.Principal) (any, string, error) {
	if p.IsEmployee() {
		body, err := h.employees.Profile(ctx, h.db, p.Employee)
		return body, "employee", err
	}
	body, err := accounts.Profile(ctx, h.db, h.media, p.User)
	return body, "user", err
}

// Me serves GET /api/me/ and GET /api/v1/hdts/employees/api/me/.
func (h *Handlers) Me(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	body, kind, err := h.accountBody(r.Context(), p)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"type": kind, "data": body})
}

// Validate serves GET /api/v1/users/token/validate/: the profile of the
// token's account plus the token's validity facts.
func (h *Handlers) Validate(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	body, _, err := h.accountBody(r.Context(), p)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	merged, err := toMap(body)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	merged["valid"] = true
	merged["user_id"] = p.Claims.SubjectID()
	merged["user_type"] = string(p.Claims.UserType)
	merged["expires_at"] = httpx.Timestamp(p.Claims.ExpiresAt)
	merged["token_validated_at"] = httpx.PythonTimestamp(h.now())
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, merged)
}

// revokePresented revokes the family of the presented refresh token (cookie,
// or body field when given), else of the presented access token, and
// returns the account type of the token it used.
func (h *Handlers) revokePresented(ctx context.Context, r *http.Request, bodyRefresh string) tokens.SubjectType {
	candidates := []string{bodyRefresh}
	if c, err := r.Cookie(httpx.RefreshCookie); err == nil {
		candidates = append(candidates, c.Value)
	}
	if c, err := r.Cookie(httpx.AccessCookie); err == nil {
		candidates = append(candidates, c.Value)
	}
	// The scheme is case-insensitive, as in request authentication.
	if scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " "); ok && strings.EqualFold(scheme, "Bearer") {
		candidates = append(candidates, strings.TrimSpace(token))
	}
	for _, raw := range candidates {
		if raw == "" {
			continue
		}
		claims, err := h.tokens.Signer().ParseForLogout(raw)
		if err != nil {
			continue
		}
		var familyID string
		if claims.TokenType == tokens.TypeRefresh {
			familyID, err = h.tokens.FamilyOfRefresh(ctx, h.db, claims.JTI)
		} else {
			familyID, err = h.tokens.FamilyOfAccess(ctx, h.db, claims.JTI)
		}
		if err != nil {
			return claims.UserType // unknown family: nothing to revoke
		}
		err = h.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if err := h.tokens.RevokeFamily(ctx, tx, familyID, tokens.ReasonLogout); err != nil {
				return err
			}
			return audit.Record(ctx, tx, h.now(), audit.Event{Name: "logout", Details: map[string]any{"family_id": familyID}}.
				Subject(string(claims.UserType), claims.SubjectID()))
		})
		if err != nil {
			h.logger.ErrorContext(ctx, "revoke family at logout", "error", err, "family_id", familyID)
		}
		return claims.UserType
	}
	return ""
}

// Logout serves the POST logout routes; message is the success message of
// the route.
func (h *Handlers) Logout(message string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		bodyRefresh := ""
		if in, problem := httpx.Decode(w, r); problem == nil {
			f := httpx.NewFields(in)
			bodyRefresh, _ = f.String("refresh", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 8192})
		}
		h.revokePresented(r.Context(), r, bodyRefresh)
		h.cookies.ClearAuth(w)
		httpx.JSON(w, http.StatusOK, map[string]any{"message": message})
	}
}

// LogoutRedirect serves GET /logout/ and GET /api/v1/users/logout/ui/: it
// logs out and sends the browser to the sign-in page of the account type.
func (h *Handlers) LogoutRedirect(w http.ResponseWriter, r *http.Request) {
	kind := h.revokePresented(r.Context(), r, "")
	h.cookies.ClearAuth(w)
	target := "/staff/login/?logout=1"
	if kind == tokens.Employee {
		target = "/login/?logout=1"
	}
	http.Redirect(w, r, target, http.StatusFound)
}
