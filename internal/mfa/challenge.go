package mfa

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/tokens"
)

// challengeRow is a row of login_challenges.
type challengeRow struct {
	bun.BaseModel `bun:"table:login_challenges"`

	ID          string             `bun:"id,pk"`
	SubjectType tokens.SubjectType `bun:"subject_type"`
	SubjectID   int64              `bun:"subject_id"`
	Methods     string             `bun:"methods"`
	RememberMe  bool               `bun:"remember_me"`
	IP          *string            `bun:"ip"`
	CreatedAt   time.Time          `bun:"created_at"`
	ExpiresAt   time.Time          `bun:"expires_at"`
	ConsumedAt  *time.Time         `bun:"consumed_at"`
	Failures    int                `bun:"failures"`
}

// Challenge is a new sign-in challenge.
type Challenge struct {
	ID       string
	Token    string // the temporary_token
	Methods  []string
	Delivery CodeDelivery // outcome of the e-mail code send
}

// Begin stores a challenge for a sign-in whose password was right and
// signs its token. When e-mail is the default method (no authenticator
// app) it sends a code. The resend cooldown or an e-mail limit can hold the
// code back, and Delivery then reports whether an earlier code still works.
func (s *Service) Begin(ctx context.Context, tx bun.Tx, subject Subject, methods []string, rememberMe bool, ip string) (*Challenge, error) {
	now := s.now().UTC()
	iat := now.Truncate(time.Second)
	row := &challengeRow{ID: secrets.HexID(), SubjectType: subject.Type, SubjectID: subject.ID, Methods: strings.Join(methods, ","),
		RememberMe: rememberMe, CreatedAt: now, ExpiresAt: iat.Add(s.challengeLifetime)}
	if ip != "" {
		row.IP = &ip
	}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, err
	}
	token, err := s.signer.SignChallenge(subject.Type, subject.ID, row.ID, methods, iat, row.ExpiresAt)
	if err != nil {
		return nil, err
	}
	challenge := &Challenge{ID: row.ID, Token: token, Methods: methods}
	if len(methods) > 0 && methods[0] == MethodEmail {
		sent, err := s.SendCode(ctx, tx, subject, PurposeLogin, row.ID, true)
		if err != nil {
			return nil, err
		}
		challenge.Delivery = sent.Delivery()
	}
	return challenge, nil
}

// Refusal is a second-factor outcome that the caller reports after
// committing its transaction, because the failure it counted (or the code
// it sent) must stick.
type Refusal struct {
	Kind RefusalKind
	// Delivery is the outcome of the e-mail code send, set with
	// CodeRequired and CodeExpired.
	Delivery CodeDelivery
	Methods  []string
}

// RefusalKind is the reason a second factor was not accepted.
type RefusalKind int

// Refusal kinds.
const (
	ChallengeInvalid RefusalKind = iota + 1 // unknown, expired, consumed or void challenge
	CodeInvalid                             // wrong code
	CodeRequired                            // VerifyInline without a code
	CodeExpired                             // VerifyInline: the e-mail code expired; Delivery reports whether a new one was sent
	AccountLocked                           // the account is locked
)

func (r *Refusal) Error() string {
	switch r.Kind {
	case ChallengeInvalid:
		return "Invalid or expired token."
	case CodeRequired:
		return "OTP code is required for this account."
	case CodeExpired:
		return "Your previous OTP expired."
	case AccountLocked:
		return "account is locked"
	}
	return "Invalid OTP code."
}

// Errors of ParseChallenge.
var (
	ErrWrongTokenType = errors.New("Invalid token type.")
	ErrChallenge      = errors.New("Invalid or expired token.")
)

// ChallengeRef identifies a pending challenge and its account.
type ChallengeRef struct {
	ID          string
	SubjectType tokens.SubjectType
	SubjectID   int64
	Methods     []string // the methods the challenge accepts, default first
}

// ParseChallenge verifies a temporary_token. An access or refresh token
// gives ErrWrongTokenType; anything else that is not a valid challenge
// token gives ErrChallenge.
func (s *Service) ParseChallenge(raw string) (*ChallengeRef, error) {
	claims, err := s.signer.ParseChallenge(raw)
	if errors.Is(err, tokens.ErrWrongType) {
		return nil, ErrWrongTokenType
	}
	if err != nil {
		return nil, ErrChallenge
	}
	kind, idText, ok := strings.Cut(claims.ChallengeSubject, ":")
	id, convErr := strconv.ParseInt(idText, 10, 64)
	if !ok || convErr != nil || tokens.SubjectType(kind) != claims.UserType {
		return nil, ErrChallenge
	}
	return &ChallengeRef{ID: claims.JTI, SubjectType: claims.UserType, SubjectID: id, Methods: claims.OTPMethods}, nil
}

// LatestChallenge returns the account's newest challenge that is
// unconsumed, unexpired and created in the last 5 minutes, for verify-otp
// requests that send the e-mail address instead of the token.
func (s *Service) LatestChallenge(ctx context.Context, db bun.IDB, t tokens.SubjectType, id int64) (*ChallengeRef, error) {
	now := s.now().UTC()
	row := &challengeRow{}
	err := db.NewSelect().Model(row).Where("subject_type = ?", t).Where("subject_id = ?", id).
		Where("consumed_at IS NULL").Where("expires_at > ?", now).Where("created_at > ?", now.Add(-challengeByEmailIn)).
		Where("failures < ?", ChallengeFailures).OrderExpr("created_at DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrChallenge
	}
	if err != nil {
		return nil, err
	}
	return &ChallengeRef{ID: row.ID, SubjectType: t, SubjectID: id, Methods: splitMethods(row.Methods)}, nil
}

