package invitations_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/invitations"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/onetime"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/rbac/rbactest"
)

const invitePath = "/api/v1/system-roles/invite/"

func TestInviteRejectsBadInput(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		admin := w.Client(t, w.AdminOfTTS)
		if _, err := s.App.DB.NewUpdate().Model((*model.User)(nil)).Set("phone_number = '+639181234567'").Where("id = ?", w.Plain.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name   string
			body   map[string]any
			status int
			field  string
			want   string
		}{
			{"missing e-mail", map[string]any{"role_id": w.TTSAgent.ID}, 400, "email", "This field is required."},
			{"invalid e-mail", map[string]any{"email": "not-an-address", "role_id": w.TTSAgent.ID}, 400, "email", "Enter a valid email address."},
			{"missing role", map[string]any{"email": "a@example.com"}, 400, "role_id", "This field is required."},
			{"unknown role", map[string]any{"email": "a@example.com", "role_id": 999999}, 400, "role_id", "Role does not exist."},
			{"role not an integer", map[string]any{"email": "a@example.com", "role_id": "x"}, 400, "role_id", "A valid integer is required."},
			{"role outside scope", map[string]any{"email": "a@example.com", "role_id": w.HDTSCoordinator.ID}, 403, "error", "Access denied to this system"},
			{"phone taken", map[string]any{"email": "b@example.com", "role_id": w.TTSAgent.ID, "phone_number": "09181234567"}, 400, "phone_number",
				"This phone number is already registered in the system. Please use a different phone number."},
			{"bad suffix", map[string]any{"email": "c@example.com", "role_id": w.TTSAgent.ID, "suffix": "Esq."}, 400, "suffix", `"Esq." is not a valid choice.`},
			{"already in system", map[string]any{"email": "AGENT@example.com", "role_id": w.TTSBoss.ID}, 409, "error",
				"User agent@example.com already has the role 'Agent' in the Ticket Tracking System system. To change their role, please update their existing assignment instead of creating a new invitation."},
		} {
			resp := admin.Post(invitePath, apptest.JSON(c.body)).Expect(t, c.status)
			got := resp.Get(c.field)
			if list, ok := got.([]any); ok && len(list) > 0 {
				got = list[0]
			}
			if got != c.want {
				t.Errorf("%s: %s", c.name, resp.Body)
			}
		}
		n, err := s.App.DB.NewSelect().Model((*model.User)(nil)).Where("email IN (?)", bun.In([]string{"a@example.com", "b@example.com", "c@example.com"})).Count(context.Background())
		if err != nil || n != 0 {
			t.Errorf("rejected invitations created %d accounts (%v)", n, err)
		}
	})
}

func TestConcurrentInvitationsNeverFail(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		clients := []*apptest.Client{w.Client(t, w.Super), w.Client(t, w.AdminOfTTS), w.Client(t, w.Super), w.Client(t, w.AdminOfTTS)}
		statuses := make([]int, len(clients))
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = c.Post(invitePath, apptest.JSON(map[string]any{"email": "race@example.com", "role_id": w.TTSAgent.ID})).Status
			}()
		}
		wg.Wait()
		created := 0
		for _, status := range statuses {
			switch status {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Errorf("concurrent invitation answered %d", status)
			}
		}
		if created != 1 {
			t.Errorf("%d of the concurrent invitations succeeded: %v", created, statuses)
		}
	})
}

func TestResendInvitation(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		admin := w.Client(t, w.AdminOfTTS)
		admin.Post(invitePath, apptest.JSON(map[string]any{"email": "pending@example.com", "role_id": w.TTSAgent.ID})).Expect(t, http.StatusCreated)
		invited := &model.User{}
		if err := s.App.DB.NewSelect().Model(invited).Where("email = 'pending@example.com'").Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		first := inviteTokens(t, s, invited.ID)

		done := admin.Post(invitePath+"resend/", apptest.Form(map[string]string{"email": "Pending@Example.com"})).Expect(t, http.StatusOK)
		if done.String("message") != "Invitation sent." {
			t.Errorf("resend %s", done.Body)
		}
		second := inviteTokens(t, s, invited.ID)
		if len(second) != 1 || len(first) != 1 || second[0] == first[0] {
			t.Errorf("usable invite tokens before %v and after %v a resend", first, second)
		}
		for _, c := range []struct {
			client *apptest.Client
			email  string
		}{
			{w.Client(t, w.AdminOfHDTS), "pending@example.com"}, // outside the caller's scope
			{admin, "agent@example.com"},                        // has a password
			{admin, "nobody@example.com"},
		} {
			resp := c.client.Post(invitePath+"resend/", apptest.JSON(map[string]any{"email": c.email})).Expect(t, http.StatusNotFound)
			if resp.String("error") != "No pending invitation for this email." {
				t.Errorf("%s: %s", c.email, resp.Body)
			}
		}
		admin.Post(invitePath+"resend/", apptest.JSON(map[string]any{})).Expect(t, http.StatusBadRequest)
	})
}

// inviteTokens returns the ids of the usable invite tokens of a user.
func inviteTokens(t *testing.T, s *apptest.Server, userID int64) []int64 {
	t.Helper()
	var ids []int64
	err := s.App.DB.NewSelect().Model((*onetime.Token)(nil)).Column("id").Where("subject_type = 'staff'").Where("subject_id = ?", userID).
		Where("purpose = ?", onetime.Invite).Where("used_at IS NULL").Scan(context.Background(), &ids)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestInviteWithoutRole(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		rbactest.New(t, s)
		var sent bool
		err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			res, err := s.App.Invites.Invite(ctx, tx, nil, rbac.Scope{All: true}, invitationParams("portal@example.com"))
			if err == nil {
				sent = res.InvitationSent && res.Role == nil && res.Assignment == nil
			}
			return err
		})
		if err != nil || !sent {
			t.Fatalf("invitation without a role: sent %v, %v", sent, err)
		}
		err = s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, err := s.App.Invites.Invite(ctx, tx, nil, rbac.Scope{All: true}, invitationParams("portal@example.com"))
			return err
		})
		if err == nil {
			t.Fatal("a second invitation of the same address without a role succeeded")
		}
	})
}

func invitationParams(email string) invitations.Params {
	return invitations.Params{Email: email, FirstName: "Portal"}
}
