package employees

import (
	"errors"
	"net/http"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/throttle"
)

// Register serves POST /api/v1/hdts/employees/api/register/ (JSON, form or
// multipart with profile_picture). Every attempt counts against the
// per-address registration limit, so field errors cannot be probed at
// will.
func (h *Handlers) Register(w http.ResponseWriter, r *http.Request) {
	if problem := h.svc.TakeRegistration(r); problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	n, fieldErrors := ReadNewEmployee(in)
	if !fieldErrors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, fieldErrors)
		return
	}
	e, err := h.svc.Register(r.Context(), n)
	if err != nil {
		httpx.Fail(w, r, err)
		return
	}
	profile, err := ProfileOf(r.Context(), h.svc.db, h.svc.media, e)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, profile)
}

// TakeRegistration counts a registration from the request's address and
// returns the 429 problem when the address is over its limit. The
// registration page calls it too.
func (s *Service) TakeRegistration(r *http.Request) *httpx.Problem {
	if s.throttle == nil {
		return nil
	}
	err := s.throttle.Register(r.Context(), s.db, requestinfo.From(r.Context()).IP)
	var limit *throttle.LimitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &limit):
		return httpx.Throttled(limit.RetryAfter)
	}
	s.logger.ErrorContext(r.Context(), "count an employee registration", "error", err)
	return nil
}
