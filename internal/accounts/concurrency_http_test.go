package accounts_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
)

func TestConcurrentFailuresLockOnce(t *testing.T) {
	apptest.EachDialect(t, noGuardEnv, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "racing@example.com", nil)
		var wg sync.WaitGroup
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp := s.Client().Post("/token/", credentials(u.Email, "wrong-password"))
				if resp.Status != http.StatusBadRequest {
					t.Errorf("status %d %s", resp.Status, resp.Body)
				}
			}()
		}
		wg.Wait()
		row := readUser(t, s, u.ID)
		if !row.IsLocked || row.FailedLoginAttempts != 10 {
			t.Errorf("after 16 concurrent failures: locked=%v failures=%d, want locked at 10", row.IsLocked, row.FailedLoginAttempts)
		}
		if n := countRows(t, s, "SELECT COUNT(*) FROM audit_events WHERE event = 'account.locked' AND subject_id = ?", u.ID); n != 1 {
			t.Errorf("account.locked events = %d, want 1", n)
		}
	})
}
