package browsertest

import (
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/accounts"
)

// unlabeledScript lists the form controls a screen reader could not name,
// plus page-level problems: a missing lang attribute or not exactly one h1.
const unlabeledScript = `(() => {
	const problems = [];
	if (!document.documentElement.lang) problems.push("html has no lang");
	if (document.querySelectorAll("h1").length !== 1) problems.push(document.querySelectorAll("h1").length + " h1 elements");
	document.querySelectorAll("input, select, textarea").forEach(el => {
		if (el.type === "hidden") return;
		const named = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
		if (!named) problems.push((el.id || el.name || el.outerHTML.slice(0, 60)) + " has no label");
	});
	document.querySelectorAll("button").forEach(b => {
		if (!b.textContent.trim() && !b.getAttribute("aria-label")) problems.push("a button without a name: " + b.outerHTML.slice(0, 60));
	});
	document.querySelectorAll("img").forEach(img => {
		if (!img.hasAttribute("alt")) problems.push("an image without alt: " + img.outerHTML.slice(0, 60));
	});
	return problems;
})()`

func TestPagesNameEveryControl(t *testing.T) {
	s := NewServer(t, nil)
	u := CreateStaff(t, s, "a11y@example.com", func(n *accounts.NewUser) { n.IsSuperuser = true })
	Assign(t, s, u.ID, "tts", "Admin")
	Assign(t, s, u.ID, "hdts", "Admin")
	b := Start(t, s)

	public := []string{"/staff/login/", "/login/", "/register/", "/verify-otp/", "/reset-password/?token=x",
		"/api/v1/users/password/reset/?token=x", "/email/confirm/?token=x", "/superadmin/login/", "/no-such-page/"}
	check := func(path string) {
		t.Helper()
		b.Open(path)
		b.WaitFor("the page scripts", `document.readyState === "complete"`)
		if problems := Eval[[]string](b, unlabeledScript); len(problems) > 0 {
			t.Errorf("%s: %s", path, strings.Join(problems, "; "))
		}
	}
	for _, path := range public {
		check(path)
	}

	b.Open("/staff/login/")
	signIn(b, "a11y@example.com")
	b.WaitPath("/api/v1/users/welcome/")
	for _, path := range []string{"/api/v1/users/welcome/", "/staff/settings/profile/", "/staff/settings/security/",
		"/staff/password-change/", "/staff/agent-management/", "/staff/invite-agent/", "/staff/role-management/",
		"/api/v1/tts/manage-assignments/", "/assign-role/", "/api/v1/hdts/user-management/pending/", "/staff/api-keys/",
		"/staff/jobs/"} {
		check(path)
	}

	b.Open("/staff/jobs/")
	b.WaitFor("the job list", `document.getElementById("jobTotal").textContent === "0" && !document.getElementById("jobsEmpty").hidden`)
	if got := b.Title(); got != "Delivery Jobs" {
		t.Errorf("staff jobs title %q", got)
	}

	b.Open("/superadmin/login/")
	portalSignIn(b, "a11y@example.com")
	b.WaitFor("the dashboard", `document.title === "Dashboard"`)
	for _, path := range []string{"/superadmin/", "/superadmin/users/", "/superadmin/users/create/",
		"/superadmin/users/import/", "/superadmin/api-keys/", "/superadmin/jobs/"} {
		check(path)
	}
}
