package portal

import (
	"errors"
	"net/http"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/storage"
)

// Messages of the portal routes.
const (
	MsgEmailRequired       = "Email is required"
	MsgEmailExists         = "Email already exists"
	MsgUsernameExists      = "Username already exists"
	MsgPhoneExists         = "Phone number already exists"
	MsgUserNotFound        = "User not found"
	MsgOwnAccount          = "You cannot change this on your own account"
	MsgDeleteOwn           = "Cannot delete your own account"
	MsgLoginFieldsRequired = "Email and password are required"
	MsgInvalidLogin        = "Invalid email or password"
	MsgNotSuperuser        = "Access denied. Superuser privileges required."
	MsgLocked              = "Account is locked. Please contact an administrator."
	MsgOTPRequired         = "OTP code required"
	MsgOTPInvalid          = "Invalid or expired OTP code"
	MsgActionRequired      = "Action is required"
	MsgNoUsersSelected     = "No users selected"
	MsgInvalidAction       = "Invalid action"
	MsgNoFile              = "No file uploaded"
	MsgNotCSV              = "File must be a CSV"
)

// fail is a portal error: an HTTP status with the body {"error": message}.
func fail(status int, message string) *httpx.Problem {
	return &httpx.Problem{Status: status, Body: map[string]any{"error": message}}
}

func badRequest(message string) *httpx.Problem { return fail(http.StatusBadRequest, message) }

var errUserNotFound = fail(http.StatusNotFound, MsgUserNotFound)

// uniqueError turns a uniqueness violation on users (a concurrent request
// that passed the checks) into the portal's message.
func uniqueError(err error) error {
	ce, ok := storage.AsConstraint(err)
	if !ok || ce.Kind != storage.Unique {
		return err
	}
	switch {
	case ce.On("users", "email_normalized"):
		return badRequest(MsgEmailExists)
	case ce.On("users", "username_normalized"):
		return badRequest(MsgUsernameExists)
	case ce.On("users", "phone_number"):
		return badRequest(MsgPhoneExists)
	}
	return httpx.Conflict("A conflicting account already exists.")
}

// writeError writes err: a *httpx.Problem as itself, ErrNotFound as the
// portal's 404, anything else as a 500.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var problem *httpx.Problem
	switch {
	case errors.As(err, &problem):
		httpx.WriteProblem(w, problem)
	case errors.Is(err, ErrNotFound):
		httpx.WriteProblem(w, errUserNotFound)
	default:
		httpx.ServerError(w, r, err)
	}
}

// decode reads a request body like httpx.Decode and rewrites its 400
// problems (malformed JSON, a body that is not an object, invalid
// encoding) to the portal's {"error": message} body.
func decode(w http.ResponseWriter, r *http.Request) (*httpx.Input, *httpx.Problem) {
	in, problem := httpx.Decode(w, r)
	if problem == nil || problem.Status != http.StatusBadRequest {
		return in, problem
	}
	switch body := problem.Body.(type) {
	case httpx.FieldErrors:
		return nil, badRequest(describe(body))
	case map[string]any:
		if detail, ok := body["detail"].(string); ok {
			return nil, badRequest(detail)
		}
		if list, ok := body["non_field_errors"].([]string); ok && len(list) > 0 {
			return nil, badRequest(list[0])
		}
	}
	return nil, badRequest("Invalid request body")
}
