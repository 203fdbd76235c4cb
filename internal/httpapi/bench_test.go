package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/storage"
)

// Run with:
//
//	AUTHD_TEST_POSTGRES_URL=... go test ./internal/httpapi -run '^$' -bench Foundation -benchtime 3s
//
// Requests go through a plain http.Client to a real listener on loopback,
// without the OpenAPI response check of the apptest client. Sign-in uses the
// default argon2id parameters, so the login rate can be compared with the
// hash rate measured in the same run.

// benchEnv is the configuration of the benchmark servers: production
// hashing cost, and no CAPTCHA or throttle in the way of repeated sign-ins.
var benchEnv = map[string]string{
	"AUTHD_ARGON2_MEMORY_KIB": "19456", "AUTHD_ARGON2_ITERATIONS": "2", "AUTHD_ARGON2_PARALLELISM": "1",
	"AUTHD_CAPTCHA_PROVIDER": "none", "AUTHD_THROTTLE_LOGIN_IP_MAX": "100000000", "AUTHD_LOG_LEVEL": "error",
}

// benchClient is an HTTP client with enough idle connections for
// RunParallel.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
}

// post sends a JSON body and returns the decoded answer, failing on any
// status other than want.
func post(b *testing.B, c *http.Client, url string, body any, want int) map[string]any {
	encoded, _ := json.Marshal(body)
	resp, err := c.Post(url, "application/json", bytes.NewReader(encoded))
	if err != nil {
		b.Error(err)
		return nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		b.Errorf("POST %s: %d %s", url, resp.StatusCode, data)
		return nil
	}
	out := map[string]any{}
	json.Unmarshal(data, &out)
	return out
}

// get sends a GET request with a bearer token and drains the answer.
func get(b *testing.B, c *http.Client, url, token string) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("GET %s: %d", url, resp.StatusCode)
	}
}

// perSecond reports the benchmark's rate as a custom metric.
func perSecond(b *testing.B, name string) {
	if elapsed := b.Elapsed(); elapsed > 0 {
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), name)
	}
}

func BenchmarkFoundation(b *testing.B) {
	b.Run("argon2id-hash", func(b *testing.B) {
		h := passwords.NewHasher(passwords.DefaultParams(), 2*runtime.NumCPU(), 10*time.Second)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := h.Hash(context.Background(), testPassword); err != nil {
					b.Error(err)
				}
			}
		})
		perSecond(b, "hashes/s")
	})

	b.Run("bare-net-http", func(b *testing.B) {
		body := []byte(`{"valid": true}`)
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}))
		defer ts.Close()
		c := benchClient()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				get(b, c, ts.URL+"/", "")
			}
		})
		perSecond(b, "requests/s")
	})

	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		b.Run(driver, func(b *testing.B) {
			s := apptest.New(b, driver, benchEnv)
			newUser(b, s, "bench@example.com")
			c := benchClient()
			credentials := map[string]any{"email": "bench@example.com", "password": testPassword}

			b.Run("login", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						post(b, c, s.URL+"/token/", credentials, http.StatusOK)
					}
				})
				perSecond(b, "logins/s")
			})

			access := post(b, c, s.URL+"/token/", credentials, http.StatusOK)["access"].(string)
			b.Run("validate", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						get(b, c, s.URL+"/api/v1/token/validate/", access)
					}
				})
				perSecond(b, "requests/s")
			})

			b.Run("refresh", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					// Each goroutine rotates its own family, as one browser does.
					refresh, _ := post(b, c, s.URL+"/token/", credentials, http.StatusOK)["refresh"].(string)
					for pb.Next() {
						answer := post(b, c, s.URL+"/api/v1/token/refresh/", map[string]any{"refresh": refresh}, http.StatusOK)
						if next, ok := answer["refresh"].(string); ok {
							refresh = next
						}
					}
				})
				perSecond(b, "refreshes/s")
			})
		})
	}
}
