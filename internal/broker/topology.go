package broker

import (
	"context"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Keys of the declared-topology cache of a connection.
func queueKey(queue string) string       { return "queue\x00" + queue }
func exchangeKey(exchange string) string { return "exchange\x00" + exchange }

// declareQueue declares, once per connection, the topology that Celery
// declares for a queue: a durable direct exchange and a durable,
// non-exclusive, non-auto-delete queue without arguments, both named queue,
// bound with routing key queue. The declarations are idempotent, so
// concurrent publishers may both send them.
func (p *Publisher) declareQueue(ctx context.Context, s *slot, queue string) error {
	conn := s.conn
	key := queueKey(queue)
	if conn.isDeclared(key) {
		return nil
	}

	channel := s.channel
	err := p.roundTrip(ctx, conn, fmt.Sprintf("declare queue %q", queue), func() error {
		if err := channel.ExchangeDeclare(queue, amqp.ExchangeDirect, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare exchange: %w", err)
		}
		if _, err := channel.QueueDeclare(queue, true, false, false, false, nil); err != nil {
			return err
		}
		if err := channel.QueueBind(queue, queue, queue, false, nil); err != nil {
			return fmt.Errorf("bind to exchange: %w", err)
		}
		return nil
	})
	if err != nil {
		// A failed declaration closes the channel on the broker side.
		s.discard()
		return err
	}

	conn.setDeclared(key, true)
	return nil
}

// declareEventsExchange declares, once per connection, the durable topic
// exchange for domain events.
func (p *Publisher) declareEventsExchange(ctx context.Context, s *slot) error {
	conn := s.conn
	exchange := p.opts.EventsExchange
	key := exchangeKey(exchange)
	if conn.isDeclared(key) {
		return nil
	}

	channel := s.channel
	err := p.roundTrip(ctx, conn, fmt.Sprintf("declare events exchange %q", exchange), func() error {
		return channel.ExchangeDeclare(exchange, amqp.ExchangeTopic, true, false, false, false, nil)
	})
	if err != nil {
		s.discard()
		return err
	}

	conn.setDeclared(key, true)
	return nil
}
