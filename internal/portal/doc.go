// Package portal serves the JSON API of the superadmin portal under
// /superadmin/api/: its own sign-in and session, user administration (list,
// create, bulk actions, CSV import and export, edit, lock, delete),
// statistics, delivery jobs and API keys.
//
// A portal session is separate from staff tokens. Its id is 32 random
// bytes in the authd_admin cookie (Path /superadmin/, HttpOnly, SameSite
// Strict), stored only as SHA-256 in admin_sessions. It ends after
// AUTHD_ADMIN_SESSION_IDLE without a request, AUTHD_ADMIN_SESSION_MAX after
// sign-in, at logout, and as soon as its user is no longer an active,
// unlocked superuser. Unsafe requests must also repeat the csrftoken cookie
// in the X-CSRFToken header.
//
// Sessions implements the portal tier of the route table (Authenticate)
// and the session lookup of the portal's HTML pages (Superuser). Users
// holds the account changes the bulk and single-user routes share, so both
// revoke tokens, record status changes and publish sync messages the same
// way.
package portal
