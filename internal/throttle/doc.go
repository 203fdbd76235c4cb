// Package throttle keeps authd's rate limits and brute-force counters in
// the throttle_buckets table, so every instance on one database sees the
// same counts. A bucket counts events for one key (a client IP, an e-mail
// address, an account) in a fixed window that starts with its first event;
// each event is one atomic upsert.
//
// The named limits of the security rules are fields of Limits, built from
// the configuration by NewLimits:
//
//	login_ip          failed sign-ins per client IP; blocks every sign-in route
//	captcha_ip        failed sign-ins per client IP before a CAPTCHA is required
//	captcha_account   failed sign-ins per submitted e-mail before a CAPTCHA is required
//	mail_account      e-mails per address and purpose
//	mail_ip           e-mail-triggering requests per client IP
//	otp_resend        e-mail codes per account (the resend cooldown)
//	register_ip       registrations per client IP
//	api_key_invalid   invalid X-API-Key values per client IP
//	captcha_generate  built-in CAPTCHA challenges per client IP
//
// API for the other packages:
//
//   - Guard implements accounts.Guard for every sign-in route, staff and
//     employee: Check (per-IP block, then CAPTCHA when required), Failed
//     (counts a wrong password or unknown e-mail), Succeeded (resets
//     captcha_account). The second-factor step uses Blocked (per-IP block
//     only) and CodeFailed (counts a rejected code in login_ip only).
//     CaptchaRequired answers captcha/required/.
//   - Service.Register, Service.CaptchaGenerate: one event each; a
//     *LimitError when over the limit (answer 429 with httpx.Throttled).
//   - Service.APIKeyBlocked before checking an X-API-Key and
//     Service.APIKeyInvalid after an unknown key; both return a
//     *LimitError when the address must get 429.
//   - Service.Mail decides whether an e-mail may be sent (mail_account,
//     mail_ip); Service.OTPResend applies the code resend cooldown.
//   - Service.Purge deletes buckets whose window and block have ended.
//
// Every method takes the bun.IDB to count through: the database handle, or
// the caller's transaction when the count must commit or roll back with a
// change.
package throttle
