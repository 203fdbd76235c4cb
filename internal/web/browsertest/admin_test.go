package browsertest

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/secrets"
)

// mailpitEnv makes a server send e-mail over SMTP to the test Mailpit and
// returns a client for Mailpit's API that waits as long as a browser step.
// The test skips without Mailpit, or fails under CI=true.
func mailpitEnv(t *testing.T, env map[string]string) *mailpittest.Client {
	t.Helper()
	maps.Copy(env, mailpittest.ServerEnv(t))
	mailpit := mailpittest.Shared(t)
	mailpit.WaitTimeout = stepTimeout
	return mailpit
}

// startJobs runs the job workers until the test ends, so queued e-mails
// are delivered.
func startJobs(t *testing.T, s *apptest.Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := s.App.StartJobs(ctx); err != nil {
		t.Fatalf("start the job workers: %v", err)
	}
}

// selectOption picks the option of a select whose text contains text.
func selectOption(b *Browser, selector, text string) {
	b.T.Helper()
	b.WaitFor("option "+text, `Array.from(document.querySelectorAll('`+selector+` option')).some(o => o.textContent.includes(`+jsString(text)+`))`)
	Eval[bool](b, `(() => { const s = document.querySelector('`+selector+`');
		s.value = Array.from(s.options).find(o => o.textContent.includes(`+jsString(text)+`)).value;
		s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
}

func jsString(s string) string {
	data, _ := json.Marshal(s)
	return string(data)
}

func TestAdminSignsInWithTOTPAndInvitesAgent(t *testing.T) {
	systems := StartSystems(t)
	env := systems.Env()
	mailpit := mailpitEnv(t, env)
	s := NewServer(t, env)
	startJobs(t, s)
	admin := CreateStaff(t, s, "tts.admin@example.com", nil)
	Assign(t, s, admin.ID, "tts", "Admin")
	Assign(t, s, admin.ID, "ams", "Operator")

	// Enrol an authenticator app on the security page.
	b := StartAs(t, s, "admin")
	b.Open("/staff/login/")
	signIn(b, "tts.admin@example.com")
	b.WaitPath("/api/v1/users/welcome/")
	b.Open("/staff/settings/security/")
	secret := enrolAuthenticator(t, s, b)
	if n := Eval[int](b, `document.querySelectorAll("#recoveryCodes li").length`); n != 10 {
		t.Errorf("%d recovery codes shown, want 10", n)
	}
	b.WaitFor("the TOTP status", `document.getElementById("twofaStatus").textContent.includes("authenticator app")`)
	b.Shot("totp-enabled")
	b.Open("/logout/")
	b.WaitPath("/staff/login/?logout=1")

	// Sign in again: the password step switches to OTP mode.
	s.Clock.Advance(30 * time.Second)
	signIn(b, "tts.admin@example.com")
	b.WaitVisible("#otpMode #otpCode")
	b.WaitToast("info", "authenticator app")
	b.Shot("otp-mode")
	code, _ := totp.GenerateCode(secret, s.Clock.Now())
	b.Type("#otpCode", code)
	b.Click("#otpButton")
	b.WaitPath("/api/v1/users/welcome/")
	b.Click(`button.systemOption[value="tts"]`)
	b.WaitPath(systems.TTS.URL + "/")
	b.Shot("totp-sign-in-landed-on-tts")

	// Invite a new agent to a TTS role.
	agentEmail := "agent." + strings.ToLower(secrets.HexID()[:10]) + "@example.com"
	b.Open("/staff/invite-agent/")
	b.WaitVisible("#inviteEmailForm")
	if got := b.Text("#availableHeading"); got != "Available Users to Invite" {
		t.Errorf("heading %q", got)
	}
	b.Type("#inviteEmail", agentEmail)
	selectOption(b, "#inviteRole", "Ticket Tracking System \u2013 Asset Manager")
	b.Type("#inviteFirstName", "Noor")
	b.Type("#inviteLastName", "Haddad")
	b.Click("#inviteEmailButton")
	b.WaitToast("success", "Invitation sent to "+agentEmail)
	b.Shot("invitation-sent")

	// The agent follows the link from the e-mail and sets a password.
	invitation := mailpit.Wait(t, agentEmail, "any subject", nil)
	link := invitation.Find(t, regexp.MustCompile(`https?://[^\s"<>]+/api/v1/users/password/reset/\?token=[A-Za-z0-9_-]+`))[0]
	agent := StartAs(t, s, "agent")
	agent.Open(strings.TrimPrefix(link, s.URL))
	agent.WaitVisible("#resetPasswordForm")
	if got := agent.Text("h1"); got != "Set Your Password" {
		t.Errorf("heading %q", got)
	}
	agent.Type("#password", "Amber-Orchard-Kestrel-58")
	agent.Type("#password_confirm", "Amber-Orchard-Kestrel-58")
	agent.Shot("set-password")
	agent.Click("#resetButton")
	agent.WaitToast("success", "Password saved")
	agent.WaitPath("/staff/login/")
	agent.Type("#email", agentEmail)
	agent.Type("#password", "Amber-Orchard-Kestrel-58")
	agent.Click("#loginButton")
	agent.WaitPath("/api/v1/users/welcome/")
	agent.WaitVisible(`button.systemOption[value="tts"]`)
	agent.Shot("agent-signed-in")

	// The used link is dead.
	agent.Open(strings.TrimPrefix(link, s.URL))
	agent.WaitVisible("#invalidLink")
}

func TestStaffSignInFormWorksWithoutScripts(t *testing.T) {
	s := NewServer(t, nil)
	u := CreateStaff(t, s, "noscript@example.com", nil)
	Assign(t, s, u.ID, "tts", "Admin")
	b := Start(t, s)

	// Enrolment needs scripts, so the test enrols through the JSON API.
	api := s.Client()
	api.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "noscript@example.com", "password": Password})).Expect(t, http.StatusOK)
	setup := api.Post("/api/v1/users/2fa/totp/setup/", apptest.JSON(map[string]any{"password": Password}))
	setup.Expect(t, http.StatusOK)
	code, _ := totp.GenerateCode(setup.String("secret"), s.Clock.Now())
	api.Post("/api/v1/users/2fa/totp/confirm/", apptest.JSON(map[string]any{"otp_code": code})).Expect(t, http.StatusOK)
	s.Clock.Advance(30 * time.Second)

	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	cancel()
	if err != nil {
		t.Fatalf("turn scripts off: %v", err)
	}
	b.Open("/staff/login/?next=%2Fstaff%2Fsettings%2Fprofile%2F")
	b.Type("#email", "noscript@example.com")
	b.Type("#password", Password)
	b.Click("#loginButton")
	b.WaitVisible("#otpMode #otpCode")
	if got := Eval[string](b, `document.getElementById("temporaryToken").value`); got == "" {
		t.Fatal("the OTP step has no challenge in its hidden field")
	}
	if strings.Contains(Eval[string](b, `document.documentElement.outerHTML`), Password) {
		t.Error("the re-rendered page contains the password")
	}
	b.Shot("form-otp-step")
	code, _ = totp.GenerateCode(setup.String("secret"), s.Clock.Now())
	b.Type("#otpCode", code)
	b.Click("#otpButton")
	b.WaitPath("/staff/settings/profile/")
	b.WaitVisible("#profile-form")
	b.Shot("form-signed-in")
}

