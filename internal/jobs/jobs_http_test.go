package jobs_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
)

const httpTestPassword = "Quiet-Orchard-Ledger-73"

// httpUser creates an approved staff user and returns a client that sends
// its access token as Bearer.
func httpUser(t *testing.T, s *apptest.Server, email string, superuser bool) *apptest.Client {
	t.Helper()
	n := &accounts.NewUser{Email: email, Password: httpTestPassword, Status: model.StatusApproved, IsActive: true,
		IsStaff: true, IsSuperuser: superuser, FirstName: "Jo", LastName: "Bs"}
	err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := s.App.Accounts.CreateUser(ctx, tx, n, nil)
		return err
	})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	login := s.Client().Post("/api/v1/token/obtain/", apptest.JSON(map[string]any{"email": email, "password": httpTestPassword}))
	login.Expect(t, http.StatusOK)
	c := s.Client()
	c.Header.Set("Authorization", "Bearer "+login.String("access"))
	return c
}

func TestJobsAPI(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := httpUser(t, s, "root@example.com", true)
		staff := httpUser(t, s, "staff@example.com", false)
		s.Client().Get("/api/v1/jobs/").Expect(t, http.StatusUnauthorized)
		staff.Get("/api/v1/jobs/").Expect(t, http.StatusForbidden)
		staff.Post("/api/v1/jobs/1/retry/", apptest.JSON(map[string]any{})).Expect(t, http.StatusForbidden)

		err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			return s.App.Outbox.Email(ctx, tx, outbox.Email{Template: "access_granted", To: "new@example.com",
				Vars: map[string]any{"first_name": "New", "system_name": "TTS", "role_name": "Admin"}})
		})
		if err != nil {
			t.Fatalf("record an e-mail: %v", err)
		}

		// The test server runs no workers, so the e-mail waits.
		list := root.Get("/api/v1/jobs/?state=pending").Expect(t, http.StatusOK)
		jobsList, _ := list.Get("jobs").([]any)
		if len(jobsList) != 1 || list.Get("total") != float64(1) {
			list.Errorf(t, "want the one pending e-mail job")
		}
		job, _ := jobsList[0].(map[string]any)
		if job["kind"] != jobs.KindEmail || job["summary"] != "access_granted e-mail to new@example.com" ||
			job["attempts"] != float64(0) || job["last_error"] != nil {
			list.Errorf(t, "unexpected job")
		}
		id := strconv.FormatInt(int64(job["id"].(float64)), 10)

		root.Get("/api/v1/jobs/?state=finished").Expect(t, http.StatusBadRequest)
		root.Get("/api/v1/jobs/?limit=0").Expect(t, http.StatusBadRequest)
		root.Get("/api/v1/jobs/?before=x").Expect(t, http.StatusBadRequest)
		root.Post("/api/v1/jobs/abc/retry/", apptest.JSON(map[string]any{})).Expect(t, http.StatusNotFound)
		root.Post("/api/v1/jobs/999999/discard/", apptest.JSON(map[string]any{})).Expect(t, http.StatusNotFound)

		retried := root.Post("/api/v1/jobs/"+id+"/retry/", apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		if retried.String("message") != "Job queued for retry" {
			retried.Errorf(t, "want the retry message")
		}

		// With workers running, the memory provider takes the e-mail.
		if err := s.App.StartJobs(context.Background()); err != nil {
			t.Fatalf("StartJobs: %v", err)
		}
		jobID := int64(job["id"].(float64))
		waitFor(t, "the e-mail job to be done", func() bool {
			current, err := s.App.Jobs.Get(context.Background(), jobID)
			return err == nil && current.State == jobs.StateDone
		})
		if sent := s.App.Mail.(interface{ Messages() []mail.Message }).Messages(); len(sent) != 1 || sent[0].To[0] != "new@example.com" {
			t.Errorf("the memory provider holds %+v, want the access e-mail", sent)
		}
		root.Post("/api/v1/jobs/"+id+"/retry/", apptest.JSON(map[string]any{})).Expect(t, http.StatusConflict)

		discarded := root.Post("/api/v1/jobs/"+id+"/discard/", apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		if discarded.String("message") != "Job discarded" {
			discarded.Errorf(t, "want the discard message")
		}
		root.Post("/api/v1/jobs/"+id+"/discard/", apptest.JSON(map[string]any{})).Expect(t, http.StatusNotFound)
	})
}
