package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/seed"
)

const password = "Granite-Willow-Harbor-64"

// page is a response of a page request.
type page struct {
	status int
	header http.Header
	body   string
}

// browser is a cookie-keeping HTTP client for pages, which apptest's
// contract-checked client does not cover. It never follows redirects and
// fails the test on any 5xx.
type browser struct {
	t      *testing.T
	s      *apptest.Server
	client *http.Client
}

func newBrowser(t *testing.T, s *apptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, s: s, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, body io.Reader, contentType string) *page {
	b.t.Helper()
	req, err := http.NewRequest(method, b.s.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 {
		b.t.Errorf("%s %s answered %d: a 5xx in a test is a bug\n%.500s", method, path, res.StatusCode, data)
	}
	return &page{status: res.StatusCode, header: res.Header, body: string(data)}
}

func (b *browser) get(path string) *page { return b.do(http.MethodGet, path, nil, "") }

// post submits a form with the CSRF token of the csrftoken cookie, which
// the browser holds after any page load.
func (b *browser) post(path string, fields url.Values) *page {
	b.t.Helper()
	if fields.Get("csrfmiddlewaretoken") == "" {
		fields.Set("csrfmiddlewaretoken", b.cookie("csrftoken"))
	}
	return b.do(http.MethodPost, path, strings.NewReader(fields.Encode()), "application/x-www-form-urlencoded")
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.s.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (p *page) expect(t *testing.T, status int) *page {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d\n%.800s", p.status, status, p.body)
	}
	return p
}

func (p *page) location() string { return p.header.Get("Location") }

func (p *page) title() string {
	m := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return m[1]
}

// newServer starts authd with the systems and roles seeded.
func newServer(t *testing.T, driver string, env map[string]string) *apptest.Server {
	t.Helper()
	s := apptest.New(t, driver, env)
	if err := (&seed.Seeder{DB: s.App.DB, Now: s.Clock.Now}).AllRoles(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func createStaff(t *testing.T, s *apptest.Server, email string, mutate func(*accounts.NewUser), roles ...[2]string) *model.User {
	t.Helper()
	n := &accounts.NewUser{Email: email, Password: password, Status: model.StatusApproved, IsActive: true, FirstName: "Page", LastName: "Tester"}
	if mutate != nil {
		mutate(n)
	}
	var u *model.User
	err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		if u, err = s.App.Accounts.CreateUser(ctx, tx, n, nil); err != nil {
			return err
		}
		for _, r := range roles {
			role := &model.Role{}
			if err := tx.NewSelect().Model(role).Join("JOIN systems AS s ON s.id = role.system_id").
				Where("s.slug = ?", r[0]).Where("role.name = ?", r[1]).Scan(ctx); err != nil {
				return err
			}
			a := &model.Assignment{UserID: u.ID, SystemID: role.SystemID, RoleID: role.ID, AssignedAt: s.Clock.Now(), IsActive: true,
				Settings: map[string]any{}}
			if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

// signIn signs a browser in through the sign-in form.
func (b *browser) signIn(email string) *page {
	b.t.Helper()
	b.get("/staff/login/").expect(b.t, http.StatusOK)
	return b.post("/staff/login/", url.Values{"email": {email}, "password": {password}})
}

func TestPublicPagesRender(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		b := newBrowser(t, s)
		titles := map[string]string{
			"/staff/login/":            "Sign In - MAP Active",
			"/api/v1/users/login/ui/":  "Sign In - MAP Active",
			"/login/":                  "Employee Login - HDTS",
			"/register/":               "Create Account - SmartSupport",
			"/api/v1/hdts/register/":   "Create Account - SmartSupport",
			"/verify-otp/":             "Verify OTP - HDTS Employee",
			"/superadmin/login/":       "Superuser Login - Admin Portal",
			"/email/confirm/?token=ab": "Confirm Email Change",
		}
		for path, want := range titles {
			p := b.get(path).expect(t, http.StatusOK)
			if got := p.title(); got != want {
				t.Errorf("%s title %q, want %q", path, got, want)
			}
			if !strings.Contains(p.body, `name="csrfmiddlewaretoken"`) {
				t.Errorf("%s has no csrfmiddlewaretoken input", path)
			}
			csp := p.header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("%s CSP %q", path, csp)
			}
			if strings.Contains(p.body, "<script>") {
				t.Errorf("%s has an inline script", path)
			}
			if !strings.Contains(p.body, `<html lang="en">`) {
				t.Errorf("%s lacks the lang attribute", path)
			}
		}
		if b.cookie("csrftoken") == "" {
			t.Error("no csrftoken cookie was set")
		}

		// Invalid links return 400 with the invalid-link state.
		for _, path := range []string{"/api/v1/users/password/reset/?token=nope", "/api/v1/users/password/reset", "/reset-password/?token=nope", "/email/confirm/"} {
			p := b.get(path).expect(t, http.StatusBadRequest)
			if !strings.Contains(p.body, "This link is invalid or has expired.") {
				t.Errorf("%s does not say the link is invalid", path)
			}
		}
	})
}

func TestOtherPathsRedirect(t *testing.T) {
	s := newServer(t, "sqlite", nil)
	b := newBrowser(t, s)
	cases := []struct {
		path     string
		status   int
		location string
	}{
		{"/", http.StatusFound, "/staff/login/"},
		{"/forgot-password/", http.StatusFound, "/staff/login/?mode=forgot"},
		{"/admin/", http.StatusFound, "/superadmin/"},
		{"/admin/auth/user/", http.StatusFound, "/superadmin/"},
		{"/employees/reset-password/?token=a%2Bb", http.StatusMovedPermanently, "/reset-password/?token=a%2Bb"},
		{"/staff/settings/profile/", http.StatusFound, "/staff/login/?next=%2Fstaff%2Fsettings%2Fprofile%2F"},
		{"/profile-settings/", http.StatusFound, "/login/?next=%2Fprofile-settings%2F"},
		{"/superadmin/users/", http.StatusFound, "/superadmin/login/?next=%2Fsuperadmin%2Fusers%2F"},
		{"/api/v1/hdts/user-management/pending/", http.StatusFound, "/staff/login/?next=%2Fapi%2Fv1%2Fhdts%2Fuser-management%2Fpending%2F"},
	}
	for _, c := range cases {
		p := b.get(c.path)
		if p.status != c.status || p.location() != c.location {
			t.Errorf("%s answered %d to %q, want %d to %q", c.path, p.status, p.location(), c.status, c.location)
		}
	}
}

func TestStaticAssetsAndNotFound(t *testing.T) {
	s := newServer(t, "sqlite", nil)
	b := newBrowser(t, s)
	css := b.get("/static/css/authd.css").expect(t, http.StatusOK)
	if cc := css.header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("static Cache-Control %q", cc)
	}
	if ct := css.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("static Content-Type %q", ct)
	}
	logo := b.get("/static/images/map-logo.png").expect(t, http.StatusOK)
	if !strings.HasPrefix(logo.body, "\x89PNG") {
		t.Error("the logo is not a PNG")
	}
	favicon := b.get("/favicon.ico").expect(t, http.StatusOK)
	if ct := favicon.header.Get("Content-Type"); ct != "image/png" {
		t.Errorf("favicon Content-Type %q, want image/png", ct)
	}
	if favicon.body != logo.body {
		t.Error("/favicon.ico is not the logo")
	}
	login := b.get("/staff/login/").expect(t, http.StatusOK)
	if !regexp.MustCompile(`/static/js/common\.js\?v=[0-9a-f]{12}`).MatchString(login.body) {
		t.Error("page assets carry no content version")
	}
	for _, path := range []string{"/static/nope.js", "/static/../go.mod", "/static/%2e%2e/web.go", "/no-such-page/"} {
		p := b.get(path).expect(t, http.StatusNotFound)
		if p.title() != "Page Not Found" || !strings.Contains(p.body, `href="/staff/login/"`) {
			t.Errorf("%s: not the 404 page: %.300s", path, p.body)
		}
	}
	if p := b.get("/api/v1/no-such-route/").expect(t, http.StatusNotFound); !strings.Contains(p.body, `"not_found"`) {
		t.Errorf("an unknown API path did not get the JSON 404: %s", p.body)
	}
}

