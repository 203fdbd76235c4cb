// Package mailpittest reads the e-mails that tests send to Mailpit back
// through Mailpit's HTTP API (v1, as served by Mailpit v1.33.1).
//
// Tests that share one Mailpit give every test its own recipient address
// (UniqueAddress, Client.Recipient) and look messages up by recipient, so
// parallel tests and earlier runs never see each other's e-mails.
package mailpittest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/testenv"
)

// DefaultWaitTimeout is the WaitTimeout of a new Client.
const DefaultWaitTimeout = 20 * time.Second

// pollInterval is how often Wait searches Mailpit again.
const pollInterval = 50 * time.Millisecond

// searchLimit is the page size of a search. A test's own recipient never
// gets that many messages, so one page holds them all.
const searchLimit = 1000

// Client calls Mailpit's HTTP API. Every method that takes a testing.TB
// fails the test when a request fails or Mailpit responds with a status
// other than 200.
type Client struct {
	// WaitTimeout bounds how long Wait and WaitSubject poll.
	WaitTimeout time.Duration

	baseURL string
	http    *http.Client
}

// New returns a client for the Mailpit whose API is at baseURL, such as
// http://127.0.0.1:8025.
func New(baseURL string) *Client {
	return &Client{
		WaitTimeout: DefaultWaitTimeout,
		baseURL:     strings.TrimRight(baseURL, "/"),
		http:        &http.Client{Timeout: 10 * time.Second},
	}
}

// Shared returns a client for the Mailpit that AUTHD_TEST_MAILPIT_URL
// names. When the variable is unset the test is skipped, or fails under
// CI=true.
func Shared(t testing.TB) *Client {
	t.Helper()
	return New(testenv.Require(t, testenv.MailpitURL, "Mailpit (HTTP API)"))
}

// ServerEnv returns the authd environment variables that make a test server
// send e-mail by SMTP, without TLS, to the Mailpit that AUTHD_TEST_SMTP_ADDR
// names. When the variable is unset the test is skipped, or fails under
// CI=true.
func ServerEnv(t testing.TB) map[string]string {
	t.Helper()
	address := testenv.Require(t, testenv.SMTPAddr, "Mailpit (SMTP)")
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		t.Fatalf("%s=%q is not a host:port address: %v", testenv.SMTPAddr, address, err)
	}
	return map[string]string{
		"AUTHD_EMAIL_PROVIDER": "smtp",
		"DJANGO_EMAIL_HOST":    host,
		"DJANGO_EMAIL_PORT":    port,
		"DJANGO_EMAIL_USE_TLS": "false",
	}
}

// UniqueAddress returns an address at example.com whose local part is name
// followed by a random suffix, so no other test or run uses it.
func UniqueAddress(name string) string {
	var random [6]byte
	_, _ = rand.Read(random[:])
	return name + "." + hex.EncodeToString(random[:]) + "@example.com"
}

// Recipient returns UniqueAddress(name) and deletes the messages sent to
// it when the test ends.
func (c *Client) Recipient(t testing.TB, name string) string {
	t.Helper()
	recipient := UniqueAddress(name)
	t.Cleanup(func() { c.DeleteTo(t, recipient) })
	return recipient
}

// Address is a mailbox as Mailpit reports it.
type Address struct {
	Name    string
	Address string
}

// Summary is one message in a search result.
type Summary struct {
	ID string
	// MessageID is the Message-ID header without its angle brackets.
	MessageID string
	From      Address
	To        []Address
	Subject   string
}

// Message is one message with its parts.
type Message struct {
	ID string
	// MessageID is the Message-ID header without its angle brackets.
	MessageID string
	From      Address
	To        []Address
	Subject   string
	Text      string
	HTML      string
	// Username is the SMTP AUTH user the message was sent with, if any.
	Username string
}

// Search returns the messages matching a Mailpit search query such as
// `to:"ann@example.com"`, newest first.
func (c *Client) Search(t testing.TB, query string) []Summary {
	t.Helper()
	var result struct {
		Messages []Summary `json:"messages"`
	}
	c.Do(t, http.MethodGet, fmt.Sprintf("/api/v1/search?limit=%d&query=%s", searchLimit, url.QueryEscape(query)), nil, &result)
	return result.Messages
}

// To returns the messages sent to recipient, newest first.
func (c *Client) To(t testing.TB, recipient string) []Summary {
	t.Helper()
	return c.Search(t, toQuery(recipient))
}

// Subjects returns the subjects of the messages sent to recipient, newest
// first.
func (c *Client) Subjects(t testing.TB, recipient string) []string {
	t.Helper()
	return subjectsOf(c.To(t, recipient))
}

// Message returns the message with Mailpit's database id.
func (c *Client) Message(t testing.TB, id string) Message {
	t.Helper()
	var message Message
	c.Do(t, http.MethodGet, "/api/v1/message/"+url.PathEscape(id), nil, &message)
	return message
}

// Headers returns the header fields of the message with Mailpit's database
// id, keyed by canonical field name.
func (c *Client) Headers(t testing.TB, id string) map[string][]string {
	t.Helper()
	var headers map[string][]string
	c.Do(t, http.MethodGet, "/api/v1/message/"+url.PathEscape(id)+"/headers", nil, &headers)
	return headers
}