func TestAdminPages(t *testing.T) {
	s := NewServer(t, nil)
	root := CreateStaff(t, s, "pages.root@example.com", nil)
	Assign(t, s, root.ID, "tts", "Admin")
	member := CreateStaff(t, s, "member@example.com", nil)
	Assign(t, s, member.ID, "tts", "Asset Manager")
	plain := CreateStaff(t, s, "plain.agent@example.com", nil)
	Assign(t, s, plain.ID, "ams", "Operator")

	// A user without admin rights is sent to the profile with a toast.
	user := StartAs(t, s, "member")
	user.Open("/staff/login/")
	signIn(user, "plain.agent@example.com")
	user.WaitPath("/api/v1/users/welcome/")
	user.Open("/staff/agent-management/")
	user.WaitPath("/staff/settings/profile/")
	user.WaitToast("error", "You do not have permission to access that page.")
	user.Open("/staff/role-management/")
	user.WaitPath("/staff/settings/profile/")

	b := StartAs(t, s, "admin")
	b.Open("/staff/login/")
	signIn(b, "pages.root@example.com")
	b.WaitPath("/api/v1/users/welcome/")

	b.Open("/staff/agent-management/")
	b.WaitVisible(`tr[data-email="member@example.com"] .editButton`)
	b.Click(`tr[data-email="member@example.com"] .editButton`)
	b.WaitVisible("#editAgentDialog")
	if got := b.Text("#editAgentTitle"); got != "Edit Agent" {
		t.Errorf("dialog heading %q", got)
	}
	b.Type("#agentPhone", "09181234567")
	b.Click("#saveAgentButton")
	b.WaitToast("success", "Agent updated.")
	b.Shot("agent-management")

	b.Open("/staff/role-management/")
	b.WaitVisible("#createRoleForm")
	if got := b.Text("h1"); got != "Manage TTS Roles" {
		t.Errorf("role page heading %q", got)
	}
	if !strings.HasPrefix(b.Text("#createRoleBlock"), "Create new") {
		t.Errorf("the block after the heading starts with %q", b.Text("#createRoleBlock"))
	}
	b.Type("#roleName", "Escalation Lead")
	b.Click("#createRoleButton")
	b.WaitVisible(`tr[data-role="Escalation Lead"]`)
	b.Shot("role-management")

	b.Open("/api/v1/tts/manage-assignments/")
	b.WaitVisible("#assignmentsBody tr")
	if got := b.Text("h1"); got != "Manage Role Assignments" {
		t.Errorf("assignments heading %q", got)
	}
	b.Shot("manage-assignments")
	b.Open("/assign-role/")
	b.WaitVisible("#assignForm")
	if got := b.Title(); got != "Assign Agent to Role" {
		t.Errorf("assign-role title %q", got)
	}
	// The same path returns JSON when the request asks for it.
	if !Eval[bool](b, `fetch("/assign-role/", {headers: {Accept: "application/json"}, credentials: "include"}).then(r => r.json()).then(d => Array.isArray(d.assignments))`) {
		t.Error("/assign-role/ does not answer JSON for Accept: application/json")
	}
}
