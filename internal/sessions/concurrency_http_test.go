package sessions_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
)

func TestConcurrentRefreshOfOneToken(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "tabs@example.com")
		_, login := signIn(t, s, "tabs@example.com", nil)
		s.Clock.Advance(time.Second)

		// Eight tabs refresh the same token at once: every one gets the same
		// successor pair, and the family stays valid.
		const tabs = 8
		results := make([]*apptest.Response, tabs)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = s.Client().Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": login.String("refresh_token")}))
			}()
		}
		wg.Wait()
		successor := ""
		for i, resp := range results {
			if resp.Status != http.StatusOK {
				t.Fatalf("tab %d: status %d %s", i, resp.Status, resp.Body)
			}
			if successor == "" {
				successor = resp.String("refresh")
			}
			if resp.String("refresh") != successor {
				t.Errorf("tab %d got another successor", i)
			}
		}
		if n := count(t, s, "SELECT COUNT(*) FROM refresh_tokens WHERE parent_jti IS NOT NULL"); n != 1 {
			t.Errorf("successor rows = %d, want 1", n)
		}
		s.Client().Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": successor})).Expect(t, http.StatusOK)
	})
}
