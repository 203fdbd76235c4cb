package passwords

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBreachResponseBytes caps how much of a range-API response is read. A
// real response with padding has 800 to 1,000 lines of about 40 bytes.
const maxBreachResponseBytes = 1 << 20

// isBreached reports whether the range API lists password with a count above
// zero. Any failure is logged as one warning and reported as not breached,
// so that an outage of the API does not stop users from setting passwords.
func (p *Policy) isBreached(ctx context.Context, password string) bool {
	breached, err := p.queryRangeAPI(ctx, password)
	if err != nil {
		logger := p.Logger
		if logger == nil {
			logger = slog.Default()
		}
		// The error never contains the request URL, which holds the first
		// five characters of the password's SHA-1.
		logger.WarnContext(ctx, "password breach check failed, accepting the password without it",
			"breach_url", p.breachURL(), "error", err)
		return false
	}
	return breached
}

// queryRangeAPI sends the first 5 hex characters of the SHA-1 of password to
// the range API (k-anonymity: the full hash never leaves the process) and
// looks for the other 35 in the response, whose lines read "SUFFIX:COUNT".
// With Add-Padding the API adds fake entries with count 0, so the response
// size does not reveal the prefix.
func (p *Policy) queryRangeAPI(ctx context.Context, password string) (bool, error) {
	digest := sha1.Sum([]byte(password))
	hexDigest := strings.ToUpper(hex.EncodeToString(digest[:]))
	prefix, suffix := hexDigest[:5], hexDigest[5:]

	timeout := p.BreachTimeout
	if timeout <= 0 {
		timeout = DefaultBreachTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.breachURL()+prefix, nil)
	if err != nil {
		return false, fmt.Errorf("invalid breach URL: %w", withoutURL(err))
	}
	req.Header.Set("Add-Padding", "true")
	req.Header.Set("User-Agent", "authd")

	client := p.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, fmt.Errorf("request failed: %w", withoutURL(err))
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("unexpected HTTP status %d", resp.StatusCode)
	}

	return findSuffix(io.LimitReader(resp.Body, maxBreachResponseBytes), suffix)
}

// findSuffix scans "SUFFIX:COUNT" lines for suffix and reports whether its
// count is above zero. Lines for other suffixes are not parsed further.
func findSuffix(body io.Reader, suffix string) (bool, error) {
	scanner := bufio.NewScanner(body)
	for scanner.Scan() {
		lineSuffix, count, found := strings.Cut(strings.TrimSpace(scanner.Text()), ":")
		if !found || !strings.EqualFold(lineSuffix, suffix) {
			continue
		}
		n, err := strconv.ParseUint(count, 10, 64)
		if err != nil {
			return false, errors.New("response has a non-numeric count for the password's suffix")
		}
		return n > 0, nil
	}
	if err := scanner.Err(); err != nil {
		return false, fmt.Errorf("reading the response failed: %w", withoutURL(err))
	}
	return false, nil
}

func (p *Policy) breachURL() string {
	if p.BreachURL == "" {
		return DefaultBreachURL
	}
	return p.BreachURL
}

// withoutURL strips the URL that net/http adds to its errors, because that
// URL carries the hash prefix.
func withoutURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("%s: %w", urlErr.Op, urlErr.Err)
	}
	return err
}