func TestFormSignInSelectionAndCSRF(t *testing.T) {
	apptest.EachDialect(t, map[string]string{"TTS_SYSTEM_URL": "http://localhost:1000/tts"}, func(t *testing.T, s *apptest.Server) {
		if err := (&seed.Seeder{DB: s.App.DB, Now: s.Clock.Now}).AllRoles(context.Background()); err != nil {
			t.Fatal(err)
		}
		createStaff(t, s, "form@example.com", nil, [2]string{"tts", "Admin"}, [2]string{"ams", "Operator"})
		b := newBrowser(t, s)

		// A form post without the token renders the 403 page.
		b.get("/staff/login/")
		denied := b.post("/staff/login/", url.Values{"email": {"form@example.com"}, "password": {password}, "csrfmiddlewaretoken": {"forged.token"}})
		denied.expect(t, http.StatusForbidden)
		if denied.title() != "Access Denied" {
			t.Errorf("CSRF failure title %q", denied.title())
		}

		wrong := b.post("/staff/login/", url.Values{"email": {"form@example.com"}, "password": {"wrong-password-1"}})
		wrong.expect(t, http.StatusBadRequest)
		if !strings.Contains(wrong.body, "Invalid email or password.") {
			t.Error("the wrong password is not reported")
		}
		if strings.Contains(wrong.body, "wrong-password-1") {
			t.Error("the re-rendered form contains the password")
		}

		ok := b.signIn("form@example.com").expect(t, http.StatusFound)
		if ok.location() != "/api/v1/users/welcome/" {
			t.Errorf("form sign-in went to %q", ok.location())
		}
		if b.cookie("access_token") == "" || b.cookie("refresh_token") == "" {
			t.Error("form sign-in set no token cookies")
		}
		welcome := b.get("/api/v1/users/welcome/").expect(t, http.StatusOK)
		if !strings.Contains(welcome.body, `class="systemOption" name="system_slug" value="tts"`) {
			t.Errorf("the selection page lacks the tts button: %.600s", welcome.body)
		}
		bad := b.post("/api/v1/users/welcome/", url.Values{"system_slug": {"bms"}}).expect(t, http.StatusBadRequest)
		if bad.title() != "Select a System - MAP Active" {
			t.Errorf("bad selection rendered %q", bad.title())
		}
		chosen := b.post("/api/v1/users/welcome/", url.Values{"system": {"tts"}}).expect(t, http.StatusFound)
		if chosen.location() != "http://localhost:1000/tts" || b.cookie("selected_system") != "tts" {
			t.Errorf("selection went to %q with selected_system %q", chosen.location(), b.cookie("selected_system"))
		}
		if b.get("/staff/login/").expect(t, http.StatusFound).location() != "/api/v1/users/welcome/" {
			t.Error("a signed-in staff user was not sent from the sign-in page to the selection")
		}

		// The request-otp form gives every submission the same response.
		otp := b.post("/staff/request-otp/", url.Values{"email": {"nobody@example.com"}}).expect(t, http.StatusFound)
		if otp.location() != "/staff/login/" {
			t.Errorf("request-otp went to %q", otp.location())
		}
	})
}

