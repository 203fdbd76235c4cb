// Package web serves authd's browser pages: staff and employee sign-in,
// system selection, self-service settings, administration pages and the
// superadmin portal, plus the error pages and the bundled static assets.
//
// Pages are rendered with html/template from templates embedded in the
// binary. Their scripts live under /static/js/ (the Content-Security-Policy
// forbids inline scripts) and call authd's own JSON API with
// fetch(..., {credentials: "include"}) and the X-CSRFToken header. Server-side
// work is limited to what a page needs before it can render: access control
// with the transparent refresh of an expired access token, the redirects after
// sign-in, and the classic form fallbacks of the sign-in, selection, profile
// and registration pages.
package web
