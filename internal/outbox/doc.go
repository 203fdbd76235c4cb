// Package outbox is the one place domain code records the side effects of
// a change: e-mails, Celery sync messages and domain events. Every method
// takes the transaction of the change, so a side effect is written if and
// only if the change commits. Background workers deliver them afterwards.
//
// Outbox is the facade domain code calls; a nil *Outbox records nothing,
// for tools and tests that need no delivery. JobRecorder implements it
// with the job queue. It applies the trigger rules of the downstream sync:
// which change sends which message, and an update only when a payload
// field changed. It builds the payloads from the model rows, renders
// e-mails, and writes one job per message with the ordering key of the
// entity it describes.
//
// Deletions are recorded before the rows are deleted and in cascade order:
// the assignments first, then the roles, then the user or system.
package outbox
