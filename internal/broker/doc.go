// Package broker publishes messages to RabbitMQ with publisher confirms.
//
// A Publisher keeps one AMQP connection, opened on the first publish and
// opened again after it is lost, with a small pool of channels in confirm
// mode. Publish returns nil only when the broker has acknowledged the
// message. A nack, a returned task message, a confirm timeout or a
// connection or channel failure is an error that the caller, the job
// system, retries later.
//
// Before the first task message for a Celery queue on a connection, the
// Publisher declares the exchange, queue and binding that Celery declares
// for that name. Domain events go to a durable topic exchange, declared the
// same way. The package does not know about the outbox or the database: it
// sends one Outgoing message at a time.
package broker
