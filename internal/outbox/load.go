package outbox

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/mapactive/authd/internal/model"
)

// loadUserAssignments reads the assignments of u with their systems and
// roles, ordered by id.
func loadUserAssignments(ctx context.Context, tx bun.Tx, u *model.User) ([]assignmentView, error) {
	var rows []model.Assignment
	err := tx.NewSelect().Model(&rows).Relation("System").Relation("Role").
		Where(`"assignment".user_id = ?`, u.ID).OrderExpr(`"assignment".id ASC`).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox: read the assignments of user %d: %w", u.ID, err)
	}
	views := make([]assignmentView, 0, len(rows))
	for i := range rows {
		views = append(views, assignmentView{assignment: &rows[i], user: u, system: rows[i].System, role: rows[i].Role})
	}
	return views, nil
}

// loadUser reads user id. On PostgreSQL it locks the row until tx ends, so
// an assignment change waits for a concurrent change of its user. The
// later of the two transactions then builds its payloads from the other's
// committed state, and its messages come later in the user's order.
func loadUser(ctx context.Context, tx bun.Tx, id int64) (*model.User, error) {
	u := new(model.User)
	query := tx.NewSelect().Model(u).Where("id = ?", id)
	if tx.Dialect().Name() == dialect.PG {
		query = query.For("UPDATE")
	}
	if err := query.Scan(ctx); err != nil {
		return nil, fmt.Errorf("outbox: read user %d: %w", id, err)
	}
	return u, nil
}

// systemOf returns the system of an assignment or role: the loaded
// relation when it matches id, else the row read in tx.
func systemOf(ctx context.Context, tx bun.Tx, loaded *model.System, id int64) (*model.System, error) {
	if loaded != nil && loaded.ID == id {
		return loaded, nil
	}
	s := new(model.System)
	if err := tx.NewSelect().Model(s).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("outbox: read system %d: %w", id, err)
	}
	return s, nil
}

// roleOf returns the role of an assignment: the loaded relation when it
// matches id, else the row read in tx.
func roleOf(ctx context.Context, tx bun.Tx, loaded *model.Role, id int64) (*model.Role, error) {
	if loaded != nil && loaded.ID == id {
		return loaded, nil
	}
	r := new(model.Role)
	if err := tx.NewSelect().Model(r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("outbox: read role %d: %w", id, err)
	}
	return r, nil
}

// viewOf completes the relations of a. user is the assignment's user when
// the caller has it; otherwise it is the loaded relation or, failing
// that, the row read in tx.
func viewOf(ctx context.Context, tx bun.Tx, a *model.Assignment, user *model.User) (assignmentView, error) {
	var err error
	if user == nil || user.ID != a.UserID {
		user = a.User
		if user == nil || user.ID != a.UserID {
			if user, err = loadUser(ctx, tx, a.UserID); err != nil {
				return assignmentView{}, err
			}
		}
	}
	system, err := systemOf(ctx, tx, a.System, a.SystemID)
	if err != nil {
		return assignmentView{}, err
	}
	role, err := roleOf(ctx, tx, a.Role, a.RoleID)
	if err != nil {
		return assignmentView{}, err
	}
	return assignmentView{assignment: a, user: user, system: system, role: role}, nil
}
