package accounts_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
)

// noGuardEnv turns CAPTCHA escalation off and raises the per-address
// throttle, so tests can count ten failures from one client.
var noGuardEnv = map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none", "AUTHD_THROTTLE_LOGIN_IP_MAX": "1000"}

// execSQL runs a statement against the test database.
func execSQL(t *testing.T, s *apptest.Server, query string, args ...any) {
	t.Helper()
	if _, err := s.App.DB.NewRaw(query, args...).Exec(context.Background()); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// countRows returns the single integer a query selects.
func countRows(t *testing.T, s *apptest.Server, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.App.DB.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// readUser reads a user back from the database.
func readUser(t *testing.T, s *apptest.Server, id int64) *model.User {
	t.Helper()
	u := &model.User{}
	if err := s.App.DB.NewSelect().Model(u).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatalf("load user %d: %v", id, err)
	}
	return u
}

// expectBody fails unless the response has status and a JSON object body
// with exactly the keys and values of want.
func expectBody(t *testing.T, r *apptest.Response, status int, want map[string]any) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d; body %s", r.Status, status, r.Body)
		return
	}
	var got map[string]any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Errorf("body %q is not a JSON object: %v", r.Body, err)
		return
	}
	wantJSON, _ := json.Marshal(want)
	var normalized map[string]any
	json.Unmarshal(wantJSON, &normalized)
	if !reflect.DeepEqual(got, normalized) {
		t.Errorf("body %s, want %s", strings.TrimSpace(string(r.Body)), wantJSON)
	}
}

// loginAPIError is the login/api failure body with one non-field error.
func loginAPIError(message string) map[string]any {
	return map[string]any{"success": false, "otp_required": false, "errors": map[string]any{"non_field_errors": []string{message}}}
}

// tokenError is the /token/ family's failure body with one non-field error.
func tokenError(message string) map[string]any {
	return map[string]any{"non_field_errors": []string{message}}
}
