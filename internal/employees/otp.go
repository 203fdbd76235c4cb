package employees

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/mailrequest"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// Messages of the employee sign-in code routes.
const (
	msgOTPFormat     = "OTP must be a 6-digit number."
	msgNoChallenge   = "Invalid email or OTP"
	msgWrongOTP      = "Invalid or expired OTP"
	msgOTPRequested  = "OTP sent to your email"
	msgSecondLocked  = "Account is temporarily locked. Please try again later."
	otpCodeMaxLength = 64
)

// challengeMessage returns the login message of a challenge. It reports a
// sent code only when the inbox holds a usable one.
func challengeMessage(c *mfa.Challenge) string {
	switch c.Delivery {
	case mfa.CodeSent, mfa.EarlierCodeValid:
		return msgOTPSent
	case mfa.NoCodeAvailable:
		return accounts.MsgNoCodeSent
	}
	return msgOTPApp
}

var (
	sixDigits    = regexp.MustCompile(`^\d{6}$`)
	recoveryLike = regexp.MustCompile(`^[0-9A-Za-z]{5}-?[0-9A-Za-z]{5}$`)
)

// VerifyOTP serves POST /api/v1/hdts/employees/api/2fa/verify-otp/: the
// second step of a sign-in, for the challenge named by temporary_token or,
// failing that, the newest challenge of the e-mail address. A blocked
// address gets the login route's 429 before the challenge is looked up, and
// every rejected attempt counts against the address like a wrong password.
func (h *Handlers) VerifyOTP(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	token, _ := f.String("temporary_token", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 8192})
	email, _ := f.String("email", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 254})
	code, _ := f.String("otp_code", httpx.StringRule{Required: true, Trim: true, Max: otpCodeMaxLength})
	if code != "" && !sixDigits.MatchString(code) && !recoveryLike.MatchString(code) {
		f.Errors.Add("otp_code", msgOTPFormat)
	}
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}

	ctx := r.Context()
	info := requestinfo.From(ctx)
	if err := h.svc.guard.Blocked(ctx, info.IP); err != nil {
		h.writeLoginError(w, r, err) // 429 for a *ThrottledError, else 500
		return
	}
	reject := func(detail string) {
		if err := h.svc.guard.CodeFailed(ctx, h.svc.db, info.IP); err != nil {
			h.svc.logger.ErrorContext(ctx, "count a rejected employee second-factor code", "error", err)
		}
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"detail": detail})
	}

	e, ref, err := h.svc.findChallenge(ctx, token, email)
	if errors.Is(err, errNoChallenge) {
		reject(msgNoChallenge)
		return
	}
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}

	var pair *tokens.Pair
	var refusal *mfa.Refusal
	err = h.svc.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		result, err := h.svc.mfa.VerifyChallenge(ctx, tx, MFASubject(e), ref.ID, code)
		if errors.As(err, &refusal) {
			return nil // commit: the counted failure must stick
		}
		if err != nil {
			return err
		}
		meta := tokens.FamilyMeta{RememberMe: result.RememberMe, IP: info.IP, UserAgent: info.UserAgent}
		pair, err = h.svc.CompleteSignIn(ctx, tx, e, meta, e.Email)
		return err
	})

	switch {
	case err != nil:
		httpx.ServerError(w, r, err)
		return
	case refusal != nil && refusal.Kind == mfa.ChallengeInvalid:
		reject(msgNoChallenge)
		return
	case refusal != nil && refusal.Kind == mfa.AccountLocked:
		reject(msgSecondLocked)
		return
	case refusal != nil:
		reject(msgWrongOTP)
		return
	}
	h.writeSignedIn(w, r, e, pair, nil)
}

var errNoChallenge = errors.New("no usable sign-in challenge")

// findChallenge returns the employee and the live challenge named by a
// temporary_token, or else the newest challenge of an e-mail address. The
// employee must still be allowed to sign in.
func (s *Service) findChallenge(ctx context.Context, token, email string) (*model.Employee, *mfa.ChallengeRef, error) {
	var ref *mfa.ChallengeRef
	var e *model.Employee
	var err error
	switch {
	case token != "":
		if ref, err = s.mfa.ParseChallenge(token); err != nil || ref.SubjectType != tokens.Employee {
			return nil, nil, errNoChallenge
		}
		e, err = ByID(ctx, s.db, ref.SubjectID)
	case email != "":
		if e, err = ByEmail(ctx, s.db, email); err != nil {
			break
		}
		ref, err = s.mfa.LatestChallenge(ctx, s.db, tokens.Employee, e.ID)
		if errors.Is(err, mfa.ErrChallenge) {
			return nil, nil, errNoChallenge
		}
	default:
		return nil, nil, errNoChallenge
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, errNoChallenge
	}
	if err != nil {
		return nil, nil, err
	}
	if e.Status != model.StatusApproved || s.isLocked(e) {
		return nil, nil, errNoChallenge
	}
	return e, ref, nil
}

// RequestOTP serves POST /api/v1/hdts/employees/api/2fa/request-otp/. The
// response is always the same. A new code goes out only for a live sign-in
// challenge that accepts e-mail codes, outside the resend cooldown.
func (h *Handlers) RequestOTP(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	token, _ := f.String("temporary_token", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 8192})
	email := ""
	if token == "" || in.Has("email") {
		email, _ = f.LookupEmail("email", token == "")
	}
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	// A challenge token proves the password step, so only the e-mail form,
	// which anyone can send, is resolved in a background job.
	var err error
	if token == "" && h.svc.requests != nil {
		err = h.svc.requests.Enqueue(r.Context(), mailrequest.EmployeeOTP, email)
	} else {
		err = h.svc.resendCode(r.Context(), token, email)
	}
	if err != nil {
		failBusyOr(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": msgOTPRequested})
}

// ProcessOTPRequest is the mail_request job of an e-mail form request-otp:
// it sends a new code when the employee has a live sign-in challenge.
func (s *Service) ProcessOTPRequest(ctx context.Context, email, ip string) error {
	return s.resendCode(ctx, "", email)
}

// resendCode e-mails a new sign-in code for the challenge of token or
// email, when that challenge can still be completed and accepts e-mail
// codes. An authenticator-only challenge gets no code, because verify-otp
// would reject it.
func (s *Service) resendCode(ctx context.Context, token, email string) error {
	e, ref, err := s.findChallenge(ctx, token, email)
	if errors.Is(err, errNoChallenge) {
		return nil
	}
	if err != nil {
		return err
	}
	methods, err := s.mfa.PendingMethods(ctx, s.db, ref)
	if errors.Is(err, mfa.ErrChallenge) {
		return nil
	}
	if err != nil || !slices.Contains(methods, mfa.MethodEmail) {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := s.mfa.SendCode(ctx, tx, MFASubject(e), mfa.PurposeLogin, ref.ID, true)
		return err
	})
}
