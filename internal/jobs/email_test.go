package jobs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

// testMessage returns a prepared message to recipient.
func testMessage(recipient, subject string) mail.Message {
	m := mail.Message{To: []string{recipient}, From: mail.Address{Email: "noreply@authd.test", Name: "authd tests"},
		Subject: subject, Text: "Your code is 424242.\n", HTML: "<p>Your code is <b>424242</b>.</p>"}
	mail.Prepare(&m)
	return m
}

// enqueueEmail writes m as an e-mail job and returns the job's id.
func (r *rig) enqueueEmail(m mail.Message, validUntil *time.Time) int64 {
	r.t.Helper()
	r.inTx(func(ctx context.Context, tx bun.Tx) error {
		return r.system.EnqueueEmail(ctx, tx, "staff_otp", m, validUntil)
	})
	list, _, err := r.system.List(context.Background(), jobs.ListOptions{Limit: 1})
	if err != nil || len(list) == 0 {
		r.t.Fatalf("List after EnqueueEmail: %v, %v", list, err)
	}
	return list[0].ID
}

// deadAudits returns the job.dead audit events.
func deadAudits(t testing.TB, db *storage.DB) []audit.Event {
	t.Helper()
	var events []audit.Event
	if err := db.NewSelect().Model(&events).Where("event = ?", "job.dead").Order("id").Scan(context.Background()); err != nil {
		t.Fatalf("read audit events: %v", err)
	}
	return events
}

func TestEmailJobReachesMailpit(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		sender, api := sharedMailpit(t)
		r := newRig(t, db, rigOptions{mail: sender})
		recipient := api.Recipient(t, "jobs-test")
		message := testMessage(recipient, "Your Verification Code")

		id := r.enqueueEmail(message, nil)

		job := r.waitState(id, jobs.StateDone)
		var found []mailpittest.Summary
		waitFor(t, "the e-mail in Mailpit", func() bool {
			found = api.To(t, recipient)
			return len(found) > 0
		})
		if len(found) != 1 || found[0].Subject != "Your Verification Code" {
			t.Fatalf("Mailpit holds %+v for %s, want the one e-mail", found, recipient)
		}
		if "<"+found[0].MessageID+">" != message.MessageID {
			t.Errorf("Message-ID %q, want the one fixed when the job was written, %s", found[0].MessageID, message.MessageID)
		}
		if headers := api.Headers(t, found[0].ID); len(headers["Auto-Submitted"]) != 1 || headers["Auto-Submitted"][0] != "auto-generated" {
			t.Errorf("Auto-Submitted = %v, want auto-generated", headers["Auto-Submitted"])
		}
		if job.Summary != "staff_otp e-mail to "+recipient || job.Attempts != 1 {
			t.Errorf("job summary %q after %d attempts", job.Summary, job.Attempts)
		}
	})
}

func TestEmailJobStoresNoPlaintext(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, rigOptions{workers: -1})
		r.enqueueEmail(testMessage("ann@example.com", "Reset"), nil)

		var args []string
		query := "SELECT args::text FROM river_job"
		if db.Driver == storage.SQLite {
			query = "SELECT json(args) FROM river_job"
		}
		if err := db.NewRaw(query).Scan(context.Background(), &args); err != nil {
			t.Fatalf("read job args: %v", err)
		}
		if len(args) != 1 || strings.Contains(args[0], "424242") || !strings.Contains(args[0], "ann@example.com") {
			t.Errorf("stored arguments %v: want the recipient and no message body", args)
		}
	})
}

