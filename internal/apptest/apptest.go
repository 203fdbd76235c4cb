// Package apptest runs a real authd behind httptest on a fresh SQLite or
// PostgreSQL database, with a fake clock, and gives tests an HTTP client that
// checks every response against api/openapi.yaml and fails the test on any
// 5xx.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/app"
	"github.com/mapactive/authd/internal/clock"
	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

// Server is a running authd for one test.
type Server struct {
	T        testing.TB
	App      *app.App
	Clock    *clock.Fake
	URL      string
	Contract *Contract
	http     *httptest.Server
}

// Start is the instant the fake clock of every test server starts at.
var Start = storagetest.Epoch.Add(time.Hour)

// TestEnv is the environment every test server starts from. Argon2 runs with
// small parameters so tests that sign in often stay fast; timing-sensitive
// benchmarks set the defaults back.
func TestEnv() map[string]string {
	return map[string]string{
		"AUTHD_ENV":                 "development",
		"AUTHD_SECRET_KEY":          "test-secret-key-0123456789abcdef0123456789",
		"AUTHD_JWT_SIGNING_KEY":     "test-shared-signing-key-0123456789abcdef",
		"AUTHD_ARGON2_MEMORY_KIB":   "1024",
		"AUTHD_ARGON2_ITERATIONS":   "1",
		"AUTHD_LOG_LEVEL":           "warn",
		"AUTHD_EMAIL_PROVIDER":      "memory",
		"DJANGO_DEFAULT_FROM_EMAIL": "authd@example.com",
	}
}

// EachDialect runs fn against a server on SQLite and one on PostgreSQL.
func EachDialect(t *testing.T, env map[string]string, fn func(t *testing.T, s *Server)) {
	t.Helper()
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		t.Run(driver, func(t *testing.T) { fn(t, New(t, driver, env)) })
	}
}

// New starts a server on a fresh database of driver. env entries override
// TestEnv.
func New(t testing.TB, driver string, env map[string]string) *Server {
	t.Helper()
	contract, err := LoadContract()
	if err != nil {
		t.Fatal(err)
	}
	db := storagetest.Open(t, driver)
	ts := httptest.NewUnstartedServer(nil)
	publicURL := "http://" + ts.Listener.Addr().String()
	values := TestEnv()
	values["AUTHD_PUBLIC_URL"] = publicURL
	values["AUTHD_MEDIA_DIR"] = t.TempDir()
	for k, v := range env {
		values[k] = v
	}
	cfg, err := config.Load(func(name string) (string, bool) { v, ok := values[name]; return v, ok })
	if err != nil {
		t.Fatalf("test configuration: %v", err)
	}
	fake := clock.NewFake(Start)
	a, err := app.New(context.Background(), cfg, app.Options{Now: fake.Now, DB: db})
	if err != nil {
		t.Fatalf("build authd: %v", err)
	}
	ts.Config.Handler = a.Handler()
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		a.Close()
	})
	return &Server{T: t, App: a, Clock: fake, URL: publicURL, Contract: contract, http: ts}
}

// Client is an HTTP client of one Server with its own cookie jar. It never
// follows redirects.
type Client struct {
	s      *Server
	http   *http.Client
	Header http.Header // sent with every request
	// Allow5xx lets a request get a 5xx response without failing the test.
	Allow5xx bool
}

// Client returns a new client with an empty cookie jar.
func (s *Server) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{s: s, Header: http.Header{}, http: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Body is a request body with its content type.
type Body struct {
	ContentType string
	Data        []byte
}

// JSON encodes v as a JSON body.
func JSON(v any) Body {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return Body{ContentType: "application/json", Data: data}
}

// Form encodes fields as an urlencoded body.
func Form(fields map[string]string) Body {
	values := url.Values{}
	for k, v := range fields {
		values.Set(k, v)
	}
	return Body{ContentType: "application/x-www-form-urlencoded", Data: []byte(values.Encode())}
}

// File is one file of a multipart body.
type File struct {
	Field, Name string
	Data        []byte
}

// Multipart encodes fields and files as a multipart/form-data body.
func Multipart(fields map[string]string, files ...File) Body {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for _, f := range files {
		part, _ := w.CreateFormFile(f.Field, f.Name)
		part.Write(f.Data)
	}
	w.Close()
	return Body{ContentType: w.FormDataContentType(), Data: buf.Bytes()}
}

// Raw is a body with an arbitrary content type.
func Raw(contentType string, data []byte) Body { return Body{ContentType: contentType, Data: data} }

// Response is a received response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any // the body when it is a JSON object
}

// Do sends a request and checks the response against the contract. header
// pairs ("Name", "value", ...) are added to the request.
func (c *Client) Do(method, path string, body *Body, header ...string) *Response {
	c.s.T.Helper()
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body.Data)
	}
	req, err := http.NewRequest(method, c.s.URL+path, reader)
	if err != nil {
		c.s.T.Fatalf("build request %s %s: %v", method, path, err)
	}
	for k, values := range c.Header {
		for _, v := range values {
			req.Header.Add(k, v)
		}
	}
	if body != nil {
		req.Header.Set("Content-Type", body.ContentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.s.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		json.Unmarshal(data, &out.JSON)
	}
	if resp.StatusCode >= 500 && !c.Allow5xx {
		c.s.T.Errorf("%s %s returned %d: a 5xx in a test is a bug\n%s", method, path, resp.StatusCode, data)
	}
	checkReq, _ := http.NewRequest(method, c.s.URL+path, nil)
	checkReq.Header = req.Header
	if err := c.s.Contract.CheckResponse(checkReq, resp.StatusCode, resp.Header, data); err != nil {
		c.s.T.Errorf("contract: %v", err)
	}
	return out
}

// Get sends a GET request.
func (c *Client) Get(path string, header ...string) *Response {
	return c.Do(http.MethodGet, path, nil, header...)
}

// Post sends a POST request with body.
func (c *Client) Post(path string, body Body, header ...string) *Response {
	return c.Do(http.MethodPost, path, &body, header...)
}

// Cookie returns the value of a cookie the client holds for the server.
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.s.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie stores a cookie in the client's jar.
func (c *Client) SetCookie(name, value string) {
	u, _ := url.Parse(c.s.URL)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// Get returns a nested JSON value by dotted path, such as "user.email".
func (r *Response) Get(path string) any {
	var v any = r.JSON
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// String returns a nested JSON string, or "".
func (r *Response) String(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

// Expect fails the test unless the status is want.
func (r *Response) Expect(t testing.TB, want int) *Response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d; body: %s", r.Status, want, r.Body)
	}
	return r
}

// SetCookies returns the Set-Cookie headers by cookie name.
func (r *Response) SetCookies() map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		out[c.Name] = c
	}
	return out
}

// Errorf formats a failure that names the response.
func (r *Response) Errorf(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Errorf("%s; body: %s", fmt.Sprintf(format, args...), r.Body)
}
