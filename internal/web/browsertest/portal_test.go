package browsertest

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/mapactive/authd/internal/accounts"
)

const importCSV = `email,username,password,first_name,middle_name,last_name,suffix,phone_number,department,status,is_active,is_staff
imported.one@example.com,importedone,Quiet-Meadow-Falcon-19,Imogen,,One,,,IT Department,Approved,true,true
imported.two@example.com,importedtwo,,Ivo,,Two,Jr.,,Asset Department,Pending,true,false
not-an-email,broken,,Bad,,Row,,,,Approved,true,false
`

// portalSignIn signs in on the portal page with Password.
func portalSignIn(b *Browser, email string) {
	b.T.Helper()
	b.WaitVisible("#portalLoginForm")
	b.Type("#email", email)
	b.Type("#password", Password)
	b.Click("#portalLoginButton")
}

func TestPortalImportsAndExportsUsers(t *testing.T) {
	s := NewServer(t, nil)
	CreateStaff(t, s, "root@example.com", func(n *accounts.NewUser) { n.IsSuperuser = true; n.FirstName = "Rita" })
	CreateStaff(t, s, "plain@example.com", nil)
	b := Start(t, s)

	// Portal pages send the browser to the portal sign-in with next.
	b.Open("/superadmin/users/")
	b.WaitPath("/superadmin/login/?next=")
	if got := b.Title(); got != "Superuser Login - Admin Portal" {
		t.Errorf("title %q", got)
	}
	b.Type("#password", "shown")
	b.Click("#password-toggle-icon")
	if got := Eval[string](b, `document.getElementById("password").type`); got != "text" {
		t.Errorf("the toggle left the password field as %q", got)
	}
	b.Shot("portal-login")

	// A staff user who is not a superuser is refused after the password.
	b.Open("/superadmin/login/")
	b.Type("#email", "plain@example.com")
	b.Type("#password", Password)
	b.Click("#portalLoginButton")
	b.WaitToast("error", "Access denied. Superuser privileges required.")

	b.Open("/superadmin/login/?next=%2Fsuperadmin%2Fusers%2Fimport%2F")
	portalSignIn(b, "root@example.com")
	b.WaitPath("/superadmin/users/import/")
	if got := b.Text("#expectedColumns"); !strings.HasPrefix(got, "email, username, password") {
		t.Errorf("expected columns %q", got)
	}

	// Import the CSV: two rows are created, the bad one is reported.
	file := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(file, []byte(importCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Do("choose the CSV", chromedp.SetUploadFiles(chromedp.CSS("#importFile"), []string{file}))
	b.Click("#importButton")
	b.WaitVisible("#importResult")
	if got := b.Text("#importMessage"); got != "2 users imported successfully" {
		t.Errorf("import message %q", got)
	}
	if got := b.Text("#importErrors"); !strings.Contains(got, "Row") {
		t.Errorf("the bad row is not reported: %q", got)
	}
	b.Shot("imported")

	// The dashboard counts them; the master list finds them by search.
	b.Open("/superadmin/")
	b.WaitFor("the counts", `document.getElementById("statTotal").textContent === "4"`)
	b.WaitVisible("#newestBody tr")
	b.Shot("dashboard")
	b.Open("/superadmin/users/")
	b.Type("#filterSearch", "imported")
	b.Click(`#userFilters button[type=submit]`)
	b.WaitFor("the filtered list", `document.querySelectorAll("#usersBody tr").length === 2`)
	b.Shot("users-filtered")

	// Bulk-approve the pending import, then lock and unlock it on its edit page.
	b.Click(`tr[data-email="imported.two@example.com"] .rowSelect`)
	b.Do("choose approve", chromedp.SetValue(chromedp.CSS("#bulkAction"), "approve"))
	b.Click("#bulkApply")
	b.WaitToast("success", "1 users approved")
	b.Click(`tr[data-email="imported.two@example.com"] a`)
	b.WaitPath("/superadmin/users/")
	b.WaitFor("the edit form", `document.getElementById("userEmail").value === "imported.two@example.com"`)
	if got := b.Title(); got != "Edit User" {
		t.Errorf("title %q", got)
	}
	b.Click("#lockButton")
	b.WaitToast("success", "User locked.")
	b.WaitVisible("#unlockButton")
	b.Click("#unlockButton")
	b.WaitToast("success", "User unlocked.")
	b.Shot("edit-user")

	// Export through the link: the file holds the imported rows.
	downloads := t.TempDir()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
	cancel()
	if err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	b.Open("/superadmin/users/")
	b.Click("#exportLink")
	exported := waitForDownload(t, downloads)
	if !strings.HasPrefix(filepath.Base(exported), "users_export_") {
		t.Errorf("export file name %q", filepath.Base(exported))
	}
	data, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	emails := map[string][]string{}
	for _, row := range rows[1:] {
		emails[row[1]] = row
	}
	if row := emails["imported.one@example.com"]; row == nil || row[2] != "importedone" || row[9] != "IT Department" {
		t.Errorf("imported.one exported as %q", row)
	}
	if row := emails["imported.two@example.com"]; row == nil || row[10] != "Approved" {
		t.Errorf("imported.two exported as %q", row)
	}
	if len(rows) != 5 {
		t.Errorf("export has %d rows, want a header and 4 users", len(rows))
	}

	b.Open("/superadmin/logout/")
	b.WaitPath("/superadmin/login/")
	b.Open("/superadmin/")
	b.WaitPath("/superadmin/login/?next=")
}

// waitForDownload polls a folder until a finished file appears.
func waitForDownload(t *testing.T, dir string) string {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".crdownload") {
				return filepath.Join(dir, e.Name())
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no download arrived in %s", dir)
	return ""
}

func TestPortalKeysAndJobsPages(t *testing.T) {
	s := NewServer(t, nil)
	CreateStaff(t, s, "keys.root@example.com", func(n *accounts.NewUser) { n.IsSuperuser = true })
	b := Start(t, s)
	b.Open("/superadmin/login/?next=%2Fsuperadmin%2Fapi-keys%2F")
	portalSignIn(b, "keys.root@example.com")
	b.WaitPath("/superadmin/api-keys/")
	b.Type("#keyName", "helpdesk backend")
	b.Click("#scopeEmployees")
	b.Click("#createKeyButton")
	b.WaitVisible("#newKeyBox")
	if key := b.Text("#newKeyValue"); !strings.HasPrefix(key, "authd_") {
		t.Errorf("new key %q", key)
	}
	b.WaitVisible("#keysBody tr")
	b.Shot("api-keys")

	b.Open("/superadmin/jobs/")
	b.WaitFor("the job list", `document.getElementById("jobTotal").textContent !== "" && (!document.getElementById("jobsEmpty").hidden || document.querySelectorAll("#jobsBody tr").length > 0)`)
	if got := b.Title(); got != "Delivery Jobs" {
		t.Errorf("title %q", got)
	}
	b.Shot("jobs")
}
