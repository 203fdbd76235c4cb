package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// sendGridTimeout bounds one API request, including reading the reply.
	sendGridTimeout = 30 * time.Second
	// maxErrorBody is how much of SendGrid's reply an error message keeps.
	maxErrorBody = 500
)

// sendGridSender posts messages to the SendGrid v3 mail send API.
type sendGridSender struct {
	endpoint string
	apiKey   string
	sandbox  bool
	from     Address
	client   *http.Client
}

func newSendGridSender(endpoint, apiKey string, sandbox bool, from Address) *sendGridSender {
	return &sendGridSender{
		endpoint: endpoint,
		apiKey:   apiKey,
		sandbox:  sandbox,
		from:     from,
		client: &http.Client{
			Timeout: sendGridTimeout,
			// A redirect would resend the key to another URL and turn the
			// POST into a GET, so the first reply is final.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// Name returns "sendgrid".
func (s *sendGridSender) Name() string { return ProviderSendGrid }

// The request body of POST /v3/mail/send, limited to the fields authd uses.
type sendGridRequest struct {
	Personalizations []sendGridPersonalization `json:"personalizations"`
	From             sendGridAddress           `json:"from"`
	Subject          string                    `json:"subject"`
	Content          []sendGridContent         `json:"content"`
	Headers          map[string]string         `json:"headers,omitempty"`
	MailSettings     *sendGridMailSettings     `json:"mail_settings,omitempty"`
}

type sendGridPersonalization struct {
	To []sendGridAddress `json:"to"`
}

type sendGridAddress struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

type sendGridContent struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type sendGridMailSettings struct {
	SandboxMode sendGridSetting `json:"sandbox_mode"`
}

type sendGridSetting struct {
	Enable bool `json:"enable"`
}

// Send posts m. Any 2xx status is success. 429 and 5xx statuses, other
// statuses outside 4xx, and network failures are temporary, and the other
// 4xx statuses are permanent.
func (s *sendGridSender) Send(ctx context.Context, m *Message) error {
	if err := prepareForSend(ProviderSendGrid, m, s.from); err != nil {
		return err
	}
	body, err := s.requestBody(m)
	if err != nil {
		return permanentError(ProviderSendGrid, err)
	}

	request, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return permanentError(ProviderSendGrid, fmt.Errorf("build request: %w", err))
	}
	request.Header.Set("Authorization", "Bearer "+s.apiKey)
	request.Header.Set("Content-Type", "application/json")
	request.Header.Set("Accept", "application/json")

	response, err := s.client.Do(request)
	if err != nil {
		return &SendError{Provider: ProviderSendGrid, Err: fmt.Errorf("request failed: %w", err)}
	}
	defer response.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(response.Body, 4*maxErrorBody))

	status := response.StatusCode
	if status >= 200 && status < 300 {
		return nil
	}
	return &SendError{
		Provider:  ProviderSendGrid,
		Status:    status,
		Permanent: status >= 400 && status < 500 && status != http.StatusTooManyRequests,
		Err:       fmt.Errorf("HTTP %s: %s", response.Status, s.errorBody(reply)),
	}
}

func (s *sendGridSender) requestBody(m *Message) ([]byte, error) {
	recipients := make([]sendGridAddress, 0, len(m.To))
	for _, to := range m.To {
		address, err := parseRecipient(to)
		if err != nil {
			return nil, err
		}
		recipients = append(recipients, sendGridAddress{Email: address.Address, Name: address.Name})
	}

	// SendGrid requires text/plain before text/html.
	content := []sendGridContent{{Type: "text/plain", Value: m.Text}}
	if m.HTML != "" {
		content = append(content, sendGridContent{Type: "text/html", Value: m.HTML})
	}

	headers := maps.Clone(m.Headers)
	headers["Message-ID"] = m.MessageID

	request := sendGridRequest{
		Personalizations: []sendGridPersonalization{{To: recipients}},
		From:             sendGridAddress{Email: m.From.Email, Name: m.From.Name},
		Subject:          m.Subject,
		Content:          content,
		Headers:          headers,
	}
	if s.sandbox {
		request.MailSettings = &sendGridMailSettings{SandboxMode: sendGridSetting{Enable: true}}
	}

	var buffer bytes.Buffer
	encoder := json.NewEncoder(&buffer)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(request); err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return buffer.Bytes(), nil
}

// errorBody shortens SendGrid's reply for an error message and removes the
// API key in case the reply ever echoes it.
func (s *sendGridSender) errorBody(reply []byte) string {
	text := strings.TrimSpace(strings.ToValidUTF8(string(reply), "?"))
	if s.apiKey != "" {
		text = strings.ReplaceAll(text, s.apiKey, "[redacted]")
	}
	if text == "" {
		return "empty response body"
	}
	if len(text) > maxErrorBody {
		cut := maxErrorBody
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "..."
	}
	return text
}
