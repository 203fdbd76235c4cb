// Package celery builds the RabbitMQ messages that authd publishes: Celery
// protocol v2 task messages for the existing TTS, HDTS and notification
// workers, and JSON domain events for new consumers.
//
// The package does no I/O. Task and Event are plain values that the outbox
// stores as JSON when a change commits. A job decodes one later and turns
// it into an amqp091.Publishing, with the same task or event id on every
// retry. Package broker sends the message.
//
// The constructors (SyncUserEmail, SyncRole, SyncUserSystemRole,
// SyncHDTSUser, DeleteHDTSUser, SyncHDTSEmployee, SeedWorkflows and the
// others) fix the task name, queue, argument position and time limit of each
// message that the workers expect. The New...Payload functions build the
// payloads from plain input structs, with timestamps in Python's isoformat
// style.
package celery
