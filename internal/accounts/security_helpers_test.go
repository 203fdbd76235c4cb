package accounts_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/secrets"
)

// noCaptchaEnv turns CAPTCHA escalation off for tests that make many
// failures on purpose and test something else.
func noCaptchaEnv(extra map[string]string) map[string]string {
	env := map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none"}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// emailCode recovers the live e-mail code of a staff user from its stored
// HMAC by trying every 6-digit code with the test secret key, so tests do
// not depend on mail delivery.
func emailCode(t *testing.T, s *apptest.Server, userID int64) string {
	t.Helper()
	var stored string
	err := s.App.DB.NewSelect().Table("otp_codes").Column("code_hmac").
		Where("subject_type = 'staff'").Where("subject_id = ?", userID).Where("used_at IS NULL").
		OrderExpr("id DESC").Limit(1).Scan(context.Background(), &stored)
	if err != nil {
		t.Fatalf("no live e-mail code for user %d: %v", userID, err)
	}
	key := secrets.NewKeyring(apptest.TestEnv()["AUTHD_SECRET_KEY"], nil).Key(secrets.InfoOTPCode)
	prefix := fmt.Sprintf("staff:%d:", userID)
	for n := 0; n < 1_000_000; n++ {
		code := fmt.Sprintf("%06d", n)
		if secrets.HMACHex(key, prefix+code) == stored {
			return code
		}
	}
	t.Fatalf("the stored e-mail code of user %d matches no 6-digit code", userID)
	return ""
}

// createBenchUser makes an approved staff user with testPassword for a
// benchmark.
func createBenchUser(b *testing.B, s *apptest.Server, email string) {
	b.Helper()
	n := &accounts.NewUser{Email: email, Password: testPassword, Status: model.StatusApproved, IsActive: true}
	err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := s.App.Accounts.CreateUser(ctx, tx, n, nil)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// totpAt returns the authenticator code of secret at instant at.
func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// signedIn returns a client signed in as email through login/api (cookies
// set) and its access token.
func signedIn(t *testing.T, s *apptest.Server, email string) (*apptest.Client, string) {
	t.Helper()
	c := s.Client()
	r := c.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": email, "password": testPassword})).Expect(t, http.StatusOK)
	if r.Get("success") != true {
		r.Errorf(t, "sign-in of %s did not complete", email)
	}
	return c, r.String("access_token")
}

// enrolTOTP enrols an authenticator app for the client's user and returns
// the secret and the recovery codes.
func enrolTOTP(t *testing.T, s *apptest.Server, c *apptest.Client) (string, []string) {
	t.Helper()
	setup := c.Post("/api/v1/users/2fa/totp/setup/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
	secret := setup.String("secret")
	confirm := c.Post("/api/v1/users/2fa/totp/confirm/", apptest.JSON(map[string]any{"otp_code": totpAt(t, secret, s.Clock.Now())})).Expect(t, http.StatusOK)
	var codes []string
	for _, v := range confirm.Get("recovery_codes").([]any) {
		codes = append(codes, v.(string))
	}
	// The confirming code's step is now used; later tests start in a fresh step.
	s.Clock.Advance(30 * time.Second)
	return secret, codes
}

// nonFieldError returns the first non_field_errors message of a response.
func nonFieldError(r *apptest.Response) string {
	list, _ := r.Get("non_field_errors").([]any)
	if len(list) == 0 {
		list, _ = r.Get("errors.non_field_errors").([]any)
	}
	if len(list) == 0 {
		return ""
	}
	s, _ := list[0].(string)
	return s
}

// userRow reloads a staff user.
func userRow(t *testing.T, s *apptest.Server, id int64) *model.User {
	t.Helper()
	u := &model.User{}
	if err := s.App.DB.NewSelect().Model(u).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return u
}

// auditCount counts audit events of one name for a staff subject.
func auditCount(t *testing.T, s *apptest.Server, event string, userID int64) int {
	t.Helper()
	n, err := s.App.DB.NewSelect().Table("audit_events").Where("event = ?", event).
		Where("subject_type = 'staff'").Where("subject_id = ?", userID).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}
