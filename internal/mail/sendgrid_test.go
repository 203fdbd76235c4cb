package mail

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const testSendGridKey = "SG.test-key-do-not-log"

// sendGridStub replaces the SendGrid API in tests. It listens on 127.0.0.1,
// records each request and replies with the configured status and body.
type sendGridStub struct {
	server *httptest.Server
	status int
	reply  string

	mu       sync.Mutex
	requests []recordedRequest
}

type recordedRequest struct {
	method, path, authorization, contentType string
	body                                     []byte
}

func newSendGridStub(t *testing.T, status int, reply string) *sendGridStub {
	t.Helper()
	stub := &sendGridStub{status: status, reply: reply}
	stub.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		stub.mu.Lock()
		stub.requests = append(stub.requests, recordedRequest{
			method: r.Method, path: r.URL.Path, authorization: r.Header.Get("Authorization"),
			contentType: r.Header.Get("Content-Type"), body: body,
		})
		stub.mu.Unlock()
		w.WriteHeader(stub.status)
		_, _ = io.WriteString(w, stub.reply)
	}))
	t.Cleanup(stub.server.Close)
	return stub
}

func (s *sendGridStub) sender(sandbox bool) *sendGridSender {
	return newSendGridSender(s.server.URL+"/v3/mail/send", testSendGridKey, sandbox, Address{Email: "accounts@acme.test", Name: "Acme"})
}

func (s *sendGridStub) lastRequest(t *testing.T) recordedRequest {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) != 1 {
		t.Fatalf("stub received %d requests, want 1", len(s.requests))
	}
	return s.requests[0]
}

func TestSendGridRequestShape(t *testing.T) {
	stub := newSendGridStub(t, http.StatusAccepted, "")
	m := &Message{
		To:      []string{"Ann Lee <ann@example.com>"},
		Subject: "Your Verification Code - Acme",
		Text:    "Code: 482913",
		HTML:    "<p>Code: <b>482913</b></p>",
		Headers: map[string]string{"X-Authd-Job": "42"},
	}
	if err := stub.sender(true).Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}

	request := stub.lastRequest(t)
	if request.method != http.MethodPost || request.path != "/v3/mail/send" {
		t.Errorf("request = %s %s", request.method, request.path)
	}
	if request.authorization != "Bearer "+testSendGridKey {
		t.Errorf("Authorization = %q", request.authorization)
	}
	if request.contentType != "application/json" {
		t.Errorf("Content-Type = %q", request.contentType)
	}

	var body struct {
		Personalizations []struct {
			To []map[string]string `json:"to"`
		} `json:"personalizations"`
		From         map[string]string   `json:"from"`
		Subject      string              `json:"subject"`
		Content      []map[string]string `json:"content"`
		Headers      map[string]string   `json:"headers"`
		MailSettings struct {
			SandboxMode struct {
				Enable bool `json:"enable"`
			} `json:"sandbox_mode"`
		} `json:"mail_settings"`
	}
	if err := json.Unmarshal(request.body, &body); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, request.body)
	}
	if len(body.Personalizations) != 1 || len(body.Personalizations[0].To) != 1 {
		t.Fatalf("personalizations = %+v", body.Personalizations)
	}
	if to := body.Personalizations[0].To[0]; to["email"] != "ann@example.com" || to["name"] != "Ann Lee" {
		t.Errorf("to = %v", to)
	}
	if body.From["email"] != "accounts@acme.test" || body.From["name"] != "Acme" {
		t.Errorf("from = %v", body.From)
	}
	if body.Subject != m.Subject {
		t.Errorf("subject = %q", body.Subject)
	}
	if len(body.Content) != 2 ||
		body.Content[0]["type"] != "text/plain" || body.Content[0]["value"] != m.Text ||
		body.Content[1]["type"] != "text/html" || body.Content[1]["value"] != m.HTML {
		t.Errorf("content = %v, want text/plain then text/html", body.Content)
	}
	if body.Headers["Auto-Submitted"] != "auto-generated" || body.Headers["X-Authd-Job"] != "42" ||
		body.Headers["Message-ID"] != m.MessageID || !strings.HasSuffix(m.MessageID, "@acme.test>") {
		t.Errorf("headers = %v (message ID %q)", body.Headers, m.MessageID)
	}
	if !body.MailSettings.SandboxMode.Enable {
		t.Errorf("sandbox mode is off")
	}
}

