package invitations_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/rbac/rbactest"
)

var setPasswordLink = regexp.MustCompile(`https?://\S+/api/v1/users/password/reset/\?token=([A-Za-z0-9_%-]+)`)

// TestInvitationFlowEndToEnd runs the whole story: a superuser creates a
// system and a custom role and invites a person, who sets a password from
// the e-mail in Mailpit and signs in with the role in the token.
func TestInvitationFlowEndToEnd(t *testing.T) {
	env, mailpit := mailpitEnv(t)
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		startJobs(t, s)
		w := rbactest.New(t, s)
		super := w.Client(t, w.Super)

		sys := super.Post("/api/v1/systems/", apptest.JSON(map[string]any{"name": "Budget Management System", "slug": "bms"})).Expect(t, http.StatusCreated)
		role := super.Post("/api/v1/roles/", apptest.JSON(map[string]any{"system": sys.Get("id"), "name": "Reviewer"})).Expect(t, http.StatusCreated)
		address := strings.ToLower(mailpittest.UniqueAddress("Ana.Maria-Cruz"))
		invited := super.Post("/api/v1/system-roles/invite/", apptest.Multipart(map[string]string{
			"email": "  " + strings.ToUpper(address) + " ", "role_id": fmt.Sprint(int64(role.Get("id").(float64))), "first_name": "Ana", "last_name": "Cruz",
			"phone_number": "09181234567",
		})).Expect(t, http.StatusCreated)
		if invited.String("user") != address || invited.Get("temporary_password") != nil || invited.String("role") != "Reviewer" ||
			invited.String("system") != "bms" || invited.Get("invitation_sent") != true {
			t.Fatalf("invite response %s", invited.Body)
		}

		account := &model.User{}
		if err := s.App.DB.NewSelect().Model(account).Where("email = ?", address).Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if account.Status != model.StatusApproved || account.IsStaff || passwords.IsUsable(account.Password) {
			t.Errorf("invited account: status %s, staff %v, usable password %v", account.Status, account.IsStaff, passwords.IsUsable(account.Password))
		}
		local, _, _ := strings.Cut(address, "@")
		wantUsername := strings.NewReplacer(".", "", "-", "").Replace(local)[:20]
		if account.Username == nil || *account.Username != wantUsername {
			t.Errorf("username %v, want %s", account.Username, wantUsername)
		}

		message := mailpit.WaitSubject(t, address, "Invitation to Budget Management System")
		if !strings.Contains(message.Text, "Hello Ana") || !strings.Contains(message.Text, "Reviewer") || !strings.Contains(message.Text, "7 days") {
			t.Errorf("invitation text:\n%s", message.Text)
		}
		match := message.Find(t, setPasswordLink)
		if !strings.HasPrefix(match[0], s.URL+"/api/v1/users/password/reset/?token=") {
			t.Fatalf("set-password link %s does not start with %s", match[0], s.URL)
		}
		password := "Copper-Meadow-Signal-73"
		person := s.Client()
		person.Post("/api/v1/users/password/reset/", apptest.JSON(map[string]any{"token": match[1], "password": password, "password_confirm": password})).Expect(t, http.StatusOK)
		again := person.Post("/api/v1/users/password/reset/", apptest.JSON(map[string]any{"token": match[1], "password": password, "password_confirm": password}))
		again.Expect(t, http.StatusBadRequest)

		login := person.Post("/api/v1/token/obtain/", apptest.JSON(map[string]any{"email": address, "password": password})).Expect(t, http.StatusOK)
		claims := jwt.MapClaims{}
		_, _, err := jwt.NewParser().ParseUnverified(login.String("access"), claims)
		if err != nil {
			t.Fatal(err)
		}
		roles, _ := claims["roles"].([]any)
		if len(roles) != 1 || roles[0].(map[string]any)["system"] != "bms" || roles[0].(map[string]any)["role"] != "Reviewer" {
			t.Errorf("roles claim %v", claims["roles"])
		}

		// An existing user gets the role and an "access granted" e-mail.
		granted := w.Client(t, w.AdminOfTTS).Post("/api/v1/system-roles/invite/", apptest.Form(map[string]string{
			"email": address, "role_id": fmt.Sprint(w.TTSAgent.ID),
		})).Expect(t, http.StatusCreated)
		if granted.Get("invitation_sent") != false || granted.String("system") != "tts" {
			t.Errorf("existing user %s", granted.Body)
		}
		mailpit.WaitSubject(t, address, "Access Granted to Ticket Tracking System")
	})
}
