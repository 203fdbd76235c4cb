// Package mail sends authd's account e-mails and renders their templates.
//
// A Sender delivers one Message through a provider: SendGrid's v3 HTTP API,
// an SMTP server, the log (console, for development) or memory (for tests).
// SelectProvider chooses the provider from Settings with rules that keep the
// Django service's environment variables working, CheckSettings lists every
// configuration problem, and NewSender builds the chosen sender.
//
// Senders never retry. They return errors that IsPermanent classifies: SMTP
// 5xx replies, SendGrid 4xx responses other than 429 and invalid messages are
// permanent, while everything else (SMTP 4xx replies, timeouts, connection
// failures, SendGrid 429 and 5xx) may succeed on a later attempt. The job
// runner owns the retry schedule.
//
// A Renderer turns one of the Template constants and its variables into the
// subject, the plain-text part and the HTML part. Both parts come from
// separate embedded template files written from the same content, and a
// file with the same name in an override folder replaces the embedded one.
package mail
