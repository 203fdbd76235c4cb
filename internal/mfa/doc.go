// Package mfa implements second factors for both account types, staff users
// (table users) and HDTS employees (table employees): e-mail codes, sign-in
// challenges, authenticator apps (TOTP) and recovery codes, with the
// second-factor failure counter and lock.
//
// Every function takes a Subject, built by the caller from its own account
// row, so the package never needs the account packages:
//
//	subject := mfa.Subject{Type: tokens.Staff, ID: u.ID, Email: u.Email, Name: u.DisplayName()}
//	subject := mfa.Subject{Type: tokens.Employee, ID: e.ID, Email: e.Email, Name: e.FullName()}
//
// # Storage and rules
//
//   - E-mail codes (otp_codes): 6 digits, stored as HMAC-SHA-256 under the
//     HKDF key "authd/otp-code" over "<type>:<id>:<code>", so a code is bound
//     to its account. A code lives 5 minutes, takes 3 wrong attempts and
//     works once; a new code voids older unused ones. Sending is limited by
//     the throttle package: otp_resend (60 s cooldown), mail_account and
//     mail_ip. The cooldown holds only while the newest code is usable or
//     was voided by wrong guesses. After a code was consumed by a
//     verification, the next sign-in sends a new one at once. Staff codes use the
//     staff_otp e-mail, employee codes hdts_otp.
//   - Challenges (login_challenges): the temporary_token of a sign-in whose
//     password was right. Signed with the HKDF challenge key
//     (tokens.Signer.SignChallenge), single use, void after 5 wrong codes.
//   - TOTP (totp_credentials): RFC 6238, SHA-1, 6 digits, 30 s steps, one
//     step of skew either way. The secret is sealed with AES-256-GCM under
//     "authd/totp" and the account as additional data, and re-sealed with
//     the current key when it opened with a fallback key. A step already
//     used by the account is rejected, so a code cannot be replayed.
//   - Recovery codes (recovery_codes): 10 per batch, "xxxxx-xxxxx" in
//     lowercase Crockford base32, argon2id-hashed, single use.
//   - Failures: every wrong second factor increments the account's
//     second_factor_failures; at AUTHD_2FA_MAX_FAILURES the account is locked
//     for AUTHD_2FA_LOCK_DURATION (lock_reason "failures"). A right factor
//     resets the counter.
//
// # API
//
// Sign-in (inside the caller's transaction; on a *Refusal the caller
// commits, so counted failures and sent codes stick, then reports it):
//
//   - Methods lists the enabled methods ("totp", "email", "recovery").
//   - Begin creates a challenge and e-mails a code when e-mail is the
//     default method.
//   - ParseChallenge and LatestChallenge find the challenge of a
//     verify-otp request (by temporary_token or by e-mail), and
//     PendingMethods tells a resend whether that challenge accepts e-mail
//     codes.
//   - VerifyChallenge consumes the challenge for a right code.
//   - VerifyInline checks a code sent with the password (/token/ routes).
//
// Management (each call runs its own transaction; the caller has already
// checked the password):
//
//   - Status, SendCode (public or authenticated request-otp), EnableEmail,
//     Disable, VerifyCode (for verify-disable-otp), SetupTOTP, ConfirmTOTP,
//     RemoveTOTP, RegenerateRecoveryCodes.
//   - VoidCodes voids unused e-mail codes, as a password change requires.
//
// Disable, RemoveTOTP and RegenerateRecoveryCodes revoke every refresh
// family of the account except keepFamily (the caller's own session).
package mfa
