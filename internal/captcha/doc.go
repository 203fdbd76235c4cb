// Package captcha implements the CAPTCHA that sign-in requires after
// repeated failures, with two kinds of provider:
//
//   - builtin: an image and an audio challenge of 6 digits made with
//     github.com/dchest/captcha. Only an HMAC of the answer is stored
//     (captcha_challenges). A challenge lives 5 minutes and takes 3 wrong
//     answers. A right answer returns a single-use pass token, valid 120
//     seconds and stored as SHA-256, that every sign-in route accepts as
//     captcha_token.
//   - recaptcha, hcaptcha, turnstile: the widget response is posted with
//     the secret to the configured verify URL (AUTHD_CAPTCHA_VERIFY_URL),
//     so tests point it at a local stub. Errors and timeouts fail closed.
//
// Provider "none" turns CAPTCHA off; Service.Verifier then returns nil.
//
// API for the other packages: Service.Verifier is the
// throttle.CaptchaVerifier to pass to throttle.Service.NewGuard, and
// Handlers serves captcha/generate/, captcha/verify/ and captcha/required/.
package captcha
