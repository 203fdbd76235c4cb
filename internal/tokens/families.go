package tokens

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/secrets"
)

// Revocation reasons stored on a family.
const (
	ReasonLogout          = "logout"
	ReasonReuseDetected   = "reuse_detected"
	ReasonPasswordChanged = "password_changed"
	ReasonDeactivated     = "deactivated"
	ReasonLocked          = "locked"
	ReasonDeleted         = "deleted"
	ReasonRejected        = "rejected"
	ReasonFactorChanged   = "factor_changed"
	ReasonLegacyAdopted   = "legacy_adopted"
)

// family is a row of refresh_families: the chain of refresh tokens that
// descend from one sign-in.
type family struct {
	bun.BaseModel `bun:"table:refresh_families"`

	ID                string      `bun:"id,pk"`
	SubjectType       SubjectType `bun:"subject_type"`
	SubjectID         int64       `bun:"subject_id"`
	CreatedAt         time.Time   `bun:"created_at"`
	AbsoluteExpiresAt time.Time   `bun:"absolute_expires_at"`
	LastUsedAt        *time.Time  `bun:"last_used_at"`
	RememberMe        bool        `bun:"remember_me"`
	IP                *string     `bun:"ip"`
	UserAgent         *string     `bun:"user_agent"`
	RevokedAt         *time.Time  `bun:"revoked_at"`
	RevokeReason      *string     `bun:"revoke_reason"`
}

// refreshToken is a row of refresh_tokens. The token itself is never stored.
type refreshToken struct {
	bun.BaseModel `bun:"table:refresh_tokens"`

	JTI             string     `bun:"jti,pk"`
	FamilyID        string     `bun:"family_id"`
	ParentJTI       *string    `bun:"parent_jti"`
	AccessJTI       string     `bun:"access_jti"`
	IssuedAt        time.Time  `bun:"issued_at"`
	ExpiresAt       time.Time  `bun:"expires_at"`
	UsedAt          *time.Time `bun:"used_at"`
	SuccessorJTI    *string    `bun:"successor_jti"`
	GraceCiphertext []byte     `bun:"grace_ciphertext"`
	GraceExpiresAt  *time.Time `bun:"grace_expires_at"`
}

