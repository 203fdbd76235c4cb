package employees_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/storage"
)

// benchEnv runs benchmarks with the production argon2 parameters, so a
// sign-in costs what it costs in production.
var benchEnv = map[string]string{"AUTHD_ARGON2_MEMORY_KIB": "19456", "AUTHD_ARGON2_ITERATIONS": "2", "AUTHD_CAPTCHA_PROVIDER": "none"}

func eachBenchDialect(b *testing.B, fn func(b *testing.B, s *apptest.Server)) {
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		b.Run(driver, func(b *testing.B) { fn(b, apptest.New(b, driver, benchEnv)) })
	}
}

// benchEmployee registers and approves an employee for a benchmark.
func benchEmployee(b *testing.B, s *apptest.Server) int64 {
	b.Helper()
	c := s.Client()
	res := c.Post(registerPath, apptest.JSON(map[string]any{"email": "bench@example.com", "password": testPassword}))
	if res.Status != http.StatusCreated {
		b.Fatalf("register: %d %s", res.Status, res.Body)
	}
	id := int64(res.Get("id").(float64))
	if _, err := s.App.DB.NewUpdate().Table("employees").Set("status = 'Approved'").Where("id = ?", id).Exec(b.Context()); err != nil {
		b.Fatal(err)
	}
	return id
}

func BenchmarkEmployeeLogin(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, s *apptest.Server) {
		benchEmployee(b, s)
		body := apptest.JSON(map[string]any{"email": "bench@example.com", "password": testPassword})
		c := s.Client()
		b.ResetTimer()
		for b.Loop() {
			if res := c.Post(loginPath, body); res.Status != http.StatusOK {
				b.Fatalf("login: %d %s", res.Status, res.Body)
			}
		}
	})
}

func BenchmarkEmployeeRefresh(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, s *apptest.Server) {
		benchEmployee(b, s)
		c := s.Client()
		if res := c.Post(loginPath, apptest.JSON(map[string]any{"email": "bench@example.com", "password": testPassword})); res.Status != http.StatusOK {
			b.Fatalf("login: %d", res.Status)
		}
		empty := apptest.JSON(map[string]any{})
		b.ResetTimer()
		for b.Loop() {
			if res := c.Post(refreshPath, empty); res.Status != http.StatusOK {
				b.Fatalf("refresh: %d %s", res.Status, res.Body)
			}
		}
	})
}

func BenchmarkEmployeeProfile(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, s *apptest.Server) {
		benchEmployee(b, s)
		c := s.Client()
		if res := c.Post(loginPath, apptest.JSON(map[string]any{"email": "bench@example.com", "password": testPassword})); res.Status != http.StatusOK {
			b.Fatalf("login: %d", res.Status)
		}
		b.ResetTimer()
		for b.Loop() {
			if res := c.Get(profilePath); res.Status != http.StatusOK {
				b.Fatalf("profile: %d", res.Status)
			}
		}
	})
}

func BenchmarkInternalLookup(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, s *apptest.Server) {
		id := benchEmployee(b, s)
		name := "bench"
		created, err := s.App.APIKeys.Create(b.Context(), apikeys.Spec{Name: &name, Scopes: []string{"employees:read"}}, nil)
		if err != nil {
			b.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/hdts/employees/internal/%d/", id)
		c := s.Client()
		b.ResetTimer()
		for b.Loop() {
			if res := c.Get(path, "X-API-Key", created.Plain); res.Status != http.StatusOK {
				b.Fatalf("lookup: %d", res.Status)
			}
		}
	})
}
