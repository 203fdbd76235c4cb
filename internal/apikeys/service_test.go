package apikeys_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/storage"
)

func TestConcurrentCreatesKeepNameUnique(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		name := "shared"
		var wg sync.WaitGroup
		results := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.App.APIKeys.Create(context.Background(), apikeys.Spec{Name: &name, Scopes: []string{"*"}}, nil)
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		created := 0
		for err := range results {
			var problem *httpx.Problem
			switch {
			case err == nil:
				created++
			case errors.As(err, &problem) && problem.Status == http.StatusBadRequest:
			default:
				t.Errorf("concurrent create failed: %v", err)
			}
		}
		if created != 1 {
			t.Errorf("%d keys named %q were created, want 1", created, name)
		}
	})
}

// BenchmarkVerify measures the check of a valid key: lookup by prefix,
// digest comparison and the conditional last-use write, which runs once a
// minute per key.
func BenchmarkVerify(b *testing.B) {
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		b.Run(driver, func(b *testing.B) {
			s := apptest.New(b, driver, nil)
			name := "bench"
			created, err := s.App.APIKeys.Create(context.Background(), apikeys.Spec{Name: &name, Scopes: []string{"*"}}, nil)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.App.APIKeys.Verify(ctx, created.Plain, "192.0.2.1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
