package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/mapactive/authd/api"
)

// Contract is the OpenAPI document compiled for matching requests to its
// operations.
type Contract struct {
	Doc    *openapi3.T
	routes []contractRoute
}

type contractRoute struct {
	template string
	pattern  *regexp.Regexp
	params   []string
	item     *openapi3.PathItem
}

var (
	contractOnce sync.Once
	contract     *Contract
	contractErr  error
)

// LoadContract parses and validates api/openapi.yaml once per test binary.
func LoadContract() (*Contract, error) {
	contractOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(api.OpenAPI)
		if err != nil {
			contractErr = fmt.Errorf("parse api/openapi.yaml: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			contractErr = fmt.Errorf("api/openapi.yaml is not a valid OpenAPI document: %w", err)
			return
		}
		c := &Contract{Doc: doc}
		for template, item := range doc.Paths.Map() {
			c.routes = append(c.routes, compileTemplate(template, item))
		}
		// Literal segments win over parameters, as in the server's mux.
		sort.Slice(c.routes, func(i, j int) bool { return len(c.routes[i].params) < len(c.routes[j].params) })
		contract = c
	})
	return contract, contractErr
}

var templateParam = regexp.MustCompile(`\{([^}]+)\}`)

func compileTemplate(template string, item *openapi3.PathItem) contractRoute {
	r := contractRoute{template: template, item: item}
	expr := "^"
	last := 0
	for _, m := range templateParam.FindAllStringSubmatchIndex(template, -1) {
		expr += regexp.QuoteMeta(template[last:m[0]]) + "([^/]+)"
		r.params = append(r.params, template[m[2]:m[3]])
		last = m[1]
	}
	expr += regexp.QuoteMeta(strings.TrimSuffix(template[last:], "/")) + "/?$"
	r.pattern = regexp.MustCompile(expr)
	return r
}

// Operation finds the documented operation of a method and path.
func (c *Contract) Operation(method, path string) (*routers.Route, map[string]string, bool) {
	for _, r := range c.routes {
		m := r.pattern.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		op := r.item.GetOperation(method)
		if op == nil && method == http.MethodHead {
			op = r.item.Get
		}
		if op == nil {
			return nil, nil, false
		}
		params := map[string]string{}
		for i, name := range r.params {
			params[name] = m[i+1]
		}
		return &routers.Route{Spec: c.Doc, Path: r.template, PathItem: r.item, Method: method, Operation: op}, params, true
	}
	return nil, nil, false
}

// Has reports whether the document describes method and path template.
func (c *Contract) Has(method, template string) bool {
	item := c.Doc.Paths.Find(template)
	return item != nil && item.GetOperation(method) != nil
}

// Templates returns every "METHOD /path/" the document describes.
func (c *Contract) Templates() []string {
	var out []string
	for template, item := range c.Doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+template)
		}
	}
	sort.Strings(out)
	return out
}

// CheckResponse validates a response against the documented operation: the
// status must be documented and a JSON body must match its schema. Answers
// of the middleware that no operation lists (405, 413, 415 and CSRF 403 on
// routes that do not list them) are checked against the standard error body.
func (c *Contract) CheckResponse(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, ok := c.Operation(req.Method, req.URL.Path)
	if !ok {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return nil // unknown paths and methods get the standard bodies
		}
		return fmt.Errorf("%s %s is not described in api/openapi.yaml", req.Method, req.URL.Path)
	}
	if status == http.StatusBadRequest && bytes.Contains(body, []byte(`"invalid_url"`)) {
		return c.checkInvalidURL(req, body)
	}
	if route.Operation.Responses.Status(status) == nil && route.Operation.Responses.Default() == nil {
		return fmt.Errorf("%s %s returned %d, which api/openapi.yaml does not document for %s %s (body: %.300s)",
			req.Method, req.URL.Path, status, strings.ToUpper(req.Method), route.Path, body)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return fmt.Errorf("%s %s returned %d with a body that does not match api/openapi.yaml: %v\nbody: %.600s",
			req.Method, req.URL.Path, status, err, body)
	}
	return nil
}

// checkInvalidURL validates the 400 that the middleware returns on any route
// for a NUL byte or invalid UTF-8 in the path or query. OpenAPI 3.0 has no
// response shared by every operation, so the document states this rule once
// in its description, and the body must be the standard Detail body.
func (c *Contract) checkInvalidURL(req *http.Request, body []byte) error {
	var decoded any
	if err := json.Unmarshal(body, &decoded); err != nil {
		return fmt.Errorf("%s %s returned 400 invalid_url with a body that is not JSON: %v", req.Method, req.URL.Path, err)
	}
	schema := c.Doc.Components.Schemas["Detail"]
	if schema == nil || schema.Value == nil {
		return fmt.Errorf("api/openapi.yaml has no Detail schema for the invalid_url response")
	}
	if err := schema.Value.VisitJSON(decoded); err != nil {
		return fmt.Errorf("%s %s returned 400 invalid_url with a body that is not a Detail body: %v", req.Method, req.URL.Path, err)
	}
	return nil
}
