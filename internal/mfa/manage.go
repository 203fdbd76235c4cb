package mfa

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/tokens"
)

// inTx runs fn in a transaction and returns its result, committing a
// wrong-code outcome (ErrCodeInvalid, ErrLocked) so the counted failure
// sticks.
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx, now time.Time) error) error {
	var refusal error
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := fn(ctx, tx, s.now().UTC())
		if errors.Is(err, ErrCodeInvalid) || errors.Is(err, ErrLocked) {
			refusal = err
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return refusal
}

func record(ctx context.Context, tx bun.IDB, now time.Time, name string, subject Subject, details map[string]any) error {
	return audit.Record(ctx, tx, now, audit.Event{Name: name, Details: details}.Actor(string(subject.Type), subject.ID).Subject(string(subject.Type), subject.ID))
}

// notifyEmployee sends an employee the "two-factor authentication enabled"
// or "disabled" e-mail, which HDTS sends for every factor change. Staff
// accounts get no such e-mail.
func (s *Service) notifyEmployee(ctx context.Context, tx bun.Tx, subject Subject, enabled bool) error {
	if subject.Type != tokens.Employee {
		return nil
	}
	template := "hdts_2fa_disabled"
	if enabled {
		template = "hdts_2fa_enabled"
	}
	return s.outbox.Email(ctx, tx, outbox.Email{Template: template, To: subject.Email, Vars: map[string]any{"full_name": subject.Name}})
}

// setEmailOTP writes the account's otp_enabled column.
func setEmailOTP(ctx context.Context, tx bun.IDB, subject Subject, on bool, now time.Time) error {
	name, err := table(subject.Type)
	if err != nil {
		return err
	}
	_, err = tx.NewUpdate().Table(name).Set("otp_enabled = ?", on).Set("updated_at = ?", now).Where("id = ?", subject.ID).Exec(ctx)
	return err
}

// EnableEmail turns e-mail codes on. A non-empty code must be a valid
// e-mail code of the account (ErrCodeInvalid otherwise).
func (s *Service) EnableEmail(ctx context.Context, subject Subject, code string) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx, now time.Time) error {
		if code != "" {
			if _, err := s.verifyFactor(ctx, tx, subject, []string{MethodEmail}, code, now); err != nil {
				return err
			}
		}
		if err := setEmailOTP(ctx, tx, subject, true, now); err != nil {
			return err
		}
		if err := s.notifyEmployee(ctx, tx, subject, true); err != nil {
			return err
		}
		return record(ctx, tx, now, "2fa.enabled", subject, map[string]any{"method": MethodEmail})
	})
}

// VerifyCode checks any enabled factor (e-mail code, app code or recovery
// code) and consumes it. ErrNotEnabled when no factor is on.
func (s *Service) VerifyCode(ctx context.Context, subject Subject, code string) (string, error) {
	var method string
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx, now time.Time) error {
		methods, err := s.anyFactorMethods(ctx, tx, subject)
		if err != nil {
			return err
		}
		method, err = s.verifyFactor(ctx, tx, subject, methods, code, now)
		return err
	})
	return method, err
}

// anyFactorMethods lists every method a management action accepts: the
// enabled factors and remaining recovery codes. E-mail codes count only
// while e-mail codes are on, so that access to the mailbox and the password
// never remove an authenticator app.
func (s *Service) anyFactorMethods(ctx context.Context, db bun.IDB, subject Subject) ([]string, error) {
	f, err := s.Status(ctx, db, subject.Type, subject.ID)
	if err != nil {
		return nil, err
	}
	if !f.Enabled() {
		return nil, ErrNotEnabled
	}
	var methods []string
	if f.Email {
		methods = append(methods, MethodEmail)
	}
	if f.TOTP {
		methods = append(methods, MethodTOTP)
	}
	if f.RecoveryRemaining > 0 {
		methods = append(methods, MethodRecovery)
	}
	return methods, nil
}

// Disable checks a code and turns every factor off: e-mail codes, the app
// and recovery codes. Unused codes are voided and every refresh family
// except keepFamily is revoked.
func (s *Service) Disable(ctx context.Context, subject Subject, code, keepFamily string) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx, now time.Time) error {
		methods, err := s.anyFactorMethods(ctx, tx, subject)
		if err != nil {
			return err
		}
		if _, err := s.verifyFactor(ctx, tx, subject, methods, code, now); err != nil {
			return err
		}
		return s.DisableAll(ctx, tx, subject, keepFamily)
	})
}

