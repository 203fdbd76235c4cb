package invitations_test

import (
	"context"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/mailpittest"
)

// mailpitEnv makes a server send e-mail by SMTP to the Mailpit of the test
// environment and returns a client for Mailpit's API, or skips the test
// when none is configured (fails under CI=true).
func mailpitEnv(t *testing.T) (map[string]string, *mailpittest.Client) {
	t.Helper()
	return mailpittest.ServerEnv(t), mailpittest.Shared(t)
}

// startJobs runs the job workers of s until the test ends, so recorded
// e-mails are sent.
func startJobs(t *testing.T, s *apptest.Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := s.App.StartJobs(ctx); err != nil {
		t.Fatalf("start the job workers: %v", err)
	}
}
