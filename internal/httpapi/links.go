package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/mapactive/authd/api"
	"github.com/mapactive/authd/internal/httpx"
)

func (s *Server) url(path string) string { return s.cfg.PublicURL + path }

// apiRoot serves GET /api/.
func (s *Server) apiRoot(w http.ResponseWriter, r *http.Request) {
	body := map[string]string{"api_v1": s.url("/api/v1/"), "token_obtain": s.url("/api/v1/token/obtain/"), "logout": s.url("/api/v1/users/logout/")}
	if s.cfg.OpenAPIPublic {
		body["schema"], body["docs"] = s.url("/api/schema/"), s.url("/api/docs/")
	}
	httpx.JSON(w, http.StatusOK, body)
}

// apiV1Root serves GET /api/v1/.
func (s *Server) apiV1Root(w http.ResponseWriter, r *http.Request) {
	httpx.JSON(w, http.StatusOK, map[string]string{
		"users": s.url("/api/v1/users/"), "roles": s.url("/api/v1/roles/"), "systems": s.url("/api/v1/systems/"),
		"system-roles": s.url("/api/v1/system-roles/"), "token": s.url("/api/v1/token/"), "tts": s.url("/api/v1/tts/"),
		"hdts": s.url("/api/v1/hdts/"), "employees": s.url("/api/v1/hdts/employees/"),
	})
}

// tokenRoot serves GET /api/v1/token/.
func (s *Server) tokenRoot(w http.ResponseWriter, r *http.Request) {
	httpx.JSON(w, http.StatusOK, map[string]string{
		"obtain": s.url("/api/v1/token/obtain/"), "refresh": s.url("/api/v1/token/refresh/"), "verify": s.url("/api/v1/token/verify/"),
	})
}

// usersRoot serves GET /api/v1/users/: the routes of the staff account API.
func (s *Server) usersRoot(w http.ResponseWriter, r *http.Request) {
	links := map[string]string{}
	for name, path := range map[string]string{
		"register": "/api/v1/users/register/", "login": "/api/v1/users/login/", "login_api": "/api/v1/users/login/api/",
		"verify_otp": "/api/v1/users/login/verify-otp/", "logout": "/api/v1/users/logout/", "profile": "/api/v1/users/profile/",
		"token_refresh": "/api/v1/users/token/refresh/", "token_validate": "/api/v1/users/token/validate/",
		"password_forgot": "/api/v1/users/password/forgot/", "password_reset": "/api/v1/users/password/reset/",
		"password_change": "/api/v1/users/password/change/", "verify_password": "/api/v1/users/verify-password/",
		"2fa_request_otp": "/api/v1/users/2fa/request-otp/", "2fa_enable": "/api/v1/users/2fa/enable/",
		"2fa_disable": "/api/v1/users/2fa/disable/", "2fa_status": "/api/v1/users/2fa/status/",
		"captcha_generate": "/api/v1/users/captcha/generate/", "captcha_verify": "/api/v1/users/captcha/verify/",
		"captcha_required": "/api/v1/users/captcha/required/", "email_confirm": "/api/v1/users/email/confirm/",
	} {
		links[name] = s.url(path)
	}
	httpx.JSON(w, http.StatusOK, links)
}

// health serves GET /health/: the process runs.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	httpx.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// ready serves GET /health/ready/: 200 when the database is reachable and
// migrated.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if ok, reason := s.Ready(r.Context()); !ok {
		httpx.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// schema serves the OpenAPI document, as YAML or, with ?format=json, JSON.
func (s *Server) schema(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.OpenAPIPublic {
		s.notFound(w, r)
		return
	}
	if r.URL.Query().Get("format") == "json" {
		doc, err := api.JSON()
		if err != nil {
			httpx.ServerError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(doc)
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Write(api.OpenAPI)
}

// docs serves the offline API browser.
func (s *Server) docs(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.OpenAPIPublic {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'")
	w.Write(api.DocsPage)
}

// docsScript serves the API browser's script.
func (s *Server) docsScript(w http.ResponseWriter, r *http.Request) {
	s.docsAsset(w, r, "text/javascript; charset=utf-8", api.DocsScript)
}

// docsStyle serves the API browser's style sheet.
func (s *Server) docsStyle(w http.ResponseWriter, r *http.Request) {
	s.docsAsset(w, r, "text/css; charset=utf-8", api.DocsStyle)
}

// docsAsset serves a file of the API browser. The page links it without a
// content version, so browsers must revalidate it.
func (s *Server) docsAsset(w http.ResponseWriter, r *http.Request, contentType string, data []byte) {
	if !s.cfg.OpenAPIPublic {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(data)
}