func TestNextIsHonouredOnlyWhenSafe(t *testing.T) {
	s := newServer(t, "sqlite", map[string]string{"AUTHD_CORS_ALLOWED_ORIGINS": "https://tts.example.org"})
	createStaff(t, s, "next@example.com", nil, [2]string{"tts", "Admin"})
	cases := map[string]string{
		"/staff/settings/profile/":            "/staff/settings/profile/",
		"https://tts.example.org/tickets?a=1": "https://tts.example.org/tickets?a=1",
		"//evil.example/":                     "/api/v1/users/welcome/",
		"/\\evil.example/":                    "/api/v1/users/welcome/",
		"https://evil.example/":               "/api/v1/users/welcome/",
		"javascript:alert(1)":                 "/api/v1/users/welcome/",
		"/\t/evil.example":                    "/api/v1/users/welcome/",
		"https://user@tts.example.org/":       "/api/v1/users/welcome/",
	}
	for next, want := range cases {
		b := newBrowser(t, s)
		b.get("/staff/login/?next=" + url.QueryEscape(next))
		p := b.post("/staff/login/", url.Values{"email": {"next@example.com"}, "password": {password}, "next": {next}})
		if p.status != http.StatusFound || p.location() != want {
			t.Errorf("next %q: %d to %q, want %q", next, p.status, p.location(), want)
		}
	}
}

