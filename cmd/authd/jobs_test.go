package main

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/app"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
)

// insertActiveUser adds an active staff user straight to the database.
func insertActiveUser(t *testing.T, db *storage.DB, email string) {
	t.Helper()
	now := time.Now()
	u := &model.User{Email: email, EmailNormalized: model.NormalizeEmail(email), Password: "!unusable",
		Status: model.StatusApproved, IsActive: true, DateJoined: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(u).Exec(context.Background()); err != nil {
		t.Fatalf("insert user: %v", err)
	}
}

var listedJobID = regexp.MustCompile(`(?m)^(\d+)\s+celery_task\s+pending\s+0\s`)

func TestSyncAndJobsCommands(t *testing.T) {
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		t.Run(driver, func(t *testing.T) {
			db := commandEnvironment(t, driver)
			insertActiveUser(t, db, "ann@example.com")

			if _, _, err := runCommand(t, "sync", "user-emails"); !errors.Is(err, outbox.ErrSyncOff) {
				t.Errorf("sync user-emails without a broker returned %v, want the sync-off error", err)
			}

			// Nothing listens on port 1 and no worker runs, so nothing is
			// published: the command only writes the job.
			t.Setenv("AUTHD_BROKER_URL", "amqp://guest:guest@127.0.0.1:1/")
			t.Setenv("AUTHD_JOB_WORKERS", "0")
			out, _, err := runCommand(t, "sync", "user-emails")
			if err != nil || !strings.Contains(out, "queued 1 message; the job workers publish it\n") || !strings.Contains(out, "authd worker") {
				t.Fatalf("sync user-emails: %q, %v", out, err)
			}
			if _, _, err := runCommand(t, "sync", "tts-roles", "--delay", "-1s"); err == nil {
				t.Error("sync tts-roles accepted a negative delay")
			}
			out, _, err = runCommand(t, "sync", "tts-roles", "--roles-only")
			if err != nil || !strings.Contains(out, "queued 0 messages; the job workers publish them\n") {
				t.Errorf("sync tts-roles without tts roles: %q, %v", out, err)
			}

			out, _, err = runCommand(t, "jobs", "list", "--state", "pending")
			if err != nil {
				t.Fatalf("jobs list: %v", err)
			}
			match := listedJobID.FindStringSubmatch(out)
			if match == nil || !strings.Contains(out, "notifications.bulk_sync_user_emails") || !strings.Contains(out, "1 of 1 matching job shown\n") {
				t.Fatalf("jobs list printed %q, want the one pending bulk sync job", out)
			}
			if _, _, err := runCommand(t, "jobs", "list", "--state", "stuck"); err == nil {
				t.Error("jobs list accepted an unknown state")
			}
			if _, _, err := runCommand(t, "jobs", "retry"); err == nil {
				t.Error("jobs retry ran without --id")
			}

			out, _, err = runCommand(t, "jobs", "retry", "--id", match[1])
			if err != nil || !strings.Contains(out, "queued job "+match[1]+" for retry") {
				t.Errorf("jobs retry: %q, %v", out, err)
			}
			out, _, err = runCommand(t, "jobs", "discard", "--id", match[1])
			if err != nil || !strings.Contains(out, "discarded job "+match[1]) {
				t.Errorf("jobs discard: %q, %v", out, err)
			}
			if _, _, err := runCommand(t, "jobs", "discard", "--id", match[1]); !errors.Is(err, jobs.ErrNotFound) {
				t.Errorf("discarding it again returned %v, want ErrNotFound", err)
			}
		})
	}
}

func TestWorkerCommandSendsJobs(t *testing.T) {
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		t.Run(driver, func(t *testing.T) {
			commandEnvironment(t, driver)
			t.Setenv("AUTHD_JOB_WORKERS", "0")
			ctx := context.Background()
			cfg, err := loadConfig()
			if err != nil {
				t.Fatal(err)
			}
			a, err := app.New(ctx, cfg, app.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			err = a.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				return a.Outbox.Email(ctx, tx, outbox.Email{Template: "access_granted", To: "new@example.com",
					Vars: map[string]any{"first_name": "New", "system_name": "TTS", "role_name": "Admin"}})
			})
			if err != nil {
				t.Fatalf("record an e-mail: %v", err)
			}

			workerCtx, stop := context.WithCancel(ctx)
			root := newRootCommand()
			root.SetArgs([]string{"worker"})
			finished := make(chan error, 1)
			go func() { finished <- root.ExecuteContext(workerCtx) }()

			deadline := time.Now().Add(30 * time.Second)
			for {
				list, _, err := a.Jobs.List(ctx, jobs.ListOptions{State: jobs.StateDone})
				if err == nil && len(list) > 0 && list[len(list)-1].Kind == jobs.KindEmail {
					break
				}
				if time.Now().After(deadline) {
					stop()
					t.Fatalf("the worker did not send the e-mail job within 30 s: %v, %v", list, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			stop()
			if err := <-finished; err != nil {
				t.Errorf("worker returned %v after the interrupt, want nil", err)
			}
		})
	}
}
