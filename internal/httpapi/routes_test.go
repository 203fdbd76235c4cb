package httpapi_test

import (
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