// Only returns the one message sent to recipient and fails the test when
// Mailpit holds none or more than one. It does not wait, because Mailpit
// v1.33.1 stores a message before it acknowledges the SMTP DATA command.
func (c *Client) Only(t testing.TB, recipient string) Message {
	t.Helper()
	summaries := c.To(t, recipient)
	if len(summaries) != 1 {
		t.Fatalf("Mailpit contains %d messages to %s with subjects %q, want 1", len(summaries), recipient, subjectsOf(summaries))
	}
	return c.Message(t, summaries[0].ID)
}

// Wait polls Mailpit until a message to recipient satisfies match and
// returns the newest such message. A nil match accepts any message. When
// WaitTimeout passes first, the test fails with a message that names
// recipient, want (such as `subject "Welcome"`) and the subjects that did
// arrive.
func (c *Client) Wait(t testing.TB, recipient, want string, match func(Message) bool) Message {
	t.Helper()
	deadline := time.Now().Add(c.WaitTimeout)
	fetched := map[string]Message{}
	for {
		summaries := c.To(t, recipient)
		for _, summary := range summaries {
			message, ok := fetched[summary.ID]
			if !ok {
				message = c.Message(t, summary.ID)
				fetched[summary.ID] = message
			}
			if match == nil || match(message) {
				return message
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for an e-mail to %s with %s. Mailpit contains %d messages to that address, with subjects %q",
				c.WaitTimeout, recipient, want, len(summaries), subjectsOf(summaries))
		}
		time.Sleep(pollInterval)
	}
}

// WaitSubject polls Mailpit until a message to recipient with exactly
// subject arrives, and returns it.
func (c *Client) WaitSubject(t testing.TB, recipient, subject string) Message {
	t.Helper()
	return c.Wait(t, recipient, fmt.Sprintf("subject %q", subject), func(m Message) bool { return m.Subject == subject })
}

// DeleteTo deletes every message sent to recipient.
func (c *Client) DeleteTo(t testing.TB, recipient string) {
	t.Helper()
	c.Do(t, http.MethodDelete, "/api/v1/search?query="+url.QueryEscape(toQuery(recipient)), nil, nil)
}

// ChaosTrigger makes a Mailpit started with --enable-chaos reject an SMTP
// stage with ErrorCode in Probability percent of the attempts.
type ChaosTrigger struct {
	ErrorCode   int
	Probability int
}

// SetChaos replaces the chaos triggers, keyed by SMTP stage (Sender,
// Recipient or Authentication). An empty map turns every trigger off.
func (c *Client) SetChaos(t testing.TB, triggers map[string]ChaosTrigger) {
	t.Helper()
	c.Do(t, http.MethodPut, "/api/v1/chaos", triggers, nil)
}

// Ready reports whether Mailpit's readiness check (/readyz) returns 200. It
// never fails the test, so it can poll a Mailpit that is still starting.
func (c *Client) Ready() bool {
	response, err := c.http.Get(c.baseURL + "/readyz")
	if err != nil {
		return false
	}
	_ = response.Body.Close()
	return response.StatusCode == http.StatusOK
}

// Do sends a request to the API path, with body encoded as JSON unless it
// is nil, and decodes the JSON response into result unless it is nil.
func (c *Client) Do(t testing.TB, method, path string, body, result any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("Mailpit API %s %s: encode the request body: %v", method, path, err)
		}
		reader = bytes.NewReader(encoded)
	}
	request, err := http.NewRequestWithContext(context.Background(), method, c.baseURL+path, reader)
	if err != nil {
		t.Fatalf("Mailpit API %s %s: %v", method, path, err)
	}
	if body != nil {
		request.Header.Set("Content-Type", "application/json")
	}

	response, err := c.http.Do(request)
	if err != nil {
		t.Fatalf("Mailpit API %s %s: %v", method, path, err)
	}
	defer response.Body.Close()
	content, err := io.ReadAll(response.Body)
	if err != nil {
		t.Fatalf("Mailpit API %s %s: read the response: %v", method, path, err)
	}
	if response.StatusCode != http.StatusOK {
		t.Fatalf("Mailpit API %s %s: HTTP %d: %s", method, path, response.StatusCode, content)
	}
	if result != nil {
		if err := json.Unmarshal(content, result); err != nil {
			t.Fatalf("Mailpit API %s %s: decode %s: %v", method, path, content, err)
		}
	}
}

// Find returns the first match of pattern in the text part, followed by
// its submatches as regexp.FindStringSubmatch returns them, and fails the
// test when the text part has no match. Tests use it to extract links and
// one-time codes.
func (m Message) Find(t testing.TB, pattern *regexp.Regexp) []string {
	t.Helper()
	match := pattern.FindStringSubmatch(m.Text)
	if match == nil {
		t.Fatalf("the e-mail %q has no match for %s in its text part:\n%s", m.Subject, pattern, m.Text)
	}
	return match
}

func toQuery(recipient string) string {
	return `to:"` + recipient + `"`
}

func subjectsOf(summaries []Summary) []string {
	subjects := make([]string, 0, len(summaries))
	for _, summary := range summaries {
		subjects = append(subjects, summary.Subject)
	}
	return subjects
}