func TestHostileFormInput(t *testing.T) {
	s := newServer(t, "sqlite", nil)
	b := newBrowser(t, s)
	b.get("/staff/login/")
	for name, fields := range map[string]url.Values{
		"NUL in e-mail":      {"email": {"a\x00@example.com"}, "password": {"x"}},
		"huge password":      {"email": {"a@example.com"}, "password": {strings.Repeat("p", 5000)}},
		"bad challenge":      {"temporary_token": {"not-a-jwt"}, "otp_code": {"123456"}},
		"missing everything": {},
	} {
		p := b.post("/staff/login/", fields)
		if p.status < 400 || p.status >= 500 {
			t.Errorf("%s: status %d", name, p.status)
		}
	}
	huge := b.do(http.MethodPost, "/staff/login/", strings.NewReader("email="+strings.Repeat("a", 2<<20)), "application/x-www-form-urlencoded")
	if huge.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MiB form answered %d, want 413", huge.status)
	}
	odd := b.do(http.MethodPost, "/staff/login/", strings.NewReader("%zz"), "application/x-www-form-urlencoded")
	if odd.status != http.StatusBadRequest && odd.status != http.StatusForbidden {
		t.Errorf("a malformed form answered %d", odd.status)
	}
	if p := b.get("/superadmin/users/abc/edit/"); p.status != http.StatusNotFound && p.status != http.StatusFound {
		t.Errorf("a non-numeric user id answered %d", p.status)
	}
}

func TestAccountTypeAndRightsRedirects(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		if err := (&seed.Seeder{DB: s.App.DB, Now: s.Clock.Now}).AllRoles(context.Background()); err != nil {
			t.Fatal(err)
		}
		createStaff(t, s, "agent@example.com", nil, [2]string{"tts", "Asset Manager"})
		staff := newBrowser(t, s)
		staff.signIn("agent@example.com").expect(t, http.StatusFound)
		if p := staff.get("/profile-settings/"); p.location() != "/staff/settings/profile/" {
			t.Errorf("a staff token on an employee page went to %q", p.location())
		}
		admin := staff.get("/staff/agent-management/").expect(t, http.StatusFound)
		if admin.location() != "/staff/settings/profile/" || staff.cookie("authd_flash") != "admin-only" {
			t.Errorf("missing admin rights went to %q with flash %q", admin.location(), staff.cookie("authd_flash"))
		}
		profile := staff.get("/staff/settings/profile/").expect(t, http.StatusOK)
		if !strings.Contains(profile.body, "You do not have permission to access that page.") {
			t.Error("the profile page does not show the rights toast")
		}
		if p := staff.get("/api/v1/hdts/user-management/pending/").expect(t, http.StatusForbidden); p.title() != "Access Denied" {
			t.Errorf("pending page without rights: %q", p.title())
		}
		if p := staff.get("/staff/role-management/"); p.location() != "/staff/settings/profile/" || staff.cookie("authd_flash") != "no-systems" {
			t.Errorf("role management without admin rights went to %q with flash %q", p.location(), staff.cookie("authd_flash"))
		}
		if p := staff.get("/staff/settings/profile/"); !strings.Contains(p.body, "No systems are assigned to your account. Please contact support.") {
			t.Error("the profile page does not show the no-systems toast")
		}

		// An employee token on a staff page goes to the employee profile.
		employee := s.Client()
		employee.Post("/api/v1/hdts/employees/api/register/", apptest.JSON(map[string]any{
			"email": "emp@example.com", "password": password, "first_name": "Em", "last_name": "Ployee"})).Expect(t, http.StatusCreated)
		if _, err := s.App.DB.NewUpdate().Model((*model.Employee)(nil)).Set("status = ?", model.StatusApproved).
			Where("email_normalized = ?", "emp@example.com").Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		login := employee.Post("/api/v1/hdts/employees/api/login/", apptest.JSON(map[string]any{"email": "emp@example.com", "password": password}))
		login.Expect(t, http.StatusOK)
		eb := newBrowser(t, s)
		u, _ := url.Parse(s.URL)
		eb.client.Jar.SetCookies(u, []*http.Cookie{{Name: "access_token", Value: login.String("access"), Path: "/"}})
		if p := eb.get("/staff/settings/profile/"); p.location() != "/profile-settings/" {
			t.Errorf("an employee token on a staff page went to %q", p.location())
		}
		if p := eb.get("/login/"); p.status != http.StatusFound || p.location() != s.App.Config.SystemURL("hdts") {
			t.Errorf("a signed-in employee on /login/ got %d to %q", p.status, p.location())
		}
		eb.get("/profile-settings/").expect(t, http.StatusOK)
	})
}