func TestSendGridWithoutSandboxOrHTML(t *testing.T) {
	stub := newSendGridStub(t, http.StatusOK, "")
	m := &Message{To: []string{"ann@example.com"}, Subject: "Hi", Text: "Plain only"}
	if err := stub.sender(false).Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(stub.lastRequest(t).body, &body); err != nil {
		t.Fatal(err)
	}
	if _, ok := body["mail_settings"]; ok {
		t.Errorf("mail_settings sent without sandbox mode: %s", body["mail_settings"])
	}
	var content []map[string]string
	if err := json.Unmarshal(body["content"], &content); err != nil {
		t.Fatal(err)
	}
	if len(content) != 1 || content[0]["type"] != "text/plain" {
		t.Errorf("content = %v", content)
	}
}

func TestSendGridErrorClassification(t *testing.T) {
	cases := []struct {
		status    int
		reply     string
		permanent bool
	}{
		{http.StatusBadRequest, `{"errors":[{"message":"The from address does not match a verified Sender Identity.","field":"from"}]}`, true},
		{http.StatusUnauthorized, `{"errors":[{"message":"The provided authorization grant is invalid, expired, or revoked"}]}`, true},
		{http.StatusForbidden, `{"errors":[{"message":"access forbidden"}]}`, true},
		{http.StatusRequestEntityTooLarge, ``, true},
		{http.StatusTooManyRequests, `{"errors":[{"message":"too many requests"}]}`, false},
		{http.StatusInternalServerError, `internal error`, false},
		{http.StatusServiceUnavailable, `unavailable`, false},
		{http.StatusMovedPermanently, ``, false},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			stub := newSendGridStub(t, tc.status, tc.reply)
			err := stub.sender(false).Send(context.Background(), validMessage())
			if err == nil {
				t.Fatal("no error")
			}
			if IsPermanent(err) != tc.permanent {
				t.Errorf("IsPermanent = %v, want %v (%v)", IsPermanent(err), tc.permanent, err)
			}
			text := err.Error()
			if !strings.HasPrefix(text, "sendgrid: HTTP ") || !strings.Contains(text, http.StatusText(tc.status)) {
				t.Errorf("error text = %q", text)
			}
			if tc.reply != "" && !strings.Contains(text, tc.reply) {
				t.Errorf("error text lacks the reply body: %q", text)
			}
			if strings.Contains(text, testSendGridKey) {
				t.Errorf("error text contains the API key")
			}
		})
	}
}

func TestSendGridErrorBodyTrimmedAndRedacted(t *testing.T) {
	reply := `{"echo":"Bearer ` + testSendGridKey + `","pad":"` + strings.Repeat("é", 600) + `"}`
	stub := newSendGridStub(t, http.StatusBadRequest, reply)
	err := stub.sender(false).Send(context.Background(), validMessage())
	if err == nil {
		t.Fatal("no error")
	}
	text := err.Error()
	if strings.Contains(text, testSendGridKey) {
		t.Errorf("error text contains the API key: %q", text)
	}
	if !strings.Contains(text, "[redacted]") || !strings.HasSuffix(text, "...") {
		t.Errorf("error text is not redacted and trimmed: %q", text)
	}
	if len(text) > 600 || !strings.ContainsRune(text, 'é') || strings.ContainsRune(text, '\uFFFD') {
		t.Errorf("error text has %d bytes or a broken character: %q", len(text), text)
	}
}

func TestSendGridConnectionRefusedIsTemporary(t *testing.T) {
	address := unusedLoopbackAddress(t)
	sender := newSendGridSender("http://"+address+"/v3/mail/send", testSendGridKey, false, Address{Email: "a@acme.test"})
	err := sender.Send(context.Background(), validMessage())
	if err == nil {
		t.Fatal("no error")
	}
	if IsPermanent(err) {
		t.Errorf("connection failure is permanent: %v", err)
	}
	if strings.Contains(err.Error(), testSendGridKey) {
		t.Errorf("error text contains the API key")
	}
}

func TestSendGridCanceledContextIsTemporary(t *testing.T) {
	stub := newSendGridStub(t, http.StatusAccepted, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := stub.sender(false).Send(ctx, validMessage())
	if err == nil || IsPermanent(err) {
		t.Errorf("error = %v, want a temporary error", err)
	}
}

// unusedLoopbackAddress returns a 127.0.0.1 address where nothing listens:
// the port of a listener that is closed again.
func unusedLoopbackAddress(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := listener.Addr().String()
	if err := listener.Close(); err != nil {
		t.Fatal(err)
	}
	return address
}
