package accounts_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/storage"
)

// BenchmarkSignInFailureLatency measures /token/ responses for an unknown
// e-mail and for a wrong password of an existing account at the default
// argon2id parameters (19456 KiB, 2 iterations, 1 lane), interleaving the
// two kinds so machine load affects both alike. It reports percentiles
// per kind; the distributions should overlap because an unknown e-mail is
// checked against a dummy hash.
//
//	go test ./internal/accounts -run '^$' -bench SignInFailureLatency -benchtime 1x
func BenchmarkSignInFailureLatency(b *testing.B) {
	env := noCaptchaEnv(map[string]string{
		"AUTHD_ARGON2_MEMORY_KIB":     "19456",
		"AUTHD_ARGON2_ITERATIONS":     "2",
		"AUTHD_THROTTLE_LOGIN_IP_MAX": "1000000",
		// The lock would end the password checks after 10 failures.
		"AUTHD_STAFF_LOCKOUT_THRESHOLD": "1000000",
	})
	s := apptest.New(b, storage.SQLite, env)
	createBenchUser(b, s, "existing@example.com")
	const rounds = 250
	unknown := make([]time.Duration, 0, rounds)
	wrong := make([]time.Duration, 0, rounds)
	c := s.Client()
	for b.Loop() {
		unknown, wrong = unknown[:0], wrong[:0]
		for i := 0; i < rounds; i++ {
			unknown = append(unknown, timeFailure(b, c, "nobody@example.com"))
			wrong = append(wrong, timeFailure(b, c, "existing@example.com"))
		}
	}
	for _, kind := range []struct {
		name  string
		times []time.Duration
	}{{"unknown-email", unknown}, {"wrong-password", wrong}} {
		slices.Sort(kind.times)
		p := func(q float64) time.Duration { return kind.times[int(q*float64(len(kind.times)-1))] }
		b.ReportMetric(float64(p(0.50).Microseconds())/1000, kind.name+"-p50-ms")
		b.ReportMetric(float64(p(0.90).Microseconds())/1000, kind.name+"-p90-ms")
		b.ReportMetric(float64(p(0.99).Microseconds())/1000, kind.name+"-p99-ms")
		b.Logf("%s: n=%d min=%v p10=%v p50=%v p90=%v p99=%v max=%v", kind.name, len(kind.times),
			kind.times[0], p(0.10), p(0.50), p(0.90), p(0.99), kind.times[len(kind.times)-1])
	}
}

func timeFailure(b *testing.B, c *apptest.Client, email string) time.Duration {
	start := time.Now()
	r := c.Post("/token/", apptest.JSON(map[string]any{"email": email, "password": "not-the-password"}))
	elapsed := time.Since(start)
	if r.Status != http.StatusBadRequest {
		b.Fatalf("%s: status %d, want 400; body %s", email, r.Status, r.Body)
	}
	return elapsed
}
