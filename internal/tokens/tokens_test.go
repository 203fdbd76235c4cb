package tokens

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/clock"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

const sharedKey = "shared-signing-key-for-tests-0123456789"

var life = Lifetimes{Access: 5 * time.Minute, Refresh: 7 * 24 * time.Hour, Absolute: 30 * 24 * time.Hour, Grace: 10 * time.Second}

type fixture struct {
	db      *storage.DB
	clock   *clock.Fake
	svc     *Service
	active  map[int64]bool
	subject *Subject
}

func newFixture(t *testing.T, db *storage.DB) *fixture {
	fake := clock.NewFake(storagetest.Epoch.Add(time.Hour))
	signer := NewSigner(sharedKey, secrets.NewKeyring("secret-key", nil), 0, fake.Now)
	username := "lawrence"
	return &fixture{
		db:     db,
		clock:  fake,
		svc:    NewService(signer, life, storagetest.Epoch, fake.Now),
		active: map[int64]bool{7: true},
		subject: &Subject{Type: Staff, ID: 7, Email: "lawrence@example.com", Username: &username, FullName: "Lawrence Afable",
			Roles: []Role{{System: "tts", Role: "Admin"}}},
	}
}

func (f *fixture) load(_ context.Context, _ bun.IDB, _ SubjectType, id int64) (*Subject, error) {
	active, ok := f.active[id]
	if !ok {
		return nil, ErrSubjectNotFound
	}
	if !active {
		return nil, ErrSubjectInactive
	}
	return f.subject, nil
}

func (f *fixture) start(t *testing.T) *Pair {
	t.Helper()
	pair, err := f.svc.StartFamily(context.Background(), f.db, f.subject, FamilyMeta{RememberMe: true, IP: "192.0.2.10", UserAgent: "test"})
	if err != nil {
		t.Fatalf("StartFamily: %v", err)
	}
	return pair
}

func (f *fixture) refresh(t *testing.T, raw string) (*Pair, error) {
	t.Helper()
	pair, _, err := f.svc.Refresh(context.Background(), f.db, raw, "", f.load)
	return pair, err
}

func decodeSegment(t *testing.T, token string, index int) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[index])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStaffPairCarriesDownstreamClaims(t *testing.T) {
	f := newFixture(t, storagetest.OpenSQLite(t))
	pair := f.start(t)

	header := decodeSegment(t, pair.Access, 0)
	if header["alg"] != "HS256" || header["typ"] != "JWT" {
		t.Errorf("header = %v", header)
	}
	claims := decodeSegment(t, pair.Access, 1)
	want := map[string]any{"token_type": "access", "user_id": 7.0, "email": "lawrence@example.com", "username": "lawrence", "full_name": "Lawrence Afable", "user_type": "staff"}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	roles, _ := json.Marshal(claims["roles"])
	if string(roles) != `[{"role":"Admin","system":"tts"}]` {
		t.Errorf("roles = %s", roles)
	}
	if len(claims["jti"].(string)) != 32 {
		t.Errorf("jti = %v, want 32 hex characters", claims["jti"])
	}
	if claims["exp"].(float64)-claims["iat"].(float64) != 300 {
		t.Errorf("access lifetime = %v s, want 300", claims["exp"].(float64)-claims["iat"].(float64))
	}
	for _, absent := range []string{"iss", "aud", "sub", "employee_id"} {
		if _, ok := claims[absent]; ok {
			t.Errorf("staff access token carries %q", absent)
		}
	}
	refresh := decodeSegment(t, pair.Refresh, 1)
	if refresh["token_type"] != "refresh" || refresh["iat"] != claims["iat"] || refresh["jti"] == claims["jti"] {
		t.Errorf("refresh claims = %v", refresh)
	}
	downstream := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(f.clock.Now))
	if _, err := downstream.Parse(pair.Access, func(*jwt.Token) (any, error) { return []byte(sharedKey), nil }); err != nil {
		t.Errorf("a downstream HS256 verifier rejects the access token: %v", err)
	}
}

func TestEmployeeRefreshOmitsProfileClaims(t *testing.T) {
	f := newFixture(t, storagetest.OpenSQLite(t))
	username := "john.doe"
	f.subject = &Subject{Type: Employee, ID: 7, Email: "john.doe@gmail.com", Username: &username, FullName: "John Doe", Roles: []Role{{System: "hdts", Role: "Employee"}}}
	pair := f.start(t)
	access := decodeSegment(t, pair.Access, 1)
	if access["employee_id"] != 7.0 || access["user_id"] != 7.0 || access["user_type"] != "employee" || access["full_name"] != "John Doe" {
		t.Errorf("employee access claims = %v", access)
	}
	refresh := decodeSegment(t, pair.Refresh, 1)
	for _, absent := range []string{"username", "full_name", "roles"} {
		if _, ok := refresh[absent]; ok {
			t.Errorf("employee refresh token carries %q", absent)
		}
	}
}

