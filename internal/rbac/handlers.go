package rbac

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/mapactive/authd/internal/httpx"
)

// Handlers serves the system, role and assignment routes.
type Handlers struct {
	svc *Service
}

// NewHandlers returns the handlers of svc.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

// ErrorBody returns the {"error": message} body most admin routes use.
func ErrorBody(message string) map[string]any { return map[string]any{"error": message} }

// Error returns a problem with the {"error": message} body.
func Error(status int, message string) *httpx.Problem {
	return &httpx.Problem{Status: status, Body: ErrorBody(message)}
}

// Fail writes err: a *httpx.Problem (possibly wrapped) as itself, anything
// else as a 500.
func Fail(w http.ResponseWriter, r *http.Request, err error) {
	var p *httpx.Problem
	if errors.As(err, &p) {
		httpx.WriteProblem(w, p)
		return
	}
	httpx.ServerError(w, r, err)
}

// PathID reads an integer path parameter. A value that is not a positive
// integer gets the standard 404, as a path that matches no route.
func PathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		httpx.WriteProblem(w, httpx.ErrNotFound)
		return 0, false
	}
	return id, true
}

// decode reads the request body, writing the problem of a malformed one.
func decode(w http.ResponseWriter, r *http.Request) (*httpx.Input, bool) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return nil, false
	}
	return in, true
}
