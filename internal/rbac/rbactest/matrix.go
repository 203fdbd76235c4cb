package rbactest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/invitations"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
)

var counter atomic.Int64

// Unique returns prefix followed by a number no earlier call returned.
func Unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, counter.Add(1)) }

// Fresh creates new objects for matrix cases that change or delete them,
// so every caller acts on its own copy.
type Fresh struct {
	T testing.TB
	W *World
}

// System creates a system with its Admin role.
func (f Fresh) System() *model.System {
	f.T.Helper()
	name, slug := Unique("System "), Unique("sys")
	var sys *model.System
	f.tx(func(ctx context.Context, tx bun.Tx) (err error) {
		sys, err = f.W.S.App.RBAC.CreateSystem(ctx, tx, nil, rbac.SystemInput{Name: &name, Slug: &slug})
		return err
	})
	return sys
}

// Role creates a custom tts role.
func (f Fresh) Role() *model.Role {
	f.T.Helper()
	var role *model.Role
	f.tx(func(ctx context.Context, tx bun.Tx) (err error) {
		role, err = f.W.S.App.RBAC.CreateRole(ctx, tx, nil, f.W.TTS, Unique("Role "), nil, true)
		return err
	})
	return role
}

// User creates a staff user without assignments.
func (f Fresh) User() *model.User {
	f.T.Helper()
	return f.W.User(f.T, Unique("member")+"@example.com", nil)
}

// Member creates a staff user with the tts Agent role and returns the
// assignment.
func (f Fresh) Member() *model.Assignment {
	f.T.Helper()
	return f.W.Assign(f.T, f.User(), f.W.TTS, f.W.TTSAgent, true)
}

// Invited invites a new address to the tts Agent role and returns it.
func (f Fresh) Invited() string {
	f.T.Helper()
	email := Unique("invitee") + "@example.com"
	f.tx(func(ctx context.Context, tx bun.Tx) error {
		_, err := f.W.S.App.Invites.Invite(ctx, tx, nil, rbac.Scope{All: true}, invitations.Params{Email: email, RoleID: f.W.TTSAgent.ID})
		return err
	})
	return email
}

func (f Fresh) tx(fn func(ctx context.Context, tx bun.Tx) error) {
	f.T.Helper()
	if err := f.W.S.App.DB.InTx(context.Background(), fn); err != nil {
		f.T.Fatal(err)
	}
}

// Row is one route of a permission matrix. Request builds the path and
// body, creating fresh objects when the call changes them. Want maps
// caller names (see World.Callers) to the expected status; callers left
// out get Default, or DefaultStatus when Default is nil.
type Row struct {
	Name    string
	Method  string
	Request func(f Fresh) (path string, body any)
	Want    map[string]int
	Default func(caller string) int
	Header  []string // header pairs ("Name", "value", ...) sent with the request
}

// Fixed returns a Request that always sends path and body.
func Fixed(path string, body any) func(Fresh) (string, any) {
	return func(Fresh) (string, any) { return path, body }
}

// Public is the Default of a route anyone may call.
func Public(string) int { return http.StatusOK }

// DefaultStatus is the status of a caller a token route does not name: no
// credentials, or a key on a route that takes no keys, is a 401, and any
// other account a 403.
func DefaultStatus(caller string) int {
	if caller == "anonymous" || strings.HasPrefix(caller, "key ") {
		return http.StatusUnauthorized
	}
	return http.StatusForbidden
}

// RunMatrix sends every row as every caller and checks the status, and
// the body of the standard refusals: employees on staff routes get
// wrong_user_type, callers without credentials not_authenticated or
// api_key_required, keys without the scope insufficient_scope.
func RunMatrix(t *testing.T, w *World, rows []Row) {
	t.Helper()
	callers := w.Callers(t)
	f := Fresh{T: t, W: w}
	for _, row := range rows {
		for caller, client := range callers {
			want := DefaultStatus(caller)
			if row.Default != nil {
				want = row.Default(caller)
			}
			if status, ok := row.Want[caller]; ok {
				want = status
			}
			path, body := row.Request(f)
			var resp *apptest.Response
			if body == nil {
				resp = client.Do(row.Method, path, nil, row.Header...)
			} else {
				b := apptest.JSON(body)
				resp = client.Do(row.Method, path, &b, row.Header...)
			}
			if resp.Status != want {
				t.Errorf("%s as %s: %s %s = %d, want %d; body %s", row.Name, caller, row.Method, path, resp.Status, want, resp.Body)
				continue
			}
			checkRefusal(t, row.Name, caller, resp)
		}
	}
}

func checkRefusal(t *testing.T, row, caller string, resp *apptest.Response) {
	t.Helper()
	code := resp.String("code")
	switch {
	case caller == "employee" && resp.Status == http.StatusForbidden && code != "wrong_user_type":
		t.Errorf("%s as employee: code %q, want wrong_user_type", row, code)
	case resp.Status == http.StatusUnauthorized && code != "not_authenticated" && code != "api_key_required":
		t.Errorf("%s as %s: 401 code %q", row, caller, code)
	case strings.HasPrefix(caller, "key ") && resp.Status == http.StatusForbidden && code != "insufficient_scope":
		t.Errorf("%s as %s: 403 code %q, want insufficient_scope", row, caller, code)
	}
}
