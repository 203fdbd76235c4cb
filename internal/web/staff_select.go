package web

import (
	"context"
	"net/http"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
)

// systemChoice is one system on the selection page.
type systemChoice struct {
	Slug string
	Name string
}

// activeSystems returns the systems a user has an active assignment in,
// once each, in assignment order.
func (p *Pages) activeSystems(ctx context.Context, userID int64) ([]systemChoice, error) {
	entries, err := accounts.Assignments(ctx, p.DB, userID, true)
	if err != nil {
		return nil, err
	}
	var out []systemChoice
	seen := map[string]bool{}
	for _, e := range entries {
		if !seen[e.SystemSlug] {
			seen[e.SystemSlug] = true
			out = append(out, systemChoice{Slug: e.SystemSlug, Name: e.SystemName})
		}
	}
	return out, nil
}

// Welcome serves GET /api/v1/users/welcome/, the system selection page.
func (p *Pages) Welcome(w http.ResponseWriter, r *http.Request) {
	p.staffPage(anyStaff, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		p.renderWelcome(w, r, who, http.StatusOK, "")
	})(w, r)
}

func (p *Pages) renderWelcome(w http.ResponseWriter, r *http.Request, who *httpx.Principal, status int, failure string) {
	systems, err := p.activeSystems(r.Context(), who.User.ID)
	if err != nil {
		p.ServerError(w, r, err)
		return
	}
	v := p.newView("Select a System - MAP Active")
	v.BodyClass = "centered"
	v.Data = map[string]any{"Systems": systems}
	if failure != "" {
		v.toast("error", failure)
	}
	p.render(w, r, status, "staff_welcome", v)
}

// WelcomeSubmit serves POST /api/v1/users/welcome/: the chosen system
// (system_slug, or system) becomes the selected_system cookie and the
// browser goes to that system's URL.
func (p *Pages) WelcomeSubmit(w http.ResponseWriter, r *http.Request) {
	p.staffPage(anyStaff, p.selectSystem)(w, r)
}

func (p *Pages) selectSystem(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
	in, ok := p.readForm(w, r)
	if !ok {
		return
	}
	f := httpx.NewFields(in)
	slug, _ := f.String("system_slug", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 255})
	if slug == "" {
		slug, _ = f.String("system", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 255})
	}
	systems, err := p.activeSystems(r.Context(), who.User.ID)
	if err != nil {
		p.ServerError(w, r, err)
		return
	}
	for _, s := range systems {
		if s.Slug == slug {
			http.SetCookie(w, &http.Cookie{Name: httpx.SelectedSystem, Value: slug, Path: "/", MaxAge: 30 * 24 * 3600,
				HttpOnly: true, Secure: p.Cookies.Secure, SameSite: http.SameSiteLaxMode})
			p.redirect(w, r, p.Config.SystemURL(slug))
			return
		}
	}
	p.renderWelcome(w, r, who, http.StatusBadRequest, "You do not have access to that system. Choose one of the systems listed.")
}
