package broker

import (
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mapactive/authd/internal/celery"
)

// Errors that Publish wraps. Every Publish error means the message may not
// have reached a queue, so the caller retries it later. Delivery is at least
// once: after ErrTimeout or a lost connection the broker may still have
// stored the message.
var (
	// ErrClosed means Close was called on the Publisher.
	ErrClosed = errors.New("broker publisher is closed")
	// ErrUnroutable means the broker returned a mandatory task message
	// because no queue was bound to its routing key.
	ErrUnroutable = errors.New("message returned unroutable")
	// ErrNacked means the broker rejected the message with basic.nack.
	ErrNacked = errors.New("message rejected by the broker (nack)")
	// ErrTimeout means the broker did not reply to a request or confirm a
	// message within Options.ConfirmTimeout.
	ErrTimeout = errors.New("timed out waiting for RabbitMQ")
)

// Outgoing is one message and its destination. Exactly one of Queue and
// EventType is set.
type Outgoing struct {
	// Queue is the Celery queue of a task message. Publish declares the
	// queue's exchange, queue and binding, then publishes to the direct
	// exchange named Queue with routing key Queue.
	Queue string
	// EventType is the type of a domain event, used as routing key on the
	// events exchange.
	EventType string
	// Message is the AMQP message.
	Message amqp.Publishing
}

// TaskOutgoing returns the message for task, sent from sender.
func TaskOutgoing(task celery.Task, sender celery.Sender) (Outgoing, error) {
	msg, err := task.Publishing(sender.ReplyTo, sender.Origin)
	if err != nil {
		return Outgoing{}, err
	}
	return Outgoing{Queue: task.Queue, Message: msg}, nil
}

// EventOutgoing returns the message for event.
func EventOutgoing(event celery.Event) (Outgoing, error) {
	msg, err := event.Publishing()
	if err != nil {
		return Outgoing{}, err
	}
	return Outgoing{EventType: event.Type, Message: msg}, nil
}

// validate checks that exactly one destination is set.
func (o Outgoing) validate() error {
	switch {
	case o.Queue == "" && o.EventType == "":
		return errors.New("invalid outgoing message: set Queue for a task or EventType for an event")
	case o.Queue != "" && o.EventType != "":
		return fmt.Errorf("invalid outgoing message: both Queue %q and EventType %q are set", o.Queue, o.EventType)
	}
	return nil
}

// describe names the destination in errors and logs.
func (o Outgoing) describe() string {
	if o.Queue != "" {
		return fmt.Sprintf("queue %q", o.Queue)
	}
	return fmt.Sprintf("event %q", o.EventType)
}
