package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/mapactive/authd/internal/requestinfo"
)

// Problem is an error response: a status and the JSON body to send.
type Problem struct {
	Status int
	Body   any
	Header http.Header
}

func (p *Problem) Error() string {
	return fmt.Sprintf("HTTP %d: %v", p.Status, p.Body)
}

// Detail returns the standard error body {"detail", "code"}.
func Detail(detail, code string) map[string]any {
	return map[string]any{"detail": detail, "code": code}
}

// Standard problems of the API's error table.
var (
	ErrNotAuthenticated = &Problem{Status: http.StatusUnauthorized, Body: Detail("Authentication credentials were not provided.", "not_authenticated"),
		Header: http.Header{"Www-Authenticate": {`Bearer realm="api"`}}}
	ErrTokenNotValid = &Problem{Status: http.StatusUnauthorized, Body: Detail("Given token not valid for any token type", "token_not_valid"),
		Header: http.Header{"Www-Authenticate": {`Bearer realm="api"`}}}
	ErrTokenExpired = &Problem{Status: http.StatusUnauthorized, Body: Detail("Token is expired", "token_expired"),
		Header: http.Header{"Www-Authenticate": {`Bearer realm="api"`}}}
	ErrTokenRevoked = &Problem{Status: http.StatusUnauthorized, Body: Detail("Token has been revoked", "token_revoked"),
		Header: http.Header{"Www-Authenticate": {`Bearer realm="api"`}}}
	ErrPermissionDenied = &Problem{Status: http.StatusForbidden, Body: Detail("You do not have permission to perform this action.", "permission_denied")}
	ErrWrongUserType    = &Problem{Status: http.StatusForbidden, Body: Detail("This endpoint is not available for this account type.", "wrong_user_type")}
	ErrCSRF             = &Problem{Status: http.StatusForbidden, Body: Detail("CSRF check failed: untrusted origin.", "csrf_failed")}
	ErrNotFound         = &Problem{Status: http.StatusNotFound, Body: Detail("Not found.", "not_found")}
	ErrTooLarge         = &Problem{Status: http.StatusRequestEntityTooLarge, Body: Detail("Request body too large.", "too_large")}
	ErrBusy             = &Problem{Status: http.StatusServiceUnavailable, Body: Detail("Server busy. Please try again.", "busy")}
)

// Throttled returns the standard 429 problem.
func Throttled(retryAfter time.Duration) *Problem {
	seconds := int(retryAfter.Seconds() + 0.999)
	if seconds < 1 {
		seconds = 1
	}
	return &Problem{
		Status: http.StatusTooManyRequests,
		Body:   map[string]any{"detail": "Too many requests. Please try again later.", "code": "throttled", "retry_after": seconds},
		Header: http.Header{"Retry-After": {strconv.Itoa(seconds)}},
	}
}

// MethodNotAllowed returns the standard 405 problem.
func MethodNotAllowed(method, allow string) *Problem {
	return &Problem{
		Status: http.StatusMethodNotAllowed,
		Body:   Detail(fmt.Sprintf("Method %q not allowed.", method), "method_not_allowed"),
		Header: http.Header{"Allow": {allow}},
	}
}

// Conflict returns a 409 with the uniqueness conflict body.
func Conflict(message string) *Problem {
	return &Problem{Status: http.StatusConflict, Body: map[string]any{"error": message, "code": "conflict"}}
}

// BadRequest returns a 400 with body.
func BadRequest(body any) *Problem {
	return &Problem{Status: http.StatusBadRequest, Body: body}
}

// JSON writes v as the response body with status.
func JSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	encoder := json.NewEncoder(&buf)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(v); err != nil {
		slog.Error("encode JSON response", "error", err)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"detail": "Internal server error.", "code": "server_error"}`))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// WriteProblem writes a Problem.
func WriteProblem(w http.ResponseWriter, p *Problem) {
	for k, values := range p.Header {
		for _, v := range values {
			w.Header().Add(k, v)
		}
	}
	JSON(w, p.Status, p.Body)
}

// ServerError logs err with the request id and writes the standard 500 body,
// which names the request id and nothing else.
func ServerError(w http.ResponseWriter, r *http.Request, err error) {
	id := requestinfo.From(r.Context()).RequestID
	slog.ErrorContext(r.Context(), "request failed", "error", err, "method", r.Method, "path", r.URL.Path, "request_id", id)
	JSON(w, http.StatusInternalServerError, map[string]any{"detail": "Internal server error.", "code": "server_error", "request_id": id})
}

// Fail writes err: a *Problem as itself, anything else as a 500.
func Fail(w http.ResponseWriter, r *http.Request, err error) {
	if p, ok := err.(*Problem); ok {
		WriteProblem(w, p)
		return
	}
	ServerError(w, r, err)
}

// Timestamp formats t as RFC 3339 UTC with microseconds and a Z suffix, the
// form of timestamps in API bodies.
func Timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// TimestampPtr formats t, or returns nil for a nil time.
func TimestampPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return Timestamp(*t)
}

// PythonTimestamp formats t as Python's isoformat() of an aware UTC
// datetime with microseconds: 2025-01-31T08:15:00.123456+00:00.
func PythonTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000+00:00")
}