// Session describes one refresh family, as listed to its owner.
type Session struct {
	ID         string     `json:"id"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	IP         *string    `json:"ip"`
	UserAgent  *string    `json:"user_agent"`
	RememberMe bool       `json:"remember_me"`
}

// FamilyMeta holds the details a sign-in records on its new family.
type FamilyMeta struct {
	RememberMe bool
	IP         string
	UserAgent  string
}

// Pair is an access token and a refresh token issued together.
type Pair struct {
	Access           string      `json:"access"`
	Refresh          string      `json:"refresh"`
	AccessJTI        string      `json:"access_jti"`
	RefreshJTI       string      `json:"refresh_jti"`
	AccessExpiresAt  time.Time   `json:"access_expires_at"`
	RefreshExpiresAt time.Time   `json:"refresh_expires_at"`
	FamilyID         string      `json:"family_id"`
	RememberMe       bool        `json:"remember_me"`
	SubjectType      SubjectType `json:"subject_type"`
	SubjectID        int64       `json:"subject_id"`
}

// Lifetimes are the token lifetimes of the configuration.
type Lifetimes struct {
	Access   time.Duration
	Refresh  time.Duration
	Absolute time.Duration
	Grace    time.Duration
}

// Service issues pairs, rotates refresh tokens and revokes families.
type Service struct {
	signer      *Signer
	life        Lifetimes
	now         func() time.Time
	installedAt time.Time
}

// NewService returns a token service. installedAt is the instant of the first
// start, before which unknown refresh tokens may come from the Django service.
func NewService(signer *Signer, life Lifetimes, installedAt time.Time, now func() time.Time) *Service {
	return &Service{signer: signer, life: life, now: now, installedAt: installedAt}
}

// Signer returns the signer the service issues tokens with.
func (s *Service) Signer() *Signer { return s.signer }

// Lifetimes returns the configured lifetimes.
func (s *Service) Lifetimes() Lifetimes { return s.life }

// StartFamily creates a family for a new sign-in and issues its first pair,
// in the caller's transaction.
func (s *Service) StartFamily(ctx context.Context, tx bun.IDB, subject *Subject, meta FamilyMeta) (*Pair, error) {
	now := s.now().UTC()
	f := &family{
		ID:                newFamilyID(),
		SubjectType:       subject.Type,
		SubjectID:         subject.ID,
		CreatedAt:         now,
		AbsoluteExpiresAt: now.Add(s.life.Absolute),
		RememberMe:        meta.RememberMe,
		IP:                nonEmpty(meta.IP, 45),
		UserAgent:         nonEmpty(meta.UserAgent, 256),
	}
	if _, err := tx.NewInsert().Model(f).Exec(ctx); err != nil {
		return nil, err
	}
	return s.issue(ctx, tx, f, subject, nil)
}

// issue signs a new pair in family f and stores its refresh token row.
func (s *Service) issue(ctx context.Context, tx bun.IDB, f *family, subject *Subject, parent *string) (*Pair, error) {
	iat := s.now().UTC().Truncate(time.Second)
	accessExp := minTime(iat.Add(s.life.Access), f.AbsoluteExpiresAt)
	refreshExp := minTime(iat.Add(s.life.Refresh), f.AbsoluteExpiresAt)
	accessJTI, refreshJTI := secrets.HexID(), secrets.HexID()
	access, err := s.signer.Sign(claimMap(subject, TypeAccess, accessJTI, iat, accessExp))
	if err != nil {
		return nil, err
	}
	refresh, err := s.signer.Sign(claimMap(subject, TypeRefresh, refreshJTI, iat, refreshExp))
	if err != nil {
		return nil, err
	}
	row := &refreshToken{
		JTI: refreshJTI, FamilyID: f.ID, ParentJTI: parent, AccessJTI: accessJTI,
		IssuedAt: iat, ExpiresAt: refreshExp,
	}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, err
	}
	return &Pair{
		Access: access, Refresh: refresh, AccessJTI: accessJTI, RefreshJTI: refreshJTI,
		AccessExpiresAt: accessExp, RefreshExpiresAt: refreshExp,
		FamilyID: f.ID, RememberMe: f.RememberMe, SubjectType: subject.Type, SubjectID: subject.ID,
	}, nil
}

// RevokeFamily revokes one family unless it is revoked already.
func (s *Service) RevokeFamily(ctx context.Context, db bun.IDB, familyID, reason string) error {
	_, err := db.NewUpdate().Model((*family)(nil)).
		Set("revoked_at = ?", s.now().UTC()).Set("revoke_reason = ?", reason).
		Where("id = ?", familyID).Where("revoked_at IS NULL").
		Exec(ctx)
	return err
}

// RevokeSubject revokes every live family of a subject except keepFamily
// (empty for none) and returns how many it revoked. The caller also raises
// the subject's tokens_valid_after where the event requires it.
func (s *Service) RevokeSubject(ctx context.Context, db bun.IDB, subjectType SubjectType, subjectID int64, reason, keepFamily string) (int64, error) {
	q := db.NewUpdate().Model((*family)(nil)).
		Set("revoked_at = ?", s.now().UTC()).Set("revoke_reason = ?", reason).
		Where("subject_type = ?", subjectType).Where("subject_id = ?", subjectID).Where("revoked_at IS NULL")
	if keepFamily != "" {
		q = q.Where("id <> ?", keepFamily)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// FamilyOfRefresh returns the family id of a refresh token's jti.
func (s *Service) FamilyOfRefresh(ctx context.Context, db bun.IDB, jti string) (string, error) {
	var familyID string
	err := db.NewSelect().Model((*refreshToken)(nil)).Column("family_id").Where("jti = ?", jti).Scan(ctx, &familyID)
	return familyID, err
}

// FamilyOfAccess returns the family id of the pair an access token's jti was
// issued in.
func (s *Service) FamilyOfAccess(ctx context.Context, db bun.IDB, accessJTI string) (string, error) {
	var familyID string
	err := db.NewSelect().Model((*refreshToken)(nil)).Column("family_id").Where("access_jti = ?", accessJTI).Limit(1).Scan(ctx, &familyID)
	return familyID, err
}

// Sessions lists the live families of a subject, newest first.
func (s *Service) Sessions(ctx context.Context, db bun.IDB, subjectType SubjectType, subjectID int64) ([]Session, error) {
	var rows []family
	err := db.NewSelect().Model(&rows).
		Where("subject_type = ?", subjectType).Where("subject_id = ?", subjectID).
		Where("revoked_at IS NULL").Where("absolute_expires_at > ?", s.now().UTC()).
		Order("created_at DESC").Scan(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Session, 0, len(rows))
	for _, f := range rows {
		out = append(out, Session{ID: f.ID, CreatedAt: f.CreatedAt, LastUsedAt: f.LastUsedAt, ExpiresAt: f.AbsoluteExpiresAt, IP: f.IP, UserAgent: f.UserAgent, RememberMe: f.RememberMe})
	}
	return out, nil
}

// PurgeExpired deletes grace-window ciphertexts whose window has ended and
// families that ended more than a week ago, and returns the rows touched.
func (s *Service) PurgeExpired(ctx context.Context, db bun.IDB) (int64, error) {
	now := s.now().UTC()
	res, err := db.NewUpdate().Model((*refreshToken)(nil)).
		Set("grace_ciphertext = NULL").Set("grace_expires_at = NULL").
		Where("grace_expires_at IS NOT NULL").Where("grace_expires_at < ?", now).Exec(ctx)
	if err != nil {
		return 0, err
	}
	cleared, _ := res.RowsAffected()
	// Revoked and expired families alike are kept until a week after their
	// absolute expiry, so reuse of their tokens is still recognised.
	res, err = db.NewDelete().Model((*family)(nil)).
		Where("absolute_expires_at < ?", now.Add(-7*24*time.Hour)).
		Exec(ctx)
	if err != nil {
		return cleared, err
	}
	deleted, _ := res.RowsAffected()
	return cleared + deleted, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func nonEmpty(s string, max int) *string {
	if s == "" {
		return nil
	}
	if len(s) > max {
		s = s[:max]
	}
	return &s
}

func newFamilyID() string { return uuid.NewString() }
