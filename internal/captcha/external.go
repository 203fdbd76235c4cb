package captcha

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// verifyExternal posts a widget response to the provider's verify URL as
// reCAPTCHA, hCaptcha and Turnstile all define it: a form with secret,
// response and remoteip. The provider returns JSON with a boolean "success".
func (s *Service) verifyExternal(ctx context.Context, response, ip string) (bool, error) {
	if response == "" {
		return false, nil
	}
	form := url.Values{"secret": {s.cfg.SecretKey}, "response": {response}}
	if ip != "" {
		form.Set("remoteip", ip)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.VerifyURL, strings.NewReader(form.Encode()))
	if err != nil {
		return false, fmt.Errorf("build the %s verification request: %w", s.cfg.Provider, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	resp, err := s.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("%s verification failed: %w", s.cfg.Provider, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return false, fmt.Errorf("read the %s verification response: %w", s.cfg.Provider, err)
	}
	if resp.StatusCode/100 != 2 {
		return false, fmt.Errorf("%s verification returned HTTP %d", s.cfg.Provider, resp.StatusCode)
	}

	var result struct {
		Success bool `json:"success"`
	}
	if err := json.Unmarshal(body, &result); err != nil {
		return false, fmt.Errorf("%s verification returned invalid JSON: %w", s.cfg.Provider, err)
	}
	return result.Success, nil
}
