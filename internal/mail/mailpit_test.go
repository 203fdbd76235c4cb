package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mailpitClient reads messages back through Mailpit's HTTP API.
type mailpitClient struct {
	baseURL string
	client  *http.Client
}

func newMailpitClient(baseURL string) *mailpitClient {
	return &mailpitClient{baseURL: strings.TrimRight(baseURL, "/"), client: &http.Client{Timeout: 10 * time.Second}}
}

type mailpitAddress struct {
	Name    string
	Address string
}

type mailpitSummary struct {
	ID        string
	MessageID string
	Subject   string
	To        []mailpitAddress
}

type mailpitMessage struct {
	ID        string
	MessageID string
	From      mailpitAddress
	To        []mailpitAddress
	Subject   string
	Text      string
	HTML      string
	Username  string
}

func (c *mailpitClient) do(t testing.TB, method, path string, body any, result any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(encoded)
	}

	request, err := http.NewRequestWithContext(context.Background(), method, c.baseURL+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		request.Header.Set("Content-Type", "application/json")
	}

	response, err := c.client.Do(request)
	if err != nil {
		t.Fatalf("Mailpit API %s %s: %v", method, path, err)
	}
	defer response.Body.Close()
	content, _ := io.ReadAll(response.Body)
	if response.StatusCode != http.StatusOK {
		t.Fatalf("Mailpit API %s %s: HTTP %d: %s", method, path, response.StatusCode, content)
	}

	if result != nil {
		if err := json.Unmarshal(content, result); err != nil {
			t.Fatalf("Mailpit API %s %s: decode %s: %v", method, path, content, err)
		}
	}
}

// search returns the summaries of the messages matching a Mailpit search
// query such as `to:"ann@example.com"`.
func (c *mailpitClient) search(t testing.TB, query string) []mailpitSummary {
	t.Helper()
	var result struct {
		Messages []mailpitSummary `json:"messages"`
	}
	c.do(t, http.MethodGet, "/api/v1/search?limit=1000&query="+url.QueryEscape(query), nil, &result)
	return result.Messages
}

// messageTo returns the only message sent to recipient. Mailpit v1.33.1
// stores a message before it acknowledges the DATA command, so no wait is
// needed.
func (c *mailpitClient) messageTo(t testing.TB, recipient string) mailpitMessage {
	t.Helper()
	summaries := c.search(t, `to:"`+recipient+`"`)
	if len(summaries) != 1 {
		t.Fatalf("Mailpit holds %d messages to %s, want 1", len(summaries), recipient)
	}
	var message mailpitMessage
	c.do(t, http.MethodGet, "/api/v1/message/"+summaries[0].ID, nil, &message)
	return message
}

func (c *mailpitClient) headers(t testing.TB, id string) map[string][]string {
	t.Helper()
	var headers map[string][]string
	c.do(t, http.MethodGet, "/api/v1/message/"+id+"/headers", nil, &headers)
	return headers
}

func (c *mailpitClient) countTo(t testing.TB, recipient string) int {
	t.Helper()
	return len(c.search(t, `to:"`+recipient+`"`))
}

// deleteTo removes every message sent to recipient.
func (c *mailpitClient) deleteTo(t testing.TB, recipient string) {
	t.Helper()
	c.do(t, http.MethodDelete, "/api/v1/search?query="+url.QueryEscape(`to:"`+recipient+`"`), nil, nil)
}

// uniqueRecipient returns an address no other test uses, so parallel tests
// and earlier runs never see each other's messages in a shared Mailpit, and
// registers the removal of its messages.
func uniqueRecipient(t testing.TB, client *mailpitClient) string {
	t.Helper()
	var random [6]byte
	_, _ = rand.Read(random[:])
	recipient := "mail-test-" + hex.EncodeToString(random[:]) + "@example.com"
	if client != nil {
		t.Cleanup(func() { client.deleteTo(t, recipient) })
	}
	return recipient
}

// splitHostPort splits a host:port test address.
func splitHostPort(t testing.TB, address string) (string, int) {
	t.Helper()
	colon := strings.LastIndexByte(address, ':')
	if colon < 0 {
		t.Fatalf("address %q has no port", address)
	}
	port, err := strconv.Atoi(address[colon+1:])
	if err != nil {
		t.Fatalf("address %q: %v", address, err)
	}
	return address[:colon], port
}
