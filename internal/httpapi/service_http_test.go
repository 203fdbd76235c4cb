package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/storage"
)

func TestLinkMapsUsePublicURL(t *testing.T) {
	const public = "https://auth.example.test"
	s := apptest.New(t, storage.SQLite, map[string]string{"AUTHD_PUBLIC_URL": public + "/"})
	c := s.Client()
	cases := map[string][]string{
		"/api/":          {"api_v1", "token_obtain", "logout", "schema", "docs"},
		"/api/v1/":       {"users", "roles", "systems", "system-roles", "token", "tts", "hdts", "employees"},
		"/api/v1/token/": {"obtain", "refresh", "verify"},
		"/api/v1/users/": {"register", "login", "login_api", "logout", "profile", "token_refresh", "token_validate",
			"captcha_generate", "captcha_verify", "captcha_required"},
	}
	for path, keys := range cases {
		for _, variant := range []string{path, strings.TrimSuffix(path, "/")} {
			resp := c.Get(variant).Expect(t, http.StatusOK)
			for _, key := range keys {
				if !strings.HasPrefix(resp.String(key), public+"/") {
					t.Errorf("%s: %s = %q, want an absolute URL under %s", variant, key, resp.String(key), public)
				}
			}
			for key, value := range resp.JSON {
				if link, _ := value.(string); !strings.HasPrefix(link, public+"/") {
					t.Errorf("%s: %s = %v is not under AUTHD_PUBLIC_URL", variant, key, value)
				}
			}
		}
	}
	if got := c.Get("/api/v1/").String("employees"); got != public+"/api/v1/hdts/employees/" {
		t.Errorf("employees link = %q", got)
	}
	// Link maps need no token.
	if resp := c.Get("/api/v1/users/"); resp.Status != http.StatusOK {
		t.Errorf("/api/v1/users/ answered %d without a token", resp.Status)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		c := s.Client()
		for _, path := range []string{"/health/", "/health"} {
			jsonEqual(t, c.Get(path), http.StatusOK, map[string]any{"status": "ok"})
		}
		for _, path := range []string{"/health/ready/", "/health/ready"} {
			jsonEqual(t, c.Get(path), http.StatusOK, map[string]any{"status": "ready"})
		}
		if _, err := s.App.DB.ExecContext(t.Context(), "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)"); err != nil {
			t.Fatal(err)
		}
		c.Allow5xx = true
		jsonEqual(t, c.Get("/health/ready/"), http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": "database not migrated"})
		jsonEqual(t, c.Get("/health/"), http.StatusOK, map[string]any{"status": "ok"})
	})
}

// externalURL matches an absolute http(s) URL or a protocol-relative one in
// an HTML attribute or CSS.
var externalURL = regexp.MustCompile(`(?i)(src|href|action)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?(https?:)?//|@import\s+["']?(https?:)?//`)

