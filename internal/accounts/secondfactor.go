package accounts

import (
	"context"
	"errors"
	"slices"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/tokens"
)

// Messages of the second factor on the /token/ routes.
const (
	MsgOTPRequiredEmail  = "OTP code is required for this account. An OTP has been sent to your email."
	MsgOTPRequiredApp    = "OTP code is required for this account. Enter the code from your authenticator app."
	MsgOTPRequiredNoCode = "OTP code is required for this account. " + MsgNoCodeSent
	MsgOTPExpired        = "Your previous OTP expired. A new OTP has been sent to your email."
	MsgOTPExpiredNoCode  = "Your previous OTP expired. " + MsgNoCodeSent
	MsgOTPInvalid        = "Invalid OTP code. Please check your code and try again."
)

// Messages of a login/api challenge.
const (
	MsgChallengeEmail  = "OTP verification required. Check your email for the code."
	MsgChallengeApp    = "OTP verification required. Enter the code from your authenticator app."
	MsgChallengeNoCode = "OTP verification required. " + MsgNoCodeSent
	// MsgNoCodeSent ends the messages of a sign-in whose e-mail code a
	// send limit held back while the account had no usable code. The limit
	// may be the resend cooldown or a mail limit, so it names neither.
	MsgNoCodeSent = "A new code could not be e-mailed right now. Please try again in a few minutes."
)

// ChallengeMessage returns the login/api message of a challenge. It tells
// the user to check the inbox only when the inbox holds a usable code.
func ChallengeMessage(c *Challenge) string {
	switch c.Delivery {
	case mfa.CodeSent, mfa.EarlierCodeValid:
		return MsgChallengeEmail
	case mfa.NoCodeAvailable:
		return MsgChallengeNoCode
	}
	return MsgChallengeApp
}

// StaffSubject returns the second-factor subject of a staff user.
func StaffSubject(u *model.User) mfa.Subject {
	return mfa.Subject{Type: tokens.Staff, ID: u.ID, Email: u.Email, Name: u.DisplayName()}
}

// mfaSecondFactor is the SecondFactor of staff sign-in, backed by the mfa
// package.
type mfaSecondFactor struct{ m *mfa.Service }

// NewSecondFactor returns the staff SecondFactor backed by m.
func NewSecondFactor(m *mfa.Service) SecondFactor { return mfaSecondFactor{m: m} }

func (f mfaSecondFactor) Methods(ctx context.Context, db bun.IDB, subjectType tokens.SubjectType, id int64) ([]string, error) {
	return f.m.Methods(ctx, db, subjectType, id)
}

func (f mfaSecondFactor) Begin(ctx context.Context, tx bun.Tx, u *model.User, methods []string, meta tokens.FamilyMeta) (*Challenge, error) {
	c, err := f.m.Begin(ctx, tx, StaffSubject(u), methods, meta.RememberMe, meta.IP)
	if err != nil {
		return nil, err
	}
	return &Challenge{Token: c.Token, Methods: c.Methods, Delivery: c.Delivery}, nil
}

// VerifyInline maps the mfa refusals to the messages of the /token/
// routes. Every refusal is a *SecondFactorError, so SignIn commits the
// counted failure or the sent code.
func (f mfaSecondFactor) VerifyInline(ctx context.Context, tx bun.Tx, u *model.User, methods []string, code string) error {
	_, err := f.m.VerifyInline(ctx, tx, StaffSubject(u), methods, code)
	var refusal *mfa.Refusal
	if !errors.As(err, &refusal) {
		return err
	}
	switch refusal.Kind {
	case mfa.CodeRequired:
		message := MsgOTPRequiredApp
		switch refusal.Delivery {
		case mfa.CodeSent, mfa.EarlierCodeValid:
			message = MsgOTPRequiredEmail
		case mfa.NoCodeAvailable:
			message = MsgOTPRequiredNoCode
		}
		return &SecondFactorError{Message: message, Required: true, Methods: slices.Clone(methods)}
	case mfa.CodeExpired:
		message := MsgOTPExpired
		if refusal.Delivery != mfa.CodeSent {
			message = MsgOTPExpiredNoCode
		}
		return &SecondFactorError{Message: message, Expired: true}
	case mfa.AccountLocked:
		return &SecondFactorError{Message: ErrLocked.Error()}
	}
	return &SecondFactorError{Message: MsgOTPInvalid}
}
