package web

import (
	"net/http"
	"slices"

	"github.com/mapactive/authd/internal/httpx"
)

// errorPage is the data of the 404, 403 and 500 pages.
type errorPage struct {
	Status    int
	Heading   string
	Message   string
	LinkURL   string
	LinkText  string
	RequestID string
}

// NotFound renders the 404 page of an unknown non-API path. Its link leads
// where the visitor most likely wants to go: the staff sign-in when signed
// out, the HDTS frontend for an employee, the only system of a staff user
// with one, else the system selection page. It does not refresh tokens, so
// a stray request for a missing path never rotates a session.
func (p *Pages) NotFound(w http.ResponseWriter, r *http.Request) {
	e := &errorPage{Status: http.StatusNotFound, Heading: "Page Not Found",
		Message: "The page you asked for does not exist or has moved.", LinkURL: "/staff/login/", LinkText: "Go to sign in"}
	if p.auth != nil {
		if who, problem := p.auth.Authenticate(r); problem == nil {
			switch {
			case who.IsEmployee():
				e.LinkURL, e.LinkText = p.Config.SystemURL("hdts"), "Go to the help desk"
			case who.IsStaff():
				e.LinkURL, e.LinkText = "/api/v1/users/welcome/", "Go to system selection"
				if systems := distinctSystems(who.Grants); len(systems) == 1 {
					e.LinkURL, e.LinkText = p.Config.SystemURL(systems[0]), "Go to your system"
				}
			}
		}
	}
	p.renderError(w, r, e)
}

// Forbidden renders the 403 page: a failed CSRF check on a form, or missing
// rights on a page that does not redirect.
func (p *Pages) Forbidden(w http.ResponseWriter, r *http.Request, message string) {
	back := r.Referer()
	if p.safeNext(back) == "" {
		back = "/staff/login/"
	}
	p.renderError(w, r, &errorPage{Status: http.StatusForbidden, Heading: "Access Denied", Message: message,
		LinkURL: back, LinkText: "Go back"})
}

// CSRFFailed renders the 403 page of a form post that failed the CSRF
// checks: a missing or wrong form token, or an untrusted Origin.
func (p *Pages) CSRFFailed(w http.ResponseWriter, r *http.Request) {
	p.Forbidden(w, r, "The form could not be verified (CSRF check failed). Reload the page and try again.")
}

// ServerError logs err and renders the 500 page with the request id.
func (p *Pages) ServerError(w http.ResponseWriter, r *http.Request, err error) {
	id := requestID(r)
	p.Logger.ErrorContext(r.Context(), "page failed", "error", err, "method", r.Method, "path", r.URL.Path, "request_id", id)
	p.renderError(w, r, &errorPage{Status: http.StatusInternalServerError, Heading: "Something Went Wrong",
		Message: "An unexpected error stopped this page. Try again in a moment; if it keeps happening, give the request id below to support.",
		LinkURL: "/staff/login/", LinkText: "Go to sign in", RequestID: id})
}

func (p *Pages) renderError(w http.ResponseWriter, r *http.Request, e *errorPage) {
	v := p.newView(e.Heading)
	v.BodyClass = "centered"
	v.Data = e
	p.render(w, r, e.Status, "error", v)
}

// distinctSystems returns the slugs of the systems of a user's active
// grants, in assignment order.
func distinctSystems(grants []httpx.Grant) []string {
	var slugs []string
	for _, g := range grants {
		if !slices.Contains(slugs, g.SystemSlug) {
			slugs = append(slugs, g.SystemSlug)
		}
	}
	return slugs
}
