package httpapi

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/secrets"
)

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// withRequestInfo assigns the request id, resolves the client address and
// logs one line per request. Only the path is logged: query strings can carry
// reset and confirmation tokens.
func (s *Server) withRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			id = secrets.HexID()
		}
		w.Header().Set("X-Request-ID", id)
		info := requestinfo.Info{IP: s.clientIP(r), UserAgent: r.UserAgent(), RequestID: id}
		r = r.WithContext(requestinfo.With(r.Context(), info))
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		s.logger.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration_ms", time.Since(start).Milliseconds(), "ip", info.IP, "request_id", id)
	})
}

// recoverPanics turns a panic in a handler into the standard 500 body.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger.Error("handler panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()),
					"request_id", requestinfo.From(r.Context()).RequestID)
				httpx.ServerError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders adds the headers every response carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if s.cfg.Production && s.isHTTPS(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// checkHost rejects requests whose Host is not an allowed host, because
// links and redirects must never be built for a forged host.
func (s *Server) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r.Host) {
			s.logger.Warn("request for a host not in AUTHD_ALLOWED_HOSTS", "host", r.Host, "request_id", requestinfo.From(r.Context()).RequestID)
			httpx.JSON(w, http.StatusBadRequest, httpx.Detail("Invalid Host header.", "invalid_host"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkURL rejects a path or query that contains a NUL byte or is not valid
// UTF-8 once decoded. Handlers pass these values to the database as they
// are, and SQLite fails on a NUL and PostgreSQL on both, which would be a 500.
func (s *Server) checkURL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if problem := urlProblem(r.URL); problem != "" {
			httpx.JSON(w, http.StatusBadRequest, httpx.Detail(problem, "invalid_url"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// urlProblem returns the message for a URL whose decoded path or query
// cannot be stored, or "" when it can.
func urlProblem(u *url.URL) string {
	values := []string{u.Path}
	for key, list := range u.Query() {
		values = append(values, key)
		values = append(values, list...)
	}
	for _, value := range values {
		if strings.ContainsRune(value, 0) {
			return httpx.MsgNullChar
		}
		if !utf8.ValidString(value) {
			return msgURLNotUTF8
		}
	}
	return ""
}

// msgURLNotUTF8 is the message for a URL whose decoded path or query is
// not UTF-8.
const msgURLNotUTF8 = "The URL is not valid UTF-8."

func (s *Server) hostAllowed(hostport string) bool {
	host := strings.ToLower(hostport)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	for _, allowed := range s.cfg.AllowedHosts {
		allowed = strings.ToLower(allowed)
		switch {
		case allowed == "*" && !s.cfg.Production:
			return true
		case strings.HasPrefix(allowed, "."):
			if host == allowed[1:] || strings.HasSuffix(host, allowed) {
				return true
			}
		case host == allowed:
			return true
		}
	}
	return false
}

// clientIP returns the client address: the TCP peer, or, when the peer is a
// trusted proxy, the first untrusted address of X-Forwarded-For counted from
// the right (X-Real-IP when that header is absent).
func (s *Server) clientIP(r *http.Request) string {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	if !s.trusted(peer) {
		return peer.String()
	}
	if forwarded := r.Header.Values("X-Forwarded-For"); len(forwarded) > 0 {
		var hops []netip.Addr
		for _, line := range forwarded {
			for _, part := range strings.Split(line, ",") {
				if addr, err := netip.ParseAddr(strings.TrimSpace(part)); err == nil {
					hops = append(hops, addr.Unmap())
				}
			}
		}
		for i := len(hops) - 1; i >= 0; i-- {
			if !s.trusted(hops[i]) {
				return hops[i].String()
			}
		}
		if len(hops) > 0 {
			return hops[0].String()
		}
		return peer.String()
	}
	if real, err := netip.ParseAddr(strings.TrimSpace(r.Header.Get("X-Real-IP"))); err == nil {
		return real.Unmap().String()
	}
	return peer.String()
}

func (s *Server) trusted(addr netip.Addr) bool {
	return slices.ContainsFunc(s.cfg.TrustedProxies, func(p netip.Prefix) bool { return p.Contains(addr) })
}

// isHTTPS reports whether the client reached authd over HTTPS, directly or
// through a trusted proxy that reports it in X-Forwarded-Proto.
func (s *Server) isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if peer := peerAddr(r.RemoteAddr); peer.IsValid() && s.trusted(peer) {
		return strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
	}
	return false
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return addr.Unmap()
}
