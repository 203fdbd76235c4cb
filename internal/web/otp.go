package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// otpOutcome is the result of the form sign-in's second step.
type otpOutcome struct {
	userID  int64
	status  int
	message string // the refusal, when status is not 200
	expired bool   // the challenge is spent: the form goes back to the password step
}

// verifyOTPInProcess runs the JSON verify-otp handler for the form's second
// step and copies the cookies it sets onto w. Running the handler itself
// keeps a single implementation of the challenge rules.
func (p *Pages) verifyOTPInProcess(w http.ResponseWriter, r *http.Request, challenge, code string, remember bool) (*otpOutcome, error) {
	body, err := json.Marshal(map[string]any{"temporary_token": challenge, "otp_code": code, "remember_me": remember})
	if err != nil {
		return nil, err
	}
	inner, err := http.NewRequestWithContext(r.Context(), http.MethodPost, "/api/v1/users/login/verify-otp/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	inner.Header.Set("Content-Type", "application/json")
	inner.RemoteAddr = r.RemoteAddr
	inner.Header.Set("User-Agent", r.UserAgent())
	rec := httptest.NewRecorder()
	p.VerifyOTP(rec, inner)

	var reply struct {
		Success   bool   `json:"success"`
		Error     string `json:"error"`
		Detail    string `json:"detail"`
		OTPExpire bool   `json:"otp_expired"`
		User      struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil {
		return nil, errors.New("verify-otp returned a body that is not JSON")
	}
	if rec.Code >= 500 {
		return nil, errors.New("verify-otp failed: " + rec.Body.String())
	}
	out := &otpOutcome{status: rec.Code, message: reply.Error, expired: reply.OTPExpire}
	if out.message == "" {
		out.message = reply.Detail
	}
	if rec.Code == http.StatusOK && reply.Success {
		for _, c := range rec.Result().Cookies() {
			http.SetCookie(w, c)
		}
		out.userID = reply.User.ID
	}
	return out, nil
}

// requestSignInOTP sends a new sign-in code to a staff account whose
// pending sign-in challenge accepts e-mail codes. Unknown addresses and
// accounts without a challenge get nothing, and the caller sends the same
// response in every case.
func (p *Pages) requestSignInOTP(ctx context.Context, email string) error {
	if p.MFA == nil {
		return nil
	}
	u, err := accounts.UserByEmail(ctx, p.DB, email)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	ref, err := p.MFA.LatestChallenge(ctx, p.DB, tokens.Staff, u.ID)
	if errors.Is(err, mfa.ErrChallenge) {
		return nil
	}
	if err != nil {
		return err
	}
	// The challenge's own methods decide, so an authenticator-only
	// challenge gets no code that it would reject.
	if !slices.Contains(ref.Methods, mfa.MethodEmail) {
		return nil
	}
	return p.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := p.MFA.SendCode(ctx, tx, accounts.StaffSubject(u), mfa.PurposeLogin, ref.ID, true)
		return err
	})
}