// DisableAll turns every factor off in tx without checking a code, for a
// caller that has verified one already (the staff profile's window after
// verify-disable-otp).
func (s *Service) DisableAll(ctx context.Context, tx bun.Tx, subject Subject, keepFamily string) error {
	now := s.now().UTC()
	if err := setEmailOTP(ctx, tx, subject, false, now); err != nil {
		return err
	}
	if _, err := tx.NewDelete().Model((*totpRow)(nil)).Where("subject_type = ?", subject.Type).Where("subject_id = ?", subject.ID).Exec(ctx); err != nil {
		return err
	}
	if err := s.deleteRecoveryCodes(ctx, tx, subject); err != nil {
		return err
	}
	if err := s.voidCodes(ctx, tx, subject.Type, subject.ID, now); err != nil {
		return err
	}
	if err := s.revokeOthers(ctx, tx, subject, keepFamily, now); err != nil {
		return err
	}
	if err := s.notifyEmployee(ctx, tx, subject, false); err != nil {
		return err
	}
	return record(ctx, tx, now, "2fa.disabled", subject, nil)
}

// revokeOthers revokes every family of the subject except keepFamily, as a
// change of second factors requires.
func (s *Service) revokeOthers(ctx context.Context, tx bun.IDB, subject Subject, keepFamily string, now time.Time) error {
	n, err := s.tokens.RevokeSubject(ctx, tx, subject.Type, subject.ID, tokens.ReasonFactorChanged, keepFamily)
	if err != nil || n == 0 {
		return err
	}
	return record(ctx, tx, now, "family.revoked", subject, map[string]any{"reason": tokens.ReasonFactorChanged, "families": n})
}

// ConfirmTOTP confirms the pending authenticator app with a code from it.
// It returns a new batch of recovery codes when the account had none left
// (nil otherwise). Errors: ErrNoSetup, ErrCodeInvalid.
func (s *Service) ConfirmTOTP(ctx context.Context, subject Subject, code string) ([]string, error) {
	before, err := s.Status(ctx, s.db, subject.Type, subject.ID)
	if err != nil {
		return nil, err
	}
	var plain, hashes []string
	if before.RecoveryRemaining == 0 {
		if plain, hashes, err = s.hashRecoveryBatch(ctx); err != nil {
			return nil, err
		}
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx, now time.Time) error {
		if err := s.confirmPending(ctx, tx, subject, normalizeCode(code), now); err != nil {
			if errors.Is(err, ErrCodeInvalid) {
				if _, ferr := s.recordFailure(ctx, tx, subject, MethodTOTP, now); ferr != nil {
					return ferr
				}
			}
			return err
		}
		if err := record(ctx, tx, now, "totp.enrolled", subject, nil); err != nil {
			return err
		}
		if err := s.notifyEmployee(ctx, tx, subject, true); err != nil {
			return err
		}
		if hashes == nil {
			return nil
		}
		if err := s.storeRecoveryBatch(ctx, tx, subject, hashes, now); err != nil {
			return err
		}
		return record(ctx, tx, now, "recovery_codes.generated", subject, map[string]any{"count": len(hashes)})
	})
	if err != nil {
		return nil, err
	}
	return plain, nil
}

// RemoveTOTP checks a code and removes the authenticator app. When no
// factor is left, recovery codes go too. Every family except keepFamily is
// revoked.
func (s *Service) RemoveTOTP(ctx context.Context, subject Subject, code, keepFamily string) error {
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx, now time.Time) error {
		methods, err := s.anyFactorMethods(ctx, tx, subject)
		if err != nil {
			return err
		}
		f, err := s.Status(ctx, tx, subject.Type, subject.ID)
		if err != nil {
			return err
		}
		if !f.TOTP {
			return ErrNotEnabled
		}
		if _, err := s.verifyFactor(ctx, tx, subject, methods, code, now); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*totpRow)(nil)).Where("subject_type = ?", subject.Type).Where("subject_id = ?", subject.ID).Exec(ctx); err != nil {
			return err
		}
		if !f.Email {
			if err := s.deleteRecoveryCodes(ctx, tx, subject); err != nil {
				return err
			}
		}
		if err := s.revokeOthers(ctx, tx, subject, keepFamily, now); err != nil {
			return err
		}
		if err := s.notifyEmployee(ctx, tx, subject, false); err != nil {
			return err
		}
		return record(ctx, tx, now, "totp.removed", subject, nil)
	})
}

// RegenerateRecoveryCodes replaces the recovery codes with a new batch and
// returns it. Every family except keepFamily is revoked. ErrNotEnabled when
// no factor is on.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, subject Subject, keepFamily string) ([]string, error) {
	f, err := s.Status(ctx, s.db, subject.Type, subject.ID)
	if err != nil {
		return nil, err
	}
	if !f.Enabled() {
		return nil, ErrNotEnabled
	}
	plain, hashes, err := s.hashRecoveryBatch(ctx)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx, now time.Time) error {
		if err := s.storeRecoveryBatch(ctx, tx, subject, hashes, now); err != nil {
			return err
		}
		if err := s.revokeOthers(ctx, tx, subject, keepFamily, now); err != nil {
			return err
		}
		return record(ctx, tx, now, "recovery_codes.generated", subject, map[string]any{"count": len(hashes)})
	})
	if err != nil {
		return nil, err
	}
	return plain, nil
}
