// Package csrf protects authd's HTML forms against cross-site request
// forgery and builds the Content-Security-Policy of its pages.
//
// Forms use a double-submit token: the csrftoken cookie and the
// csrfmiddlewaretoken form field (or the X-CSRFToken header) must carry
// the same value, and that value must be a random nonce with its
// HMAC-SHA-256 under the key derived from the secret key ("authd/csrf"),
// so a cookie planted by a sibling subdomain does not pass. The JSON API
// relies on the origin check in httpapi instead.
//
// Use from a page handler:
//
//	token := protector.Token(w, r)              // on GET: sets the cookie when needed
//	data.CSRFField = csrf.HiddenField(token)    // {{.CSRFField}} in the form
//	if err := protector.Check(r); err != nil {  // on POST: render the 403 page
//		...
//	}
//	w.Header().Set("Content-Security-Policy", csrf.ContentSecurityPolicy(cfg.Captcha.Provider))
package csrf