func TestExternalCaptchaWidgetAppearsWhenRequired(t *testing.T) {
	s := newServer(t, "sqlite", map[string]string{"AUTHD_CAPTCHA_PROVIDER": "hcaptcha",
		"AUTHD_CAPTCHA_SITE_KEY": "site-key-for-tests", "AUTHD_CAPTCHA_SECRET_KEY": "secret-for-tests"})
	b := newBrowser(t, s)
	first := b.get("/staff/login/").expect(t, http.StatusOK)
	if strings.Contains(first.body, "g-recaptcha") {
		t.Error("a widget is shown before any failure")
	}
	if !strings.Contains(first.header.Get("Content-Security-Policy"), "hcaptcha.com") {
		t.Errorf("the CSP does not allow the provider: %q", first.header.Get("Content-Security-Policy"))
	}
	api := s.Client()
	for i := 0; i < 3; i++ {
		api.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "ghost@example.com", "password": "wrong-password"}))
	}
	later := b.get("/staff/login/").expect(t, http.StatusOK)
	if !strings.Contains(later.body, `class="g-recaptcha" data-sitekey="site-key-for-tests"`) {
		t.Errorf("no widget after three failures: %.400s", later.body)
	}
	if !strings.Contains(later.body, `"recaptcha_enabled":true`) && !strings.Contains(later.body, `"recaptcha_enabled": true`) {
		t.Error("the page config does not enable the widget")
	}
	if !strings.Contains(later.body, `<script src="https://js.hcaptcha.com/1/api.js" async defer></script>`) {
		t.Error("the widget script is not loaded")
	}
	if strings.Contains(first.body, `<script src="https://js.hcaptcha.com`) {
		t.Error("the widget script loads before it is needed")
	}
}

func TestClassicFormsOfProfileRegistrationAndPortal(t *testing.T) {
	s := newServer(t, "sqlite", nil)
	createStaff(t, s, "classic@example.com", nil, [2]string{"ams", "Operator"})
	createStaff(t, s, "super@example.com", func(n *accounts.NewUser) { n.IsSuperuser = true })
	b := newBrowser(t, s)
	b.signIn("classic@example.com").expect(t, http.StatusFound)
	empty := b.get("/staff/settings/profile/").expect(t, http.StatusOK)
	if !strings.Contains(empty.body, `<span id="display-department">Not set</span>`) {
		t.Error("the profile card leaves the empty department blank")
	}
	saved := b.post("/staff/settings/profile/", url.Values{"username": {"classic.user"}}).expect(t, http.StatusFound)
	if saved.location() != "/staff/settings/profile/" {
		t.Errorf("profile form went to %q", saved.location())
	}
	if p := b.get("/staff/settings/profile/"); !strings.Contains(p.body, "Profile updated successfully.") || !strings.Contains(p.body, `value="classic.user"`) {
		t.Error("the saved username or its toast is missing")
	}
	restricted := b.post("/staff/settings/profile/", url.Values{"first_name": {"Mallory"}}).expect(t, http.StatusForbidden)
	if !strings.Contains(restricted.body, "You can only update") {
		t.Error("the restricted-field refusal is not shown")
	}

	e := newBrowser(t, s)
	e.get("/register/").expect(t, http.StatusOK)
	missing := e.post("/register/", url.Values{"password": {password}}).expect(t, http.StatusBadRequest)
	if !strings.Contains(missing.body, "This field is required.") {
		t.Error("the missing e-mail is not reported")
	}
	created := e.post("/api/v1/hdts/register/", url.Values{"email": {"form.employee@example.com"}, "password": {password},
		"first_name": {"Form"}, "last_name": {"Employee"}}).expect(t, http.StatusFound)
	if created.location() != "/login/" {
		t.Errorf("registration went to %q", created.location())
	}
	var status string
	if err := s.App.DB.NewSelect().Model((*model.Employee)(nil)).Column("status").Where("email_normalized = ?", "form.employee@example.com").
		Scan(context.Background(), &status); err != nil || status != model.StatusPending {
		t.Errorf("the form registration stored status %q (%v)", status, err)
	}

	p := newBrowser(t, s)
	p.get("/superadmin/login/").expect(t, http.StatusOK)
	bad := p.post("/superadmin/login/", url.Values{"email": {"super@example.com"}, "password": {"nope-nope-nope"}}).expect(t, http.StatusUnauthorized)
	if !strings.Contains(bad.body, "Invalid email or password") {
		t.Error("the portal form does not show the refusal")
	}
	if got := p.get("/superadmin/login/?error=Session+expired").body; !strings.Contains(got, "Session expired") {
		t.Error("?error= is not shown")
	}
	in := p.post("/superadmin/login/", url.Values{"email": {"super@example.com"}, "password": {password}}).expect(t, http.StatusFound)
	if in.location() != "/superadmin/" {
		t.Errorf("portal sign-in went to %q", in.location())
	}
	if got := p.get("/superadmin/").expect(t, http.StatusOK).title(); got != "Dashboard" {
		t.Errorf("dashboard title %q", got)
	}
	p.post("/superadmin/logout/", url.Values{}).expect(t, http.StatusFound)
	if p.get("/superadmin/").status != http.StatusFound {
		t.Error("the portal session survived logout")
	}
}

