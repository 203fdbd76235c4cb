package broker

import (
	"context"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// notifyBuffer is the capacity of the confirm, return and close listeners of
// a channel. amqp091-go's reader goroutine waits up to 5 seconds for a full
// listener and then drops the notification. With one message in flight per
// channel, at most one confirm and one return are pending at a time.
const notifyBuffer = 4

// slot is one channel of the pool. Only one Publish uses a slot at a time,
// so at most one message is in flight on its channel and a basic.return on
// the channel belongs to that message. A slot keeps its channel between
// publishes and opens a new one when the channel or its connection closed.
type slot struct {
	conn     *connection
	channel  *amqp.Channel
	confirms chan amqp.Confirmation
	returns  chan amqp.Return
	closes   chan *amqp.Error
}

// ready reports whether the slot has an open channel on conn.
func (s *slot) ready(conn *connection) bool {
	return s.channel != nil && s.conn == conn && !s.channel.IsClosed()
}

// discard drops the slot's channel, whose state is no longer known, for
// example after a timeout. The close runs in the background because it
// waits for the broker's close-ok, which may never come.
func (s *slot) discard() {
	if s.channel == nil {
		return
	}
	channel := s.channel
	*s = slot{}
	go func() { _ = channel.Close() }()
}

// drain empties the listeners of notifications left from earlier messages.
func (s *slot) drain() {
	for {
		select {
		case <-s.confirms:
		case <-s.returns:
		default:
			return
		}
	}
}

// closeReason returns the error the channel closed with, if one is buffered.
func (s *slot) closeReason() error {
	select {
	case err, ok := <-s.closes:
		if ok && err != nil {
			return err
		}
	default:
	}
	return errChannelClosed
}

var errChannelClosed = errors.New("channel closed")

// prepare makes sure the slot has an open channel in confirm mode on conn.
func (p *Publisher) prepare(ctx context.Context, s *slot, conn *connection) error {
	if s.ready(conn) {
		return nil
	}
	s.discard()

	// opened receives the channel, or nil, once the request finishes, even
	// when roundTrip stopped waiting for it.
	opened := make(chan *amqp.Channel, 1)
	err := p.roundTrip(ctx, conn, "open a channel in confirm mode", func() error {
		channel, err := conn.amqp.Channel()
		if err != nil {
			opened <- nil
			return err
		}
		if err := channel.Confirm(false); err != nil {
			_ = channel.Close()
			opened <- nil
			return err
		}
		opened <- channel
		return nil
	})
	if err != nil {
		go func() {
			if channel := <-opened; channel != nil {
				_ = channel.Close()
			}
		}()
		return err
	}

	channel := <-opened
	*s = slot{
		conn:     conn,
		channel:  channel,
		confirms: channel.NotifyPublish(make(chan amqp.Confirmation, notifyBuffer)),
		returns:  channel.NotifyReturn(make(chan amqp.Return, notifyBuffer)),
		closes:   channel.NotifyClose(make(chan *amqp.Error, notifyBuffer)),
	}
	return nil
}

// send publishes msg with mandatory set and waits for the broker's confirm.
// It returns the basic.return the broker sent for msg, or nil when msg was
// routed.
func (p *Publisher) send(ctx context.Context, s *slot, exchange, routingKey string, msg amqp.Publishing) (*amqp.Return, error) {
	s.drain()
	conn := s.conn
	tag := s.channel.GetNextPublishSeqNo()
	if err := s.channel.PublishWithContext(ctx, exchange, routingKey, true, false, msg); err != nil {
		s.discard()
		return nil, fmt.Errorf("send message: %w", err)
	}

	timer := time.NewTimer(p.opts.ConfirmTimeout)
	defer timer.Stop()

	select {
	case confirm, ok := <-s.confirms:
		if !ok {
			reason := s.closeReason()
			s.discard()
			return nil, fmt.Errorf("channel closed before the broker confirmed the message: %w", reason)
		}
		if confirm.DeliveryTag != tag {
			s.discard()
			return nil, fmt.Errorf("broker confirmed delivery tag %d, expected %d", confirm.DeliveryTag, tag)
		}
		if !confirm.Ack {
			return nil, ErrNacked
		}
		// RabbitMQ sends the basic.return of an unroutable mandatory message
		// before its basic.ack. amqp091-go's reader goroutine hands both to
		// the listeners in that order, so the return is already buffered when
		// the ack arrives here.
		select {
		case returned := <-s.returns:
			return &returned, nil
		default:
			return nil, nil
		}

	case err, ok := <-s.closes:
		s.discard()
		if !ok || err == nil {
			return nil, fmt.Errorf("channel closed before the broker confirmed the message: %w", errChannelClosed)
		}
		return nil, fmt.Errorf("channel closed before the broker confirmed the message: %w", err)

	case <-timer.C:
		p.log.Warn("RabbitMQ did not confirm a message in time, closing the connection",
			"url", p.target, "exchange", exchange, "routing_key", routingKey,
			"message_id", msg.MessageId, "correlation_id", msg.CorrelationId,
			"timeout", p.opts.ConfirmTimeout)
		s.discard()
		conn.abort()
		return nil, fmt.Errorf("wait for the broker's confirm: %w after %s", ErrTimeout, p.opts.ConfirmTimeout)

	case <-ctx.Done():
		s.discard()
		return nil, fmt.Errorf("wait for the broker's confirm: %w", ctx.Err())
	}
}
