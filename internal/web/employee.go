package web

import (
	"context"

	"github.com/mapactive/authd/internal/httpx"
)

// EmployeeRegistrar creates an employee from the registration form, with
// the rules of the JSON registration route. It returns a *httpx.Problem
// with the field errors for invalid input.
type EmployeeRegistrar interface {
	RegisterEmployee(ctx context.Context, in *httpx.Input, ip string) error
}