// BenchmarkSignInPageThroughApp measures GET /staff/login/ through authd's
// whole handler chain on SQLite: middleware, the token check, the CAPTCHA
// status query, CSRF cookie and rendering.
func BenchmarkSignInPageThroughApp(b *testing.B) {
	s := apptest.New(b, "sqlite", nil)
	handler := s.App.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/staff/login/", nil)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkTransparentRefresh measures a page request whose access token
// has expired: the refresh rotation runs and the page is served.
func BenchmarkTransparentRefresh(b *testing.B) {
	s := newServerTB(b)
	handler := s.App.Handler()
	client := s.Client()
	client.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "bench@example.com", "password": password})).Expect(b, http.StatusOK)
	refresh := client.Cookie("refresh_token")
	s.Clock.Advance(s.App.Config.Tokens.AccessLifetime + time.Second)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/api/v1/users/welcome/", nil)
		req.AddCookie(&http.Cookie{Name: "refresh_token", Value: refresh})
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		for _, c := range w.Result().Cookies() {
			if c.Name == "refresh_token" {
				refresh = c.Value
			}
		}
	}
}

func newServerTB(b *testing.B) *apptest.Server {
	s := apptest.New(b, "sqlite", nil)
	if err := (&seed.Seeder{DB: s.App.DB, Now: s.Clock.Now}).AllRoles(context.Background()); err != nil {
		b.Fatal(err)
	}
	n := &accounts.NewUser{Email: "bench@example.com", Password: password, Status: model.StatusApproved, IsActive: true}
	err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := s.App.Accounts.CreateUser(ctx, tx, n, nil)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func TestFormSignInWithCodeInOneStep(t *testing.T) {
	s := newServer(t, "sqlite", nil)
	createStaff(t, s, "inline@example.com", nil, [2]string{"tts", "Admin"})
	api := s.Client()
	api.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "inline@example.com", "password": password})).Expect(t, http.StatusOK)
	setup := api.Post("/api/v1/users/2fa/totp/setup/", apptest.JSON(map[string]any{"password": password}))
	code, _ := totp.GenerateCode(setup.String("secret"), s.Clock.Now())
	api.Post("/api/v1/users/2fa/totp/confirm/", apptest.JSON(map[string]any{"otp_code": code})).Expect(t, http.StatusOK)
	s.Clock.Advance(30 * time.Second)

	b := newBrowser(t, s)
	b.get("/staff/login/")
	wrong := b.post("/staff/login/", url.Values{"email": {"inline@example.com"}, "password": {password}, "otp_code": {"000000"}})
	wrong.expect(t, http.StatusBadRequest)
	if !strings.Contains(wrong.body, "Invalid OTP code. Please check your code and try again.") {
		t.Errorf("a wrong inline code is not reported: %.300s", wrong.body)
	}
	code, _ = totp.GenerateCode(setup.String("secret"), s.Clock.Now())
	ok := b.post("/staff/login/", url.Values{"email": {"inline@example.com"}, "password": {password}, "otp_code": {code}})
	if ok.status != http.StatusFound || ok.location() != "/api/v1/users/welcome/" {
		t.Errorf("an inline code answered %d to %q", ok.status, ok.location())
	}
}

func TestCrossOriginFormPostGetsTheForbiddenPage(t *testing.T) {
	s := newServer(t, "sqlite", nil)
	b := newBrowser(t, s)
	b.get("/staff/login/")
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/staff/login/", strings.NewReader(url.Values{
		"email": {"x@example.com"}, "password": {"y"}, "csrfmiddlewaretoken": {b.cookie("csrftoken")}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "<title>Access Denied</title>") {
		t.Errorf("a cross-origin form post answered %d: %.300s", res.StatusCode, body)
	}
}