func TestOpenAPIDocumentAndDocsPage(t *testing.T) {
	s := apptest.New(t, storage.SQLite, nil)
	for _, path := range []string{"/api/docs/", "/api/docs", "/docs/", "/docs"} {
		resp := rawGet(t, s, path)
		if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", path, resp.status, resp.header.Get("Content-Type"))
		}
		if m := externalURL.FindString(resp.body); m != "" {
			t.Errorf("%s references an external URL: %q", path, m)
		}
		if !strings.Contains(resp.body, `<script src="/api/docs/docs.js">`) {
			t.Errorf("%s does not load /api/docs/docs.js", path)
		}
		if csp := resp.header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s allows inline code: %q", path, csp)
		}
	}
	for path, contentType := range map[string]string{"/api/docs/docs.js": "text/javascript", "/api/docs/docs.css": "text/css"} {
		resp := rawGet(t, s, path)
		if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), contentType) {
			t.Fatalf("%s: %d %s, want 200 %s", path, resp.status, resp.header.Get("Content-Type"), contentType)
		}
		if m := externalURL.FindString(resp.body); m != "" {
			t.Errorf("%s references an external URL: %q", path, m)
		}
	}
	if script := rawGet(t, s, "/api/docs/docs.js"); !strings.Contains(script.body, "/api/schema/") {
		t.Error("/api/docs/docs.js does not load the schema from /api/schema/")
	}

	yamlDoc := rawGet(t, s, "/api/schema/")
	if yamlDoc.status != http.StatusOK || !strings.Contains(yamlDoc.header.Get("Content-Type"), "yaml") {
		t.Fatalf("/api/schema/: %d %s", yamlDoc.status, yamlDoc.header.Get("Content-Type"))
	}
	if doc, err := openapi3.NewLoader().LoadFromData([]byte(yamlDoc.body)); err != nil || doc.OpenAPI != "3.0.3" || !strings.HasPrefix(yamlDoc.body, "openapi:") {
		t.Errorf("/api/schema/ is not the YAML document: %v", err)
	}
	jsonDoc := rawGet(t, s, "/api/schema/?format=json")
	var fromJSON map[string]any
	if err := json.Unmarshal([]byte(jsonDoc.body), &fromJSON); err != nil || fromJSON["openapi"] != "3.0.3" || jsonDoc.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("/api/schema/?format=json: %v, content type %q", err, jsonDoc.header.Get("Content-Type"))
	}
	if paths, _ := fromJSON["paths"].(map[string]any); paths["/api/v1/users/login/api/"] == nil {
		t.Error("the JSON document lacks the sign-in route")
	}

	private := apptest.New(t, storage.SQLite, map[string]string{"AUTHD_OPENAPI_PUBLIC": "false"})
	for _, path := range []string{"/api/schema/", "/api/schema/?format=json", "/api/docs/", "/docs/"} {
		if got := rawGet(t, private, path).status; got != http.StatusNotFound {
			t.Errorf("%s with AUTHD_OPENAPI_PUBLIC=false answered %d, want 404", path, got)
		}
	}
	if root := private.Client().Get("/api/").Expect(t, http.StatusOK); root.Get("schema") != nil || root.Get("docs") != nil {
		root.Errorf(t, "/api/ must not link the document when it is not public")
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	s := apptest.New(t, storage.SQLite, nil)
	c := s.Client()
	notFound := map[string]any{"detail": "Not found.", "code": "not_found"}
	for _, path := range []string{"/api/nowhere/", "/api/v1/nowhere/at/all", "/api/v1/token/obtain/extra/", "/api/v2/"} {
		jsonEqual(t, c.Get(path), http.StatusNotFound, notFound)
	}
	resp := c.Do(http.MethodPut, "/api/v1/token/obtain/", nil)
	jsonEqual(t, resp, http.StatusMethodNotAllowed, map[string]any{"detail": `Method "PUT" not allowed.`, "code": "method_not_allowed"})
	if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "POST") {
		t.Errorf("Allow = %q, want POST listed", allow)
	}
	jsonEqual(t, c.Do(http.MethodDelete, "/api/me", nil), http.StatusMethodNotAllowed, map[string]any{"detail": `Method "DELETE" not allowed.`, "code": "method_not_allowed"})

	// No route answers with a redirect to add or remove the trailing slash.
	for _, path := range []string{"/api/v1/token/obtain", "/api/v1/users/login/api", "/api/me", "/health/ready"} {
		method := http.MethodPost
		if path == "/api/me" || path == "/health/ready" {
			method = http.MethodGet
		}
		if got := rawDo(t, s, method, path, "").StatusCode; got >= 300 && got < 400 {
			t.Errorf("%s %s redirected (%d)", method, path, got)
		}
	}
}

type rawResponse struct {
	status int
	header http.Header
	body   string
}

func rawGet(t *testing.T, s *apptest.Server, path string) rawResponse {
	t.Helper()
	resp, err := http.Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: string(body)}
}
