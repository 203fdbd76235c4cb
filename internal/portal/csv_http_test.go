package portal_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/passwords"
)

// importFile posts a CSV file to users/import/.
func importFile(c *apptest.Client, name string, data []byte, fields map[string]string) *apptest.Response {
	return c.Post("/superadmin/api/users/import/", apptest.Multipart(fields, apptest.File{Field: "file", Name: name, Data: data}))
}

func importError(t *testing.T, c *apptest.Client, name string, data []byte, want string) {
	t.Helper()
	got := importFile(c, name, data, nil).Expect(t, http.StatusBadRequest)
	if got.String("error") != want {
		got.Errorf(t, "import error = %q, want %q", got.String("error"), want)
	}
}

// rowErrors returns the errors list of an import response.
func rowErrors(r *apptest.Response) []string {
	var out []string
	list, _ := r.Get("errors").([]any)
	for _, e := range list {
		out = append(out, e.(string))
	}
	return out
}

var exportName = regexp.MustCompile(`^attachment; filename="users_export_\d{8}_\d{6}\.csv"$`)

func TestPortalImportExportRoundTrip(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		c := login(t, s, "root@example.com")
		file := "\xef\xbb\xbfEmail,Username,Password,First_Name,Middle_Name,Last_Name,Suffix,Phone_Number,Department,Status,Is_Active,Is_Staff,Notes\n" +
			"ana@example.com,ana,Quiet-Meadow-Falcon-7,Ana,María,Reyes,Jr.,+639171234567,IT Department,Approved,True,False,ignored\n" +
			"ben@example.com,,,Ben,,\"Cruz, Jr\",,,,,false,true\n" +
			"cara@example.com,cara,,Cara,,Lim,,'+15551234567,,Pending,,\n"
		imported := importFile(c, "people.CSV", []byte(file), map[string]string{"send_invites": "true"}).Expect(t, http.StatusOK)
		if imported.String("message") != "3 users imported successfully" || imported.Get("created") != float64(3) || len(rowErrors(imported)) != 0 {
			imported.Errorf(t, "import of three good rows")
		}
		ana, err := accounts.UserByEmail(t.Context(), s.App.DB, "ana@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if !passwords.IsUsable(ana.Password) || ana.MiddleName == nil || *ana.MiddleName != "María" || ana.Status != "Approved" || ana.IsStaff {
			t.Errorf("ana imported as %+v", ana)
		}
		ben, _ := accounts.UserByEmail(t.Context(), s.App.DB, "ben@example.com")
		if passwords.IsUsable(ben.Password) || ben.IsActive || !ben.IsStaff || ben.LastName != "Cruz, Jr" {
			t.Errorf("ben imported as %+v", ben)
		}
		if count(t, s, "password_tokens", "subject_id = ? AND purpose = 'invite'", ben.ID) != 1 {
			t.Errorf("send_invites did not invite an account without a password")
		}
		if count(t, s, "password_tokens", "subject_id = ?", ana.ID) != 0 {
			t.Errorf("an account with a password was invited")
		}
		cara, _ := accounts.UserByEmail(t.Context(), s.App.DB, "cara@example.com")
		if cara.PhoneNumber == nil || *cara.PhoneNumber != "+15551234567" {
			t.Errorf("escaped phone number imported as %v", cara.PhoneNumber)
		}

		export := c.Get("/superadmin/api/users/export/").Expect(t, http.StatusOK)
		if export.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !exportName.MatchString(export.Header.Get("Content-Disposition")) {
			t.Errorf("export headers = %v", export.Header)
		}
		wantName := fmt.Sprintf(`filename="users_export_%s.csv"`, s.Clock.Now().UTC().Format("20060102_150405"))
		if !strings.Contains(export.Header.Get("Content-Disposition"), wantName) {
			t.Errorf("export file name %q, want %s", export.Header.Get("Content-Disposition"), wantName)
		}
		records, err := csv.NewReader(bytes.NewReader(export.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		header := strings.Join(records[0], ",")
		if header != "id,email,username,first_name,middle_name,last_name,suffix,phone_number,company_id,department,status,is_active,is_staff,is_superuser,is_locked,otp_enabled,date_joined,last_login" {
			t.Errorf("export header = %s", header)
		}
		if len(records) != 5 {
			t.Fatalf("export has %d rows, want 5", len(records))
		}
		row := map[string]string{}
		for i, column := range records[0] {
			row[column] = records[2][i]
		}
		if row["email"] != "ana@example.com" || row["phone_number"] != "'+639171234567" || row["is_active"] != "True" || row["is_staff"] != "False" ||
			row["last_login"] != "" || !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$`).MatchString(row["date_joined"]) {
			t.Errorf("ana exported as %v", row)
		}
		if count(t, s, "audit_events", "event IN ('portal.import', 'portal.export')") != 2 {
			t.Errorf("import and export not audited")
		}

		// The export imports into an empty installation with the same accounts.
		fresh := apptest.New(t, s.App.DB.Driver, nil)
		newUser(t, fresh, "root@example.com", true, nil)
		other := login(t, fresh, "root@example.com")
		again := importFile(other, "users_export.csv", export.Body, nil).Expect(t, http.StatusOK)
		errs := rowErrors(again)
		if again.Get("created") != float64(3) || len(errs) != 1 || !strings.HasPrefix(errs[0], "Row 2: Email already exists") {
			again.Errorf(t, "re-import of the export")
		}
		second := other.Get("/superadmin/api/users/export/").Expect(t, http.StatusOK)
		reread, _ := csv.NewReader(bytes.NewReader(second.Body)).ReadAll()
		for i := 1; i < len(reread); i++ {
			for _, column := range []int{1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12} {
				if reread[i][column] != records[i][column] {
					t.Errorf("round trip changed %s of row %d: %q, was %q", records[0][column], i, reread[i][column], records[i][column])
				}
			}
		}
	})
}

func TestPortalImportRejectsBadFiles(t *testing.T) {
	apptest.EachDialect(t, map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none"}, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		newUser(t, s, "existing@example.com", false, nil)
		c := login(t, s, "root@example.com")

		missing := c.Post("/superadmin/api/users/import/", apptest.Multipart(map[string]string{"send_invites": "true"})).Expect(t, http.StatusBadRequest)
		if missing.String("error") != "No file uploaded" {
			missing.Errorf(t, "no file")
		}
		c.Post("/superadmin/api/users/import/", apptest.JSON(map[string]any{"file": "email\n"})).Expect(t, http.StatusBadRequest)
		importError(t, c, "people.xlsx", []byte("email\nx@example.com\n"), "File must be a CSV")
		importError(t, c, "latin1.csv", []byte("email,first_name\nz@example.com,Jos\xe9\n"), "File must be UTF-8 encoded text")
		importError(t, c, "nul.csv", []byte("email\nz@example.com\x00\n"), "File must be UTF-8 encoded text")
		importError(t, c, "empty.csv", []byte(""), "The CSV file is empty")
		importError(t, c, "noemail.csv", []byte("first_name,last_name\nA,B\n"), "The CSV header must contain an email column")
		importError(t, c, "quotes.csv", []byte("email,first_name\nq@example.com,\"open\n"), `The file is not valid CSV: parse error on line 2, column 21: extraneous or missing " in quoted-field`)

		var many strings.Builder
		many.WriteString("email\n")
		for i := range 10001 {
			fmt.Fprintf(&many, "user%d@example.com\n", i)
		}
		importError(t, c, "many.csv", []byte(many.String()), "The CSV file has more than 10000 rows")
		if count(t, s, "users", "email_normalized LIKE 'user%'") != 0 {
			t.Errorf("a rejected file created users")
		}
		huge := bytes.Repeat([]byte("a"), 6<<20)
		importFile(c, "huge.csv", append([]byte("email\n"), huge...), nil).Expect(t, http.StatusRequestEntityTooLarge)

		rows := "email,first_name,last_name,username,phone_number,password,is_active\n" +
			"ok@example.com,Ok,Row,,,,\n" +
			"=cmd|' /C calc'!A0@example.com,,,,,,\n" +
			"formula@example.com,\"=HYPERLINK(\"\"http://x\"\")\",,,,,\n" +
			"at@example.com,,@SUM(1),,,,\n" +
			"OK@example.com,Dup,,,,,\n" +
			"existing@example.com,,,,,,\n" +
			"bad-email,,,,,,\n" +
			"weak@example.com,,,,,password,\n" +
			"flag@example.com,,,,,,perhaps\n" +
			"phone@example.com,,,,12,,\n" +
			",,,,,,\n" +
			"plus@example.com,'+not a formula,,,,,\n"
		result := importFile(c, "rows.csv", []byte(rows), nil).Expect(t, http.StatusOK)
		want := []string{
			"Row 3: email must not start with =, +, - or @",
			"Row 4: first_name must not start with =, +, - or @",
			"Row 5: last_name must not start with =, +, - or @",
			"Row 6: Email appears more than once in the file (first on row 2)",
			"Row 7: Email already exists",
			"Row 8: email: Enter a valid email address.",
			"Row 9: Password is too common.",
			"Row 10: is_active: Must be a valid boolean.",
			"Row 11: phone_number: Phone number must be in E.164 format (e.g., +15551234567) or local format (09XXXXXXXXX).",
			"Row 12: Email is required",
		}
		got := rowErrors(result)
		if result.Get("created") != float64(2) || strings.Join(got, "\n") != strings.Join(want, "\n") {
			result.Errorf(t, "row errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		plus, err := accounts.UserByEmail(t.Context(), s.App.DB, "plus@example.com")
		if err != nil || plus.FirstName != "+not a formula" {
			t.Errorf("an escaped cell was not unescaped: %+v %v", plus, err)
		}
		if count(t, s, "users", "email_normalized = 'formula@example.com'") != 0 {
			t.Errorf("a formula row was created")
		}
	})
}
