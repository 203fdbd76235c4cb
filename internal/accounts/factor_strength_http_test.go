package accounts_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/mfa"
)

// TestEmailCodeCannotRemoveAuthenticator covers an account with only the
// authenticator app on. No route e-mails it a code, and a code issued anyway
// fails the management routes, so the password and the mailbox are not
// enough to turn the app off.
func TestEmailCodeCannotRemoveAuthenticator(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "app.only@example.com", nil)
		c, _ := signedIn(t, s, "app.only@example.com")
		secret, _ := enrolTOTP(t, s, c)

		authenticated := c.Post("/api/v1/users/2fa/request-otp-authenticated/", apptest.JSON(map[string]any{})).Expect(t, http.StatusBadRequest)
		if got := authenticated.String("error"); got != accounts.MsgNoEmailCodes {
			authenticated.Errorf(t, "request-otp-authenticated error %q, want %q", got, accounts.MsgNoEmailCodes)
		}
		public := s.Client().Post("/api/v1/users/2fa/request-otp/", apptest.JSON(map[string]any{"email": "app.only@example.com", "password": testPassword})).Expect(t, http.StatusBadRequest)
		if got := nonFieldError(public); got != accounts.MsgNoEmailCodes {
			public.Errorf(t, "request-otp error %q, want %q", got, accounts.MsgNoEmailCodes)
		}
		if n := countRows(t, s, "SELECT COUNT(*) FROM otp_codes"); n != 0 {
			t.Errorf("%d e-mail codes stored for an authenticator-only account, want 0", n)
		}

		routes := []struct{ method, path string }{
			{http.MethodPost, "/api/v1/users/2fa/disable/"},
			{http.MethodPost, "/api/v1/users/verify-disable-otp/"},
			{http.MethodDelete, "/api/v1/users/2fa/totp/"},
		}
		for _, route := range routes {
			err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
				_, err := s.App.MFA.SendCode(ctx, tx, accounts.StaffSubject(u), mfa.PurposeRequest, "", false)
				return err
			})
			if err != nil {
				t.Fatalf("issue an e-mail code: %v", err)
			}
			body := apptest.JSON(map[string]any{"password": testPassword, "otp_code": emailCode(t, s, u.ID)})
			resp := c.Do(route.method, route.path, &body).Expect(t, http.StatusBadRequest)
			if got := nonFieldError(resp); got != "Invalid or expired OTP code" {
				resp.Errorf(t, "%s %s with an e-mail code: error %q, want Invalid or expired OTP code", route.method, route.path, got)
			}
			// The cooldown between e-mailed codes would hold back the next one.
			s.Clock.Advance(61 * time.Second)
		}

		status := c.Get("/api/v1/users/2fa/status/").Expect(t, http.StatusOK)
		if methods, _ := status.Get("methods").(map[string]any); methods["totp"] != true {
			status.Errorf(t, "the authenticator app is off after e-mail codes were tried")
		}
		body := apptest.JSON(map[string]any{"password": testPassword, "otp_code": totpAt(t, secret, s.Clock.Now())})
		c.Do(http.MethodDelete, "/api/v1/users/2fa/totp/", &body).Expect(t, http.StatusOK)
	})
}
