package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/storage"
)

// contractTemplate writes a route pattern the way api/openapi.yaml names it:
// "{file...}" wildcards become "{file}".
func contractTemplate(pattern string) string {
	return strings.ReplaceAll(pattern, "...}", "}")
}

func TestEveryRouteIsDocumented(t *testing.T) {
	s := apptest.New(t, storage.SQLite, nil)
	for _, pattern := range s.App.Server.Patterns() {
		method, path, _ := strings.Cut(contractTemplate(pattern), " ")
		if !s.Contract.Has(method, path) {
			t.Errorf("route %s is registered but api/openapi.yaml does not describe it", pattern)
		}
	}
}

func TestEveryDocumentedRouteExists(t *testing.T) {
	s := apptest.New(t, storage.SQLite, nil)
	var registered []string
	for _, pattern := range s.App.Server.Patterns() {
		method, path, _ := strings.Cut(contractTemplate(pattern), " ")
		registered = append(registered, strings.ToUpper(method)+" "+path)
	}
	for _, documented := range s.Contract.Templates() {
		if !slices.Contains(registered, documented) {
			t.Errorf("api/openapi.yaml describes %s, which no route serves", documented)
		}
	}
}

func TestNumericIDsDoNotSwallowOtherPaths(t *testing.T) {
	s := apptest.New(t, storage.SQLite, nil)
	c := s.Client()
	wrongMethod := c.Get("/api/v1/users/logout/")
	if wrongMethod.Status != http.StatusMethodNotAllowed {
		wrongMethod.Errorf(t, "GET on a POST-only path: status %d, want 405", wrongMethod.Status)
	}
	if allow := wrongMethod.Header.Get("Allow"); !strings.Contains(allow, "POST") {
		t.Errorf("Allow = %q, want POST listed", allow)
	}
	if res := c.Get("/api/v1/users/123/"); res.Status != http.StatusUnauthorized {
		res.Errorf(t, "numeric id without credentials: status %d, want 401", res.Status)
	}
}
