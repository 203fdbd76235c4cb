package apikeys_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/storage"
)

// lockedBuffer is a log sink safe for the warning goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLegacyOpenRoutesListed(t *testing.T) {
	open := apptest.New(t, storage.SQLite, map[string]string{"AUTHD_INTERNAL_AUTH": "legacy_open"})
	routes := open.App.Server.LegacyOpenRoutes()
	for _, want := range []string{"GET /api/v1/users/internal/{id}/", "GET /api/v1/hdts/employees/internal/{id}/",
		"GET /api/v1/tts/round-robin/", "GET /api/v1/tts/user-info/{user_id}/", "POST /api/v1/tts/users-info/",
		"GET /api/v1/hdts/users/{id}/"} {
		if !slices.Contains(routes, want) {
			t.Errorf("legacy open routes %v lack %s", routes, want)
		}
	}
	closed := apptest.New(t, storage.SQLite, nil)
	if routes := closed.App.Server.LegacyOpenRoutes(); routes != nil {
		t.Errorf("the default setting lists open routes: %v", routes)
	}
}

func TestLegacyOpenWarningRepeats(t *testing.T) {
	var out lockedBuffer
	logger := slog.New(slog.NewTextHandler(&out, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		apikeys.WarnLegacyOpen(ctx, logger, []string{"GET /api/v1/users/internal/{id}/"}, 5*time.Millisecond)
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(out.String(), "legacy_open") < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	logged := out.String()
	if strings.Count(logged, "legacy_open") < 3 {
		t.Fatalf("warning not repeated: %q", logged)
	}
	if !strings.Contains(logged, "level=WARN") || !strings.Contains(logged, "/api/v1/users/internal/{id}/") {
		t.Errorf("warning does not name the route at warn level: %q", logged)
	}
}