// PendingMethods returns the methods of a challenge that can still be
// completed: unconsumed, unexpired and with fewer than 5 wrong codes. It
// returns ErrChallenge for any other challenge, so a resend never sends a
// code that no challenge can accept.
func (s *Service) PendingMethods(ctx context.Context, db bun.IDB, ref *ChallengeRef) ([]string, error) {
	row := &challengeRow{}
	err := db.NewSelect().Model(row).Where("id = ?", ref.ID).
		Where("subject_type = ?", ref.SubjectType).Where("subject_id = ?", ref.SubjectID).
		Where("consumed_at IS NULL").Where("expires_at > ?", s.now().UTC()).
		Where("failures < ?", ChallengeFailures).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrChallenge
	}
	if err != nil {
		return nil, err
	}
	return splitMethods(row.Methods), nil
}

// splitMethods reads the comma-separated methods column of a challenge.
func splitMethods(column string) []string {
	if column == "" {
		return nil
	}
	return strings.Split(column, ",")
}

// ChallengeResult is a consumed challenge.
type ChallengeResult struct {
	Method     string
	RememberMe bool // the choice made at the password step
}

// VerifyChallenge checks a code for a challenge of subject and consumes
// the challenge when it is right. A *Refusal means: commit tx, then report
// it. A wrong code counts against the challenge (void after 5) and the
// account's second-factor counter.
func (s *Service) VerifyChallenge(ctx context.Context, tx bun.Tx, subject Subject, challengeID, code string) (*ChallengeResult, error) {
	now := s.now().UTC()
	row := &challengeRow{}
	err := tx.NewSelect().Model(row).Where("id = ?", challengeID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &Refusal{Kind: ChallengeInvalid}
	}
	if err != nil {
		return nil, err
	}
	if row.SubjectType != subject.Type || row.SubjectID != subject.ID || row.ConsumedAt != nil ||
		!now.Before(row.ExpiresAt) || row.Failures >= ChallengeFailures {
		return nil, &Refusal{Kind: ChallengeInvalid}
	}
	methods := splitMethods(row.Methods)
	method, err := s.verifyFactor(ctx, tx, subject, methods, code, now)
	switch {
	case errors.Is(err, ErrLocked):
		return nil, &Refusal{Kind: AccountLocked}
	case errors.Is(err, ErrCodeInvalid):
		var failures int
		err := tx.NewUpdate().Model((*challengeRow)(nil)).Set("failures = failures + 1").
			Where("id = ?", row.ID).Returning("failures").Scan(ctx, &failures)
		if err != nil {
			return nil, err
		}
		if failures >= ChallengeFailures {
			return nil, &Refusal{Kind: ChallengeInvalid}
		}
		return nil, &Refusal{Kind: CodeInvalid}
	case err != nil:
		return nil, err
	}
	res, err := tx.NewUpdate().Model((*challengeRow)(nil)).Set("consumed_at = ?", now).
		Where("id = ?", row.ID).Where("consumed_at IS NULL").Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, &Refusal{Kind: ChallengeInvalid}
	}
	return &ChallengeResult{Method: method, RememberMe: row.RememberMe}, nil
}

// VerifyInline checks a code given together with the password (the
// /token/ routes). Without a code it sends an e-mail code when e-mail is
// the default method and refuses with CodeRequired. When the newest e-mail
// code has expired and the input is no valid factor, a new code is sent
// and the refusal is CodeExpired. A *Refusal means: commit tx, then report.
func (s *Service) VerifyInline(ctx context.Context, tx bun.Tx, subject Subject, methods []string, code string) (string, error) {
	now := s.now().UTC()
	emailDefault := len(methods) > 0 && methods[0] == MethodEmail
	if strings.TrimSpace(code) == "" {
		refusal := &Refusal{Kind: CodeRequired, Methods: methods}
		if emailDefault {
			sent, err := s.SendCode(ctx, tx, subject, PurposeLogin, "", true)
			if err != nil {
				return "", err
			}
			refusal.Delivery = sent.Delivery()
		}
		return "", refusal
	}
	if emailDefault {
		expired, err := s.codeExpired(ctx, tx, subject, now)
		if err != nil {
			return "", err
		}
		if expired {
			if method, err := s.matchFactor(ctx, tx, subject, methods, code, now); err != nil || method != "" {
				if err != nil {
					return "", err
				}
				return method, s.resetFailures(ctx, tx, subject)
			}
			sent, err := s.SendCode(ctx, tx, subject, PurposeLogin, "", true)
			if err != nil {
				return "", err
			}
			return "", &Refusal{Kind: CodeExpired, Delivery: sent.Delivery()}
		}
	}
	method, err := s.verifyFactor(ctx, tx, subject, methods, code, now)
	switch {
	case errors.Is(err, ErrLocked):
		return "", &Refusal{Kind: AccountLocked}
	case errors.Is(err, ErrCodeInvalid):
		return "", &Refusal{Kind: CodeInvalid}
	}
	return method, err
}
