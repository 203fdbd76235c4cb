package useradmin

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/invitations"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// Service administers staff users.
type Service struct {
	cfg      *config.Config
	db       *storage.DB
	now      func() time.Time
	logger   *slog.Logger
	accounts *accounts.Service
	rbac     *rbac.Service
	invites  *invitations.Service
	tokens   *tokens.Service
	media    *media.Store
	outbox   *outbox.Outbox
}

// Deps are the dependencies of a Service. Outbox may be nil.
type Deps struct {
	Config      *config.Config
	DB          *storage.DB
	Now         func() time.Time
	Logger      *slog.Logger
	Accounts    *accounts.Service
	RBAC        *rbac.Service
	Invitations *invitations.Service
	Tokens      *tokens.Service
	Media       *media.Store
	Outbox      *outbox.Outbox
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	return &Service{cfg: d.Config, db: d.DB, now: d.Now, logger: d.Logger, accounts: d.Accounts, rbac: d.RBAC,
		invites: d.Invitations, tokens: d.Tokens, media: d.Media, outbox: d.Outbox}
}

// subjectTables hold rows keyed by (subject_type, subject_id) without a
// foreign key, which DeleteUser removes with the user.
var subjectTables = []string{"otp_codes", "totp_credentials", "recovery_codes", "login_challenges", "password_tokens"}

// DeleteUser deletes a staff user in tx: it records the deletion of each
// assignment and then of the user, revokes every refresh family, removes
// the user's codes and links, and writes the audit event. It returns the
// stored picture path, which the caller removes with RemovePicture once the
// transaction committed.
func (s *Service) DeleteUser(ctx context.Context, tx bun.Tx, actor *outbox.Actor, u *model.User) (picture string, err error) {
	if err := s.rbac.DeleteUserAssignments(ctx, tx, actor, u.ID); err != nil {
		return "", err
	}
	if err := s.outbox.UserDeleted(ctx, tx, actor, u); err != nil {
		return "", err
	}
	if _, err := s.tokens.RevokeSubject(ctx, tx, tokens.Staff, u.ID, tokens.ReasonDeleted, ""); err != nil {
		return "", err
	}
	for _, table := range subjectTables {
		if _, err := tx.NewDelete().Table(table).Where("subject_type = 'staff'").Where("subject_id = ?", u.ID).Exec(ctx); err != nil {
			return "", err
		}
	}
	if _, err := tx.NewDelete().Model((*model.User)(nil)).Where("id = ?", u.ID).Exec(ctx); err != nil {
		return "", err
	}
	if err := record(ctx, tx, s.now(), actor, "user.deleted", u.ID, map[string]any{"email": u.Email}); err != nil {
		return "", err
	}
	if u.ProfilePicture != nil {
		picture = *u.ProfilePicture
	}
	return picture, nil
}

// RemovePicture deletes a stored picture file; an empty path does nothing.
func (s *Service) RemovePicture(path string) {
	if path != "" {
		s.media.Delete(path)
	}
}

// SetActive activates or deactivates a staff user in tx. Deactivation
// revokes every refresh family and raises tokens_valid_after, so no token
// issued before keeps working inside authd.
func (s *Service) SetActive(ctx context.Context, tx bun.Tx, actor *outbox.Actor, u *model.User, active bool) (*model.User, error) {
	if u.IsActive == active {
		return u, nil
	}
	now := s.now()
	if _, err := tx.NewUpdate().Model((*model.User)(nil)).Set("is_active = ?", active).Set("updated_at = ?", now).Where("id = ?", u.ID).Exec(ctx); err != nil {
		return nil, err
	}
	if !active {
		if _, err := s.tokens.RevokeSubject(ctx, tx, tokens.Staff, u.ID, tokens.ReasonDeactivated, ""); err != nil {
			return nil, err
		}
		if err := accounts.RaiseTokenEpoch(ctx, tx, u.ID, now); err != nil {
			return nil, err
		}
	}
	after, err := accounts.UserByID(ctx, tx, u.ID)
	if err != nil {
		return nil, err
	}
	if err := s.outbox.UserSaved(ctx, tx, actor, u, after); err != nil {
		return nil, err
	}
	return after, record(ctx, tx, now, actor, "user.updated", u.ID, map[string]any{"changed": []string{"is_active"}})
}

// record writes an audit event about a staff user.
func record(ctx context.Context, tx bun.IDB, now time.Time, actor *outbox.Actor, name string, userID int64, details map[string]any) error {
	event := audit.Event{Name: name, Details: details}.Subject("staff", userID)
	if actor != nil {
		event = event.Actor(actor.Type, actor.ID)
	}
	return audit.Record(ctx, tx, now, event)
}
