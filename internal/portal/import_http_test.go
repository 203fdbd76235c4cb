package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
)

// rowPassword is the password of data row i in the generated files: each
// row gets its own, so a hash stored for the wrong row does not verify.
func rowPassword(i int) string { return fmt.Sprintf("Quiet-Meadow-Falcon-%d", i) }

// checkPassword fails the test unless the account of email stores a hash
// of password.
func checkPassword(t *testing.T, s *apptest.Server, email, password string) {
	t.Helper()
	u, err := accounts.UserByEmail(t.Context(), s.App.DB, email)
	if err != nil {
		t.Errorf("load %s: %v", email, err)
		return
	}
	ok, _, err := s.App.Hasher.Verify(t.Context(), u.Password, password, u.PasswordNFC)
	if err != nil || !ok {
		t.Errorf("%s stores %.30q, which does not verify %q: %v", email, u.Password, password, err)
	}
}

func TestImportErrorsStayInRowOrder(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		c := login(t, s, "root@example.com")

		// Good rows with passwords surround the rejected ones, so the
		// hashes of several rows are computed at once and the errors of
		// rows rejected before and after hashing interleave.
		var file strings.Builder
		file.WriteString("email,password,first_name\n")
		var want []string
		passwordOf := map[string]string{}
		for i := range 60 {
			row := i + 2
			email := fmt.Sprintf("order%d@example.com", i)
			switch i % 10 {
			case 1:
				fmt.Fprintf(&file, "%s,password,Weak\n", email)
				want = append(want, fmt.Sprintf("Row %d: Password is too common.", row))
			case 3:
				newUser(t, s, fmt.Sprintf("existing%d@example.com", i), false, nil)
				fmt.Fprintf(&file, "EXISTING%d@example.com,%s,Taken\n", i, rowPassword(i))
				want = append(want, fmt.Sprintf("Row %d: Email already exists", row))
			case 4:
				fmt.Fprintf(&file, "order%d@example.com,%s,Again\n", i-4, rowPassword(i))
				want = append(want, fmt.Sprintf("Row %d: Email appears more than once in the file (first on row %d)", row, row-4))
			case 6:
				fmt.Fprintf(&file, "not-an-email-%d,%s,Bad\n", i, rowPassword(i))
				want = append(want, fmt.Sprintf("Row %d: email: Enter a valid email address.", row))
			case 7:
				fmt.Fprintf(&file, "%s,%s,=SUM(A1)\n", email, rowPassword(i))
				want = append(want, fmt.Sprintf("Row %d: first_name must not start with =, +, - or @", row))
			case 8:
				fmt.Fprintf(&file, "%s,,NoPassword\n", email)
				passwordOf[email] = ""
			default:
				fmt.Fprintf(&file, "%s,%s,Good\n", email, rowPassword(i))
				passwordOf[email] = rowPassword(i)
			}
		}

		result := importFile(c, "order.csv", []byte(file.String()), nil).Expect(t, http.StatusOK)
		got := rowErrors(result)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			result.Errorf(t, "row errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if result.Get("created") != float64(len(passwordOf)) {
			result.Errorf(t, "created = %v, want %d", result.Get("created"), len(passwordOf))
		}
		for email, password := range passwordOf {
			if password != "" {
				checkPassword(t, s, email, password)
			}
		}
		checkPassword(t, s, "existing3@example.com", testPassword)
	})
}

func TestImportDuplicateEmailCreatesOneRow(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		c := login(t, s, "root@example.com")
		file := "email,password\n" +
			"twin@example.com," + rowPassword(1) + "\n" +
			"Twin@Example.com," + rowPassword(2) + "\n"

		result := importFile(c, "twins.csv", []byte(file), nil).Expect(t, http.StatusOK)
		got := rowErrors(result)
		want := "Row 3: Email appears more than once in the file (first on row 2)"
		if len(got) != 1 || got[0] != want {
			result.Errorf(t, "row errors = %q, want [%q]", got, want)
		}
		if result.Get("created") != float64(1) {
			result.Errorf(t, "created = %v, want 1", result.Get("created"))
		}
		if n := count(t, s, "users", "email_normalized = ?", model.NormalizeEmail("twin@example.com")); n != 1 {
			t.Errorf("%d accounts for the repeated e-mail, want 1", n)
		}
		checkPassword(t, s, "twin@example.com", rowPassword(1))
	})
}

