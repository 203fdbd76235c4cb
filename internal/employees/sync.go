package employees

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
)

// saved records the sync message and event of a created (before is nil)
// or updated employee. The outbox records nothing when no payload field
// changed.
func (s *Service) saved(ctx context.Context, tx bun.Tx, actor *outbox.Actor, before, after *model.Employee) error {
	return s.outbox.EmployeeSaved(ctx, tx, actor, before, after)
}

// deleted records the delete sync message and event of an employee.
func (s *Service) deleted(ctx context.Context, tx bun.Tx, actor *outbox.Actor, e *model.Employee) error {
	return s.outbox.EmployeeDeleted(ctx, tx, actor, e)
}

// statusChanged records the sync message and the employee.approved or
// employee.rejected event of a decision.
func (s *Service) statusChanged(ctx context.Context, tx bun.Tx, actor *outbox.Actor, before, after *model.Employee) error {
	return s.outbox.EmployeeStatusChanged(ctx, tx, actor, before, after)
}

// email records an e-mail through the outbox.
func (s *Service) email(ctx context.Context, tx bun.Tx, template, to string, vars map[string]any) error {
	return s.outbox.Email(ctx, tx, outbox.Email{Template: template, To: to, Vars: vars})
}

// displayName is the full_name variable of the employee e-mails: the full
// name, or the username, or the e-mail local part.
func displayName(e *model.Employee) string {
	if name := e.FullName(); name != "" {
		return name
	}
	return e.TokenUsername()
}
