package captcha

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/clock"
	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

func newTestService(t *testing.T, db *storage.DB, cfg config.Captcha) (*Service, *clock.Fake) {
	t.Helper()
	fake := clock.NewFake(storagetest.Epoch)
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	keyring := secrets.NewKeyring("captcha-test-secret", nil)
	return NewService(cfg, db, keyring, fake.Now, slog.New(slog.NewTextHandler(io.Discard, nil))), fake
}

func TestBuiltinChallengeRightAnswerPassesOnce(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc, fake := newTestService(t, db, config.Captcha{Provider: Builtin})
		challenge, err := svc.generate(ctx, []byte{1, 2, 3, 4, 5, 6})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(challenge.Image, "data:image/png;base64,") || !strings.HasPrefix(challenge.Audio, "data:audio/wav;base64,") {
			t.Fatalf("challenge media have the wrong form: %.40s %.40s", challenge.Image, challenge.Audio)
		}
		pass, err := svc.Check(ctx, challenge.ID, " 123 456 ")
		if err != nil || pass == "" {
			t.Fatalf("Check with the right answer = %q, %v", pass, err)
		}
		if _, err := svc.Check(ctx, challenge.ID, "123456"); !errors.Is(err, ErrExpired) {
			t.Errorf("second Check of a solved challenge = %v, want ErrExpired", err)
		}
		ok, err := svc.Verify(ctx, pass, "192.0.2.1")
		if err != nil || !ok {
			t.Fatalf("first use of the pass token = %v, %v", ok, err)
		}
		if ok, _ := svc.Verify(ctx, pass, "192.0.2.1"); ok {
			t.Errorf("pass token accepted twice")
		}
		other, _ := svc.generate(ctx, []byte{0, 0, 0, 0, 0, 1})
		late, _ := svc.Check(ctx, other.ID, "000001")
		fake.Advance(PassLifetime)
		if ok, _ := svc.Verify(ctx, late, "192.0.2.1"); ok {
			t.Errorf("pass token accepted after %v", PassLifetime)
		}
	})
}

func TestBuiltinChallengeExpiresAfterThreeWrongAnswers(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc, fake := newTestService(t, db, config.Captcha{Provider: Builtin})
		challenge, _ := svc.generate(ctx, []byte{9, 8, 7, 6, 5, 4})
		for i, want := range []error{ErrIncorrect, ErrIncorrect, ErrExpired} {
			if _, err := svc.Check(ctx, challenge.ID, "000000"); !errors.Is(err, want) {
				t.Fatalf("wrong answer %d = %v, want %v", i+1, err, want)
			}
		}
		if _, err := svc.Check(ctx, challenge.ID, "987654"); !errors.Is(err, ErrExpired) {
			t.Errorf("right answer after 3 wrong ones = %v, want ErrExpired", err)
		}
		fresh, _ := svc.generate(ctx, []byte{1, 1, 1, 1, 1, 1})
		fake.Advance(ChallengeLifetime)
		if _, err := svc.Check(ctx, fresh.ID, "111111"); !errors.Is(err, ErrExpired) {
			t.Errorf("right answer after the lifetime = %v, want ErrExpired", err)
		}
		if _, err := svc.Check(ctx, "unknown", "111111"); !errors.Is(err, ErrExpired) {
			t.Errorf("unknown challenge = %v, want ErrExpired", err)
		}
	})
}

func TestBuiltinPassTokenRaceHasOneWinner(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc, _ := newTestService(t, db, config.Captcha{Provider: Builtin})
		challenge, _ := svc.generate(ctx, []byte{4, 4, 4, 4, 4, 4})
		pass, err := svc.Check(ctx, challenge.ID, "444444")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		accepted := 0
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ok, _ := svc.Verify(ctx, pass, ""); ok {
					mu.Lock()
					accepted++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if accepted != 1 {
			t.Errorf("pass token accepted %d times, want 1", accepted)
		}
	})
}

func TestExternalProviderPostsFormToVerifyURL(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		seen = append(seen, r.PostForm.Encode())
		mu.Unlock()
		switch r.PostForm.Get("response") {
		case "good":
			w.Write([]byte(`{"success": true}`))
		case "broken":
			w.WriteHeader(http.StatusBadGateway)
		case "slow":
			// Respond only after the client gave up, so the timeout fires
			// however loaded the machine is.
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			w.Write([]byte(`{"success": true}`))
		default:
			w.Write([]byte(`{"success": false, "error-codes": ["invalid-input-response"]}`))
		}
	}))
	defer stub.Close()
	for _, provider := range []string{ReCAPTCHA, HCaptcha, Turnstile} {
		t.Run(provider, func(t *testing.T) {
			ctx := context.Background()
			svc, _ := newTestService(t, nil, config.Captcha{Provider: provider, SecretKey: "s3cret", VerifyURL: stub.URL, Timeout: time.Second})
			if ok, err := svc.Verify(ctx, "good", "192.0.2.4"); !ok || err != nil {
				t.Errorf("good response = %v, %v", ok, err)
			}
			if ok, err := svc.Verify(ctx, "bad", "192.0.2.4"); ok || err != nil {
				t.Errorf("rejected response = %v, %v; want false without error", ok, err)
			}
			if _, err := svc.Verify(ctx, "broken", "192.0.2.4"); err == nil {
				t.Errorf("HTTP 502 from the provider gave no error")
			}
			if _, err := svc.Verify(ctx, "slow", "192.0.2.4"); err == nil {
				t.Errorf("timed-out verification gave no error")
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || !strings.Contains(seen[0], "secret=s3cret") || !strings.Contains(seen[0], "remoteip=192.0.2.4") {
		t.Errorf("verify form = %v, want secret, response and remoteip", seen)
	}
}
