package mfa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/throttle"
	"github.com/mapactive/authd/internal/tokens"
)

// Second-factor methods as otp_methods lists them.
const (
	MethodTOTP     = "totp"
	MethodEmail    = "email"
	MethodRecovery = "recovery"
)

// Fixed rules of the second factors.
const (
	CodeLifetime       = 5 * time.Minute
	CodeAttempts       = 3
	ChallengeFailures  = 5
	TOTPSetupLifetime  = 10 * time.Minute
	RecoveryBatchSize  = 10
	challengeByEmailIn = 5 * time.Minute
)

// Subject is the account a second factor belongs to.
type Subject struct {
	Type  tokens.SubjectType
	ID    int64
	Email string
	Name  string // the name e-mails address the account by
}

func (s Subject) key() string { return string(s.Type) + ":" + strconv.FormatInt(s.ID, 10) }

// table returns the account table of a subject type.
func table(t tokens.SubjectType) (string, error) {
	switch t {
	case tokens.Staff:
		return "users", nil
	case tokens.Employee:
		return "employees", nil
	}
	return "", fmt.Errorf("mfa: unknown subject type %q", t)
}

// Errors of the management calls.
var (
	ErrNotEnabled  = errors.New("2FA is not enabled for this account")
	ErrCodeInvalid = errors.New("Invalid or expired OTP code")
	ErrNoSetup     = errors.New("No authenticator setup in progress.")
	ErrLocked      = errors.New("account is locked")
)

// Service implements the second factors.
type Service struct {
	db       *storage.DB
	now      func() time.Time
	logger   *slog.Logger
	keyring  *secrets.Keyring
	hasher   *passwords.Hasher
	signer   *tokens.Signer
	tokens   *tokens.Service
	outbox   *outbox.Outbox
	throttle *throttle.Service
	siteName string
	lockout  config.Lockout

	challengeLifetime time.Duration
}

// Deps are the dependencies of a Service.
type Deps struct {
	Config   *config.Config
	DB       *storage.DB
	Now      func() time.Time
	Logger   *slog.Logger
	Keyring  *secrets.Keyring
	Hasher   *passwords.Hasher
	Tokens   *tokens.Service
	Outbox   *outbox.Outbox
	Throttle *throttle.Service
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	return &Service{db: d.DB, now: d.Now, logger: d.Logger, keyring: d.Keyring, hasher: d.Hasher,
		signer: d.Tokens.Signer(), tokens: d.Tokens, outbox: d.Outbox, throttle: d.Throttle,
		siteName: d.Config.SiteName, lockout: d.Config.Lockout, challengeLifetime: d.Config.Tokens.OTPChallengeLifetime}
}

// Factors describes the second factors of an account.
type Factors struct {
	Email             bool // e-mail codes on (the account's otp_enabled column)
	TOTP              bool // a confirmed authenticator app
	RecoveryRemaining int  // unused recovery codes
}

// Enabled reports whether any second factor is on.
func (f Factors) Enabled() bool { return f.Email || f.TOTP }

// Methods lists the methods a sign-in accepts, default method first:
// totp, recovery, then email when the app is confirmed; else email, then
// recovery when codes remain. It is empty when no factor is on.
func (f Factors) Methods() []string {
	switch {
	case f.TOTP:
		methods := []string{MethodTOTP, MethodRecovery}
		if f.Email {
			methods = append(methods, MethodEmail)
		}
		return methods
	case f.Email:
		methods := []string{MethodEmail}
		if f.RecoveryRemaining > 0 {
			methods = append(methods, MethodRecovery)
		}
		return methods
	}
	return nil
}

// Status reads the factors of an account.
func (s *Service) Status(ctx context.Context, db bun.IDB, t tokens.SubjectType, id int64) (Factors, error) {
	name, err := table(t)
	if err != nil {
		return Factors{}, err
	}
	var f Factors
	if err := db.NewSelect().Table(name).Column("otp_enabled").Where("id = ?", id).Scan(ctx, &f.Email); err != nil {
		return Factors{}, err
	}
	if f.TOTP, err = db.NewSelect().Table("totp_credentials").
		Where("subject_type = ?", t).Where("subject_id = ?", id).Where("confirmed_at IS NOT NULL").Exists(ctx); err != nil {
		return Factors{}, err
	}
	remaining, err := db.NewSelect().Table("recovery_codes").
		Where("subject_type = ?", t).Where("subject_id = ?", id).Where("used_at IS NULL").Count(ctx)
	if err != nil {
		return Factors{}, err
	}
	f.RecoveryRemaining = int(remaining)
	return f, nil
}

// Methods returns the sign-in methods of an account, empty when no second
// factor is on.
func (s *Service) Methods(ctx context.Context, db bun.IDB, t tokens.SubjectType, id int64) ([]string, error) {
	f, err := s.Status(ctx, db, t, id)
	if err != nil {
		return nil, err
	}
	return f.Methods(), nil
}
