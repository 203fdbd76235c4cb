// Package apikeys manages the service keys that downstream systems send in
// the X-API-Key header to call authd's internal endpoints.
//
// A key reads authd_<prefix>_<secret>: an 8-character lowercase base32
// prefix that finds the row, and 256 random bits encoded as 43 base64url
// characters. Only the SHA-256 of the whole key is stored, and it is compared
// in constant time. Keys carry scopes (users:read, employees:read,
// assignments:read, or * for all), an optional expiry, and the time and
// address of their last use, written at most once a minute.
//
// Service holds the operations (create, list, update, rotate, revoke) and
// implements the request-time check the HTTP layer calls. Handlers serves
// them as JSON under /api/v1/keys/ and under the superadmin portal, and the
// command line reuses the Service.
package apikeys
