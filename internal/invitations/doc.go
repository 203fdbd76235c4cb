// Package invitations implements the staff invitation flow: an admin names
// an e-mail address and a role, and authd either creates the account and
// e-mails a set-password link, or gives an existing account the role and
// e-mails an "access granted" notice.
//
// # API
//
//	svc.Invite(ctx, tx, actor, scope, invitations.Params{Email: "ana@example.com", RoleID: 7})
//
// runs inside the caller's transaction. A new account gets status Approved,
// is_staff false, an unusable password and a username made from the e-mail
// local part without dots and dashes (at most 20 characters, with a numeric
// suffix when taken). The invitation e-mail links to
// /api/v1/users/password/reset/?token=<token>, a single-use token of
// purpose onetime.Invite that lives AUTHD_INVITE_TOKEN_LIFETIME; redeeming
// it sets the first password. No temporary password exists at any point.
//
// Params.RoleID may be zero for callers that create accounts without a role
// (the superadmin portal); the e-mail then invites to the site itself.
// SendInvitation sends the e-mail for an account created elsewhere, and
// Resend sends a fresh link to an account that has not set a password yet.
//
// Failures come back as *httpx.Problem values with the invite route's
// bodies: 400 field errors, 403 for a role outside the caller's scope, 409
// for a duplicate assignment or a concurrently created account.
package invitations