func TestImportStopsWhenClientCancels(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		loggedIn := s.Client().Post("/superadmin/api/login/", apptest.JSON(map[string]any{"email": "root@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		cookies := loggedIn.SetCookies()
		if cookies[httpx.AdminCookie] == nil || cookies[httpx.CSRFCookie] == nil {
			t.Fatalf("portal login set cookies %v", cookies)
		}

		// Rows are written one after another, so this file keeps the import
		// busy long after its first row is created and the request cancelled.
		const rows = 5000
		var file strings.Builder
		file.WriteString("email,password\n")
		for i := range rows {
			fmt.Fprintf(&file, "cancel%d@example.com,%s\n", i, rowPassword(i))
		}
		body := apptest.Multipart(nil, apptest.File{Field: "file", Name: "cancel.csv", Data: []byte(file.String())})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/superadmin/api/users/import/", bytes.NewReader(body.Data))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", body.ContentType)
		req.Header.Set("X-CSRFToken", cookies[httpx.CSRFCookie].Value)
		req.AddCookie(&http.Cookie{Name: httpx.AdminCookie, Value: cookies[httpx.AdminCookie].Value})
		req.AddCookie(&http.Cookie{Name: httpx.CSRFCookie, Value: cookies[httpx.CSRFCookie].Value})
		sent := make(chan error, 1)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			sent <- err
		}()

		waitFor(t, "the first imported row", func() bool { return count(t, s, "users", "email_normalized LIKE 'cancel%'") > 0 })
		cancel()
		if err := <-sent; err == nil {
			t.Fatalf("the cancelled import request returned a response")
		}
		// The handler records the import's audit event last, also when it
		// stops early.
		var event audit.Event
		waitFor(t, "the portal.import audit event", func() bool {
			n, err := s.App.DB.NewSelect().Model(&event).Where("event = 'portal.import'").Limit(1).ScanAndCount(t.Context())
			return err == nil && n == 1
		})

		stoppedAt, _ := event.Details["stopped_at_row"].(float64)
		created, _ := event.Details["created"].(float64)
		if stoppedAt == 0 || created == 0 || created >= rows {
			t.Fatalf("audit details %v: want a stop after at least one created row", event.Details)
		}
		var users []model.User
		if err := s.App.DB.NewSelect().Model(&users).Where("email_normalized LIKE 'cancel%'").Scan(t.Context()); err != nil {
			t.Fatal(err)
		}
		if len(users) != int(created) {
			t.Errorf("%d imported accounts, audit says %v were created", len(users), created)
		}
		// Each row is its own transaction: the rows before the stop are
		// complete accounts and no row after it exists.
		lastRow := 0
		for _, u := range users {
			var i int
			if _, err := fmt.Sscanf(u.Email, "cancel%d@example.com", &i); err != nil {
				t.Fatalf("unexpected imported e-mail %q", u.Email)
			}
			if row := i + 2; row > lastRow {
				lastRow = row
			}
			if !strings.HasPrefix(u.Password, "argon2$argon2id$") || !u.PasswordNFC {
				t.Errorf("%s stores the password %.30q with nfc %v, want an argon2id hash", u.Email, u.Password, u.PasswordNFC)
			}
		}
		if lastRow != len(users)+1 {
			t.Errorf("imported accounts are not rows 2 to %d: the last is row %d", len(users)+1, lastRow)
		}
		if float64(lastRow) > stoppedAt {
			t.Errorf("row %d exists although the import stopped at row %v", lastRow, stoppedAt)
		}
		checkPassword(t, s, "cancel0@example.com", rowPassword(0))
		checkPassword(t, s, fmt.Sprintf("cancel%d@example.com", lastRow-2), rowPassword(lastRow-2))
	})
}

// waitFor polls done until it returns true and fails the test after a
// minute. It waits for work in progress on the server, not for a speed.
func waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	for range 6000 {
		if done() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("waited a minute for %s", what)
}

func TestImportTimeLimitAnswersPartialResult(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		c := login(t, s, "root@example.com")
		s.App.Portal.SetImportTimeLimit(300 * time.Millisecond)

		// Hashing 2,000 passwords takes far longer than the limit on any
		// machine, so the import stops partway.
		const rows = 2000
		var file strings.Builder
		file.WriteString("email,password\n")
		for i := range rows {
			fmt.Fprintf(&file, "late%d@example.com,%s\n", i, rowPassword(i))
		}
		result := importFile(c, "late.csv", []byte(file.String()), nil).Expect(t, http.StatusOK)

		created, _ := result.Get("created").(float64)
		if created >= rows {
			t.Fatalf("created = %v, want fewer than %d rows before the time limit", created, rows)
		}
		errs := rowErrors(result)
		if len(errs) != 1 {
			t.Fatalf("row errors = %q, want only the time-limit stop", errs)
		}
		wantPrefix := fmt.Sprintf("Row %d: the import stopped here at its time limit", int(created)+2)
		if !strings.HasPrefix(errs[0], wantPrefix) {
			t.Errorf("row error = %q, want it to start with %q", errs[0], wantPrefix)
		}
		if n := count(t, s, "users", "email_normalized LIKE 'late%'"); n != int(created) {
			t.Errorf("%d imported accounts, the response says %v", n, created)
		}
	})
}
