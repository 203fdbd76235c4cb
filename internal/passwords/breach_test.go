package passwords

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The SHA-1 of breachPassword, split as the range API expects, from
// python3 -c 'import hashlib; print(hashlib.sha1(b"violet-kettle-93").hexdigest().upper())'.
const (
	breachPassword = "violet-kettle-93"
	breachPrefix   = "35C05"
	breachSuffix   = "F1745449950311253DC6A56090F029B0E05"
)

// rangeServer starts a range-API stub on 127.0.0.1 that checks each request
// and then calls handle to respond. It returns the policy pointed at it, the request
// counter and the log buffer.
func rangeServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) (*Policy, *atomic.Int32, *bytes.Buffer) {
	t.Helper()
	var requests atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Method != http.MethodGet {
			t.Errorf("range API request method = %s, want GET", r.Method)
		}
		if r.URL.Path != "/range/"+breachPrefix {
			t.Errorf("range API request path = %q, want /range/%s", r.URL.Path, breachPrefix)
		}
		if got := r.Header.Get("Add-Padding"); got != "true" {
			t.Errorf("Add-Padding header = %q, want true", got)
		}
		handle(w, r)
	}))
	t.Cleanup(server.Close)

	var logs bytes.Buffer
	policy := &Policy{
		BreachCheck:   true,
		BreachURL:     server.URL + "/range/",
		BreachTimeout: 5 * time.Second,
		HTTPClient:    server.Client(),
		Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
	}
	return policy, &requests, &logs
}

// rangeBody returns a range-API response body with the given lines between padding
// entries of count 0, with CRLF line ends as the real API sends.
func rangeBody(lines ...string) string {
	all := []string{"0018A45C4D1DEF81644B54AB7F969B88D65:0", "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2"}
	all = append(all, lines...)
	all = append(all, "FFFFF6E8FA6EECAD2A3AA415EEC418D38EC:0")
	return strings.Join(all, "\r\n")
}

func TestBreachCheck(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"listed", rangeBody(breachSuffix + ":42"), []string{wantBreached}},
		{"listed lower case", rangeBody(strings.ToLower(breachSuffix) + ":1"), []string{wantBreached}},
		{"padding entry with count 0", rangeBody(breachSuffix + ":0"), nil},
		{"not listed", rangeBody(), nil},
		{"empty answer", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy, requests, logs := rangeServer(t, func(w http.ResponseWriter, _ *http.Request) {
				_, _ = fmt.Fprint(w, tt.body)
			})

			got := policy.Check(context.Background(), breachPassword, "", "")
			if !slices.Equal(got, tt.want) {
				t.Errorf("Check() = %q, want %q", got, tt.want)
			}
			if n := requests.Load(); n != 1 {
				t.Errorf("range API requests = %d, want 1", n)
			}
			if logs.Len() != 0 {
				t.Errorf("Check() logged %q, want nothing", logs.String())
			}
		})
	}
}

func TestBreachCheckOff(t *testing.T) {
	policy, requests, _ := rangeServer(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprint(w, rangeBody(breachSuffix+":42"))
	})
	policy.BreachCheck = false

	if got := policy.Check(context.Background(), breachPassword, "", ""); got != nil {
		t.Errorf("Check() = %q, want nil", got)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("range API requests = %d, want 0 when the check is off", n)
	}
}

func TestBreachCheckFailsOpen(t *testing.T) {
	tests := []struct {
		name      string
		handle    func(w http.ResponseWriter, r *http.Request)
		wantInLog string
	}{
		{
			name: "server error",
			handle: func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "internal error", http.StatusInternalServerError)
			},
			wantInLog: "unexpected HTTP status 500",
		},
		{
			name: "timeout",
			handle: func(_ http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			},
			wantInLog: "context deadline exceeded",
		},
		{
			name: "non-numeric count",
			handle: func(w http.ResponseWriter, _ *http.Request) {
				_, _ = fmt.Fprint(w, rangeBody(breachSuffix+":many"))
			},
			wantInLog: "non-numeric count",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy, requests, logs := rangeServer(t, tt.handle)
			policy.BreachTimeout = 50 * time.Millisecond

			if got := policy.Check(context.Background(), breachPassword, "", ""); got != nil {
				t.Errorf("Check() = %q, want nil (fail open)", got)
			}
			if n := requests.Load(); n != 1 {
				t.Errorf("range API requests = %d, want 1", n)
			}

			log := logs.String()
			if n := strings.Count(log, "\n"); n != 1 {
				t.Errorf("Check() logged %d lines, want 1: %q", n, log)
			}
			if !strings.Contains(log, "level=WARN") || !strings.Contains(log, tt.wantInLog) {
				t.Errorf("log = %q, want a warning containing %q", log, tt.wantInLog)
			}
			for _, secret := range []string{breachPassword, breachPrefix, breachSuffix} {
				if strings.Contains(log, secret) {
					t.Errorf("log %q contains %q", log, secret)
				}
			}
		})
	}
}

func TestBreachCheckUnreachable(t *testing.T) {
	// The address of a closed test server is a port on 127.0.0.1 where
	// nothing listens.
	server := httptest.NewServer(http.NotFoundHandler())
	address := server.URL
	server.Close()

	var logs bytes.Buffer
	policy := &Policy{
		BreachCheck: true,
		BreachURL:   address + "/range/",
		Logger:      slog.New(slog.NewTextHandler(&logs, nil)),
	}
	if got := policy.Check(context.Background(), breachPassword, "", ""); got != nil {
		t.Errorf("Check() = %q, want nil (fail open)", got)
	}
	if !strings.Contains(logs.String(), "password breach check failed") {
		t.Errorf("log = %q, want the breach-check warning", logs.String())
	}
	if strings.Contains(logs.String(), breachPrefix) {
		t.Errorf("log %q contains the hash prefix", logs.String())
	}
}