func TestPermanentSMTPFailureGoesDead(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		// This Mailpit rejects every recipient not starting with "allowed"
		// with a 550 reply.
		address := startMailpit(t, "--smtp-allowed-recipients", "^allowed")
		r := newRig(t, db, rigOptions{mail: smtpSender(t, address)})

		id := r.enqueueEmail(testMessage("denied@example.com", "Nope"), nil)

		job := r.waitState(id, jobs.StateDead)
		if job.Attempts != 1 {
			t.Errorf("dead after %d attempts, want 1: a 5xx reply is permanent", job.Attempts)
		}
		if job.LastError == nil || !strings.Contains(*job.LastError, "550") {
			t.Errorf("last error = %v, want the server's 550 reply", job.LastError)
		}
		events := deadAudits(t, db)
		if len(events) != 1 {
			t.Fatalf("%d job.dead audit events, want 1", len(events))
		}
		details := events[0].Details
		if details["kind"] != jobs.KindEmail || !strings.Contains(details["error"].(string), "550") || events[0].Outcome != audit.Failure {
			t.Errorf("job.dead details = %v, outcome %s", details, events[0].Outcome)
		}
		if list := r.jobs(jobs.StateDead); len(list) != 1 || list[0].ID != id {
			t.Errorf("dead jobs = %+v, want job %d", list, id)
		}
	})
}

func TestTemporarySMTPFailureIsRetried(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		// Nothing listens on this port, so the connection is refused.
		r := newRig(t, db, rigOptions{mail: smtpSender(t, freeLoopbackAddress(t))})

		id := r.enqueueEmail(testMessage("ann@example.com", "Later"), nil)

		job := r.waitState(id, jobs.StateFailed)
		if job.Attempts != 1 || job.LastError == nil {
			t.Errorf("failed job after %d attempts with error %v", job.Attempts, job.LastError)
		}
		// The first e-mail retry comes a minute later.
		if wait := time.Until(job.RunAfter); wait < 50*time.Second || wait > 70*time.Second {
			t.Errorf("next attempt in %s, want about a minute", wait)
		}
		if events := deadAudits(t, db); len(events) != 0 {
			t.Errorf("%d job.dead events for a job that will be retried", len(events))
		}
	})
}

func TestExpiredCodeEmailIsDropped(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, rigOptions{})
		until := r.clock.Now().Add(5 * time.Minute)
		r.clock.Advance(5 * time.Minute)

		id := r.enqueueEmail(testMessage("late@example.com", "Code"), &until)

		r.waitState(id, jobs.StateDone)
		if sent := r.mail.Messages(); len(sent) != 0 {
			t.Errorf("sent %d e-mails whose code had expired, want none", len(sent))
		}

		r.clock.Advance(-10 * time.Minute)
		valid := r.clock.Now().Add(time.Minute)
		id = r.enqueueEmail(testMessage("soon@example.com", "Code"), &valid)
		r.waitState(id, jobs.StateDone)
		if sent := r.mail.Messages(); len(sent) != 1 || sent[0].To[0] != "soon@example.com" {
			t.Errorf("sent %+v, want the e-mail with a valid code", sent)
		}
	})
}

// sendGridStandIn returns a SendGrid sender whose loopback stand-in server
// responds to every send with status and a SendGrid-style error body.
func sendGridStandIn(t *testing.T, status int) mail.Sender {
	t.Helper()
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"errors":[{"message":"stand-in refused the message","field":"from"}]}`))
	}))
	t.Cleanup(server.Close)
	sender, err := mail.NewSender(mail.Settings{Provider: mail.ProviderSendGrid, SendGridEnabled: true,
		SendGridAPIKey: "SG.test", SendGridURL: server.URL, From: mail.Address{Email: "noreply@authd.test"}}, nil)
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	return sender
}

func TestSendGridResponsesDecideRetry(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		tests := []struct {
			status int
			want   jobs.State
		}{
			{http.StatusBadRequest, jobs.StateDead},
			{http.StatusTooManyRequests, jobs.StateFailed},
			{http.StatusServiceUnavailable, jobs.StateFailed},
		}
		for _, tc := range tests {
			t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
				r := newRig(t, storagetest.Open(t, db.Driver), rigOptions{mail: sendGridStandIn(t, tc.status)})
				id := r.enqueueEmail(testMessage("ann@example.com", "Hello"), nil)
				job := r.waitState(id, tc.want)
				if job.LastError == nil || !strings.Contains(*job.LastError, strconv.Itoa(tc.status)) {
					t.Errorf("last error = %v, want the HTTP status %d", job.LastError, tc.status)
				}
			})
		}
	})
}
