package accounts_test

import (
	"net/http"
	"testing"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
)

// lookAlikeEmails are addresses that render like another address or hide
// characters; a new account or an address change must not get one.
var lookAlikeEmails = map[string]string{
	"right-to-left override": "\u202eadmin@example.com",
	"zero-width space":       "zw\u200b@example.com",
	"byte order mark":        "\ufeffadmin@example.com",
	"non-ASCII local part":   "ünï@exämple.com",
	"replacement character":  "\ufffd@example.com",
}

// tableCounts returns the row counts that a rejected request must leave as
// they are.
func tableCounts(t *testing.T, s *apptest.Server) [3]int {
	t.Helper()
	return [3]int{
		countRows(t, s, "SELECT COUNT(*) FROM users"),
		countRows(t, s, "SELECT COUNT(*) FROM email_change_requests"),
		countRows(t, s, "SELECT COUNT(*) FROM audit_events"),
	}
}

func TestLookAlikeEmailsRejected(t *testing.T) {
	apptest.EachDialect(t, registerEnv, func(t *testing.T, s *apptest.Server) {
		c, u := profileClient(t, s, "owner@example.com", func(n *accounts.NewUser) { n.IsStaff = true })
		invalid := map[string]any{"email": []string{"Enter a valid email address."}}
		before := tableCounts(t, s)

		for name, email := range lookAlikeEmails {
			t.Run(name, func(t *testing.T) {
				register := c.Post(registerPath, apptest.JSON(map[string]any{"email": email, "password": testPassword}))
				expectBody(t, register, http.StatusBadRequest, invalid)
				patch := c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"email": email})))
				expectBody(t, patch, http.StatusBadRequest, invalid)
			})
		}
		// The JSON decoder turns a lone surrogate into U+FFFD.
		surrogate := apptest.Raw("application/json", []byte(`{"email": "\ud800@example.com", "password": "`+testPassword+`"}`))
		expectBody(t, c.Post(registerPath, surrogate), http.StatusBadRequest, invalid)
		expectBody(t, c.Do(http.MethodPatch, profilePath, ptr(apptest.Raw("application/json", []byte(`{"email": "\ud800@example.com"}`)))),
			http.StatusBadRequest, invalid)

		if after := tableCounts(t, s); after != before {
			t.Errorf("rejected requests changed the users, email_change_requests, audit_events counts from %v to %v", before, after)
		}
		row := readUser(t, s, u.ID)
		if row.Email != "owner@example.com" {
			t.Errorf("e-mail = %q, want it unchanged", row.Email)
		}
		if row.PendingEmail != nil {
			t.Errorf("pending e-mail = %q, want none", *row.PendingEmail)
		}

		// An internationalized domain stays valid.
		c.Post(registerPath, apptest.JSON(map[string]any{"email": "user@exämple.com", "password": testPassword})).Expect(t, http.StatusCreated)
	})
}

func TestLookAlikeEmailsStillSignIn(t *testing.T) {
	apptest.EachDialect(t, noGuardEnv, func(t *testing.T, s *apptest.Server) {
		// Earlier versions accepted these addresses at registration, so
		// accounts with them may exist and must keep signing in.
		legacy := lookAlikeEmails["non-ASCII local part"]
		createUser(t, s, legacy, nil)
		c := s.Client()
		c.Post("/api/v1/users/login/api/", credentials(legacy, testPassword)).Expect(t, http.StatusOK)

		// Another such address finds no account, like a wrong password.
		unknown := c.Post("/api/v1/users/login/api/", credentials(lookAlikeEmails["right-to-left override"], testPassword))
		expectBody(t, unknown, http.StatusBadRequest, loginAPIError(accounts.ErrInvalidCredentials.Error()))
	})
}
