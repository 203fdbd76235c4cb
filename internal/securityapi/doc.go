// Package securityapi serves the account-security routes that both account
// types share, and the audit log query for superusers:
//
//	GET    /api/v1/sessions/             the caller's live sign-in sessions (refresh families)
//	DELETE /api/v1/sessions/{id}/        revoke one of them
//	POST   /api/v1/sessions/revoke-all/  "log out everywhere"
//	GET    /api/v1/audit/                audit events with filters and paging (superuser)
//
// A session is a refresh token family: one sign-in and every refresh that
// descends from it. Revoking it stops its refresh token at once, and its
// access tokens inside authd (downstream systems accept an access token
// until it expires, at most the access lifetime).
package securityapi