func TestParseRejectsForgedTokens(t *testing.T) {
	f := newFixture(t, storagetest.OpenSQLite(t))
	pair := f.start(t)
	signer := f.svc.Signer()
	parts := strings.Split(pair.Access, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"token_type": "access", "user_id": 7, "exp": time.Now().Add(time.Hour).Unix(), "jti": "x"}).SignedString([]byte(sharedKey))
	otherKey, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"token_type": "access", "user_id": 7, "exp": f.clock.Now().Add(time.Hour).Unix(), "jti": "x"}).SignedString([]byte("other"))
	cases := map[string]string{
		"alg none":        none,
		"HS512":           hs512,
		"other key":       otherKey,
		"tampered claims": parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"token_type":"access","user_id":1,"exp":9999999999,"jti":"x"}`)) + "." + parts[2],
		"garbage":         "not-a-jwt",
		"empty":           "",
	}
	for name, token := range cases {
		if _, err := signer.ParseAccess(token); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := signer.ParseAccess(pair.Refresh); !errors.Is(err, ErrWrongType) {
		t.Errorf("refresh as access: err = %v, want ErrWrongType", err)
	}
	f.clock.Advance(6 * time.Minute)
	if _, err := signer.ParseAccess(pair.Access); !errors.Is(err, ErrExpired) {
		t.Errorf("expired access: err = %v, want ErrExpired", err)
	}
}

func TestChallengeTokenIsNotAnAccessToken(t *testing.T) {
	f := newFixture(t, storagetest.OpenSQLite(t))
	signer := f.svc.Signer()
	now := f.clock.Now()
	challenge, err := signer.SignChallenge(Staff, 7, secrets.HexID(), []string{"email"}, now, now.Add(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	claims := decodeSegment(t, challenge, 1)
	for _, absent := range []string{"user_id", "employee_id", "email", "roles"} {
		if _, ok := claims[absent]; ok {
			t.Errorf("challenge token carries %q", absent)
		}
	}
	if _, err := jwt.Parse(challenge, func(*jwt.Token) (any, error) { return []byte(sharedKey), nil }); err == nil {
		t.Error("a downstream verifier with the shared key accepts the challenge token")
	}
	if _, err := signer.ParseAccess(challenge); !errors.Is(err, ErrInvalid) {
		t.Errorf("challenge as access: err = %v, want ErrInvalid", err)
	}
	parsed, err := signer.ParseChallenge(challenge)
	if err != nil || parsed.ChallengeSubject != "staff:7" {
		t.Errorf("ParseChallenge = %+v, %v", parsed, err)
	}
	pair := f.start(t)
	if _, err := signer.ParseChallenge(pair.Access); !errors.Is(err, ErrWrongType) {
		t.Errorf("access as challenge: err = %v, want ErrWrongType", err)
	}
}

func TestRefreshRotatesAndDetectsReuse(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db)
		first := f.start(t)
		other := f.start(t) // a second sign-in of the same account

		f.clock.Advance(time.Minute)
		second, err := f.refresh(t, first.Refresh)
		if err != nil {
			t.Fatalf("first refresh: %v", err)
		}
		if second.Refresh == first.Refresh || second.FamilyID != first.FamilyID {
			t.Fatalf("refresh did not rotate within the family")
		}

		f.clock.Advance(5 * time.Second)
		replay, err := f.refresh(t, first.Refresh)
		if err != nil || replay.Refresh != second.Refresh || replay.Access != second.Access {
			t.Fatalf("replay within the grace window: %v; want the same successor pair", err)
		}

		f.clock.Advance(10 * time.Second)
		if _, err := f.refresh(t, first.Refresh); !errors.Is(err, ErrReused) {
			t.Fatalf("replay after the grace window: err = %v, want ErrReused", err)
		}
		if _, err := f.refresh(t, second.Refresh); !errors.Is(err, ErrRevoked) {
			t.Errorf("successor after reuse: err = %v, want ErrRevoked", err)
		}
		accessClaims, _ := f.svc.Signer().ParseAccess(second.Access)
		if err := f.svc.CheckRevoked(context.Background(), db, accessClaims, nil); !errors.Is(err, ErrRevoked) {
			t.Errorf("access token of the revoked family: err = %v, want ErrRevoked", err)
		}
		if _, err := f.refresh(t, other.Refresh); err != nil {
			t.Errorf("another family of the same account must stay valid: %v", err)
		}
	})
}

func TestReplayAfterSuccessorUsedIsReuse(t *testing.T) {
	f := newFixture(t, storagetest.OpenSQLite(t))
	first := f.start(t)
	second, err := f.refresh(t, first.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.refresh(t, second.Refresh); err != nil {
		t.Fatal(err)
	}
	if _, err := f.refresh(t, first.Refresh); !errors.Is(err, ErrReused) {
		t.Errorf("replay of a grandparent within the grace window: err = %v, want ErrReused", err)
	}
}

func TestConcurrentRefreshesShareOneSuccessor(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db)
		first := f.start(t)
		const tabs = 10
		results := make([]*Pair, tabs)
		errs := make([]error, tabs)
		var wg sync.WaitGroup
		for i := 0; i < tabs; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = f.refresh(t, first.Refresh)
			}()
		}
		wg.Wait()
		for i := 0; i < tabs; i++ {
			if errs[i] != nil {
				t.Fatalf("tab %d: %v", i, errs[i])
			}
			if results[i].Refresh != results[0].Refresh {
				t.Errorf("tab %d got a different successor", i)
			}
		}
	})
}

func TestInactiveAccountRevokesFamily(t *testing.T) {
	f := newFixture(t, storagetest.OpenSQLite(t))
	pair := f.start(t)
	f.active[7] = false
	if _, err := f.refresh(t, pair.Refresh); !errors.Is(err, ErrSubjectInactive) {
		t.Fatalf("inactive account: err = %v, want ErrSubjectInactive", err)
	}
	f.active[7] = true
	if _, err := f.refresh(t, pair.Refresh); !errors.Is(err, ErrRevoked) {
		t.Errorf("after reactivation the family stays revoked: err = %v, want ErrRevoked", err)
	}
}

func TestLegacyTokenAdoptedOnce(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db)
		issued := storagetest.Epoch.Add(-time.Hour) // before the installation instant
		legacy, err := f.svc.Signer().Sign(map[string]any{
			"token_type": "refresh", "user_id": 7, "jti": "0123456789abcdef0123456789abcdef",
			"iat": issued.Unix(), "exp": issued.Add(7 * 24 * time.Hour).Unix(),
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.refresh(t, legacy); err != nil {
			t.Fatalf("legacy token: %v", err)
		}
		f.clock.Advance(time.Minute)
		if _, err := f.refresh(t, legacy); !errors.Is(err, ErrReused) {
			t.Errorf("second presentation: err = %v, want ErrReused", err)
		}

		fresh, err := f.svc.Signer().Sign(map[string]any{
			"token_type": "refresh", "user_id": 7, "jti": "fedcba9876543210fedcba9876543210",
			"iat": f.clock.Now().Unix(), "exp": f.clock.Now().Add(time.Hour).Unix(),
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.refresh(t, fresh); !errors.Is(err, ErrInvalid) {
			t.Errorf("unknown token issued after installation: err = %v, want ErrInvalid", err)
		}
	})
}

func TestAbsoluteLifetimeCapsExpiry(t *testing.T) {
	f := newFixture(t, storagetest.OpenSQLite(t))
	pair := f.start(t)
	current := pair
	for day := 0; day < 29; day++ {
		f.clock.Advance(24 * time.Hour)
		next, err := f.refresh(t, current.Refresh)
		if err != nil {
			t.Fatalf("day %d: %v", day, err)
		}
		current = next
	}
	created := storagetest.Epoch.Add(time.Hour)
	if current.RefreshExpiresAt.After(created.Add(life.Absolute)) {
		t.Errorf("refresh exp %v is past the family's absolute expiry %v", current.RefreshExpiresAt, created.Add(life.Absolute))
	}
	f.clock.Set(created.Add(life.Absolute))
	if _, err := f.refresh(t, current.Refresh); err == nil {
		t.Error("refresh at the absolute expiry succeeded")
	}
}

func TestRevokedAfterPasswordChange(t *testing.T) {
	f := newFixture(t, storagetest.OpenSQLite(t))
	pair := f.start(t)
	claims, err := f.svc.Signer().ParseAccess(pair.Access)
	if err != nil {
		t.Fatal(err)
	}
	later := f.clock.Now().Add(2 * time.Second)
	if err := f.svc.CheckRevoked(context.Background(), f.db, claims, &later); !errors.Is(err, ErrRevoked) {
		t.Errorf("token issued before tokens_valid_after: err = %v, want ErrRevoked", err)
	}
	sameSecond := f.clock.Now().Add(400 * time.Millisecond)
	if err := f.svc.CheckRevoked(context.Background(), f.db, claims, &sameSecond); err != nil {
		t.Errorf("token issued in the same second as tokens_valid_after: %v, want accepted", err)
	}
	n, err := f.svc.RevokeSubject(context.Background(), f.db, Staff, 7, ReasonPasswordChanged, "")
	if err != nil || n != 1 {
		t.Fatalf("RevokeSubject = %d, %v", n, err)
	}
	if err := f.svc.CheckRevoked(context.Background(), f.db, claims, nil); !errors.Is(err, ErrRevoked) {
		t.Errorf("after RevokeSubject: err = %v, want ErrRevoked", err)
	}
}
