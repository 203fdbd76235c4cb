package mail

import "errors"

// SendError is the error every Sender returns. Its text names the provider
// and includes the provider's reply, never a credential.
type SendError struct {
	// Provider is the Sender name, such as "smtp".
	Provider string
	// Status is the SMTP reply code or the HTTP status code, or 0 when the
	// failure happened before the provider replied.
	Status int
	// Permanent reports that sending the same message again cannot succeed.
	Permanent bool
	// Err is the underlying failure.
	Err error
}

// Error returns the provider name followed by the failure.
func (e *SendError) Error() string {
	return e.Provider + ": " + e.Err.Error()
}

// Unwrap returns the underlying failure.
func (e *SendError) Unwrap() error {
	return e.Err
}

// IsPermanent reports whether err comes from a failure that no retry can fix:
// an SMTP 5xx reply, a SendGrid 4xx response other than 429, or an invalid
// message. Every other error, such as a timeout or a refused connection, is
// temporary.
func IsPermanent(err error) bool {
	var sendErr *SendError
	return errors.As(err, &sendErr) && sendErr.Permanent
}

func permanentError(provider string, err error) *SendError {
	return &SendError{Provider: provider, Permanent: true, Err: err}
}
