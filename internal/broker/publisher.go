package broker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Defaults for zero Options fields.
const (
	DefaultDialTimeout    = 5 * time.Second
	DefaultConfirmTimeout = 10 * time.Second
	DefaultEventsExchange = "authd.events"
	DefaultChannels       = 8
)

// Options configures a Publisher. Zero fields take the defaults above.
type Options struct {
	// Logger receives connection events. Nil means slog.Default().
	Logger *slog.Logger
	// DialTimeout bounds the TCP connect and AMQP handshake of one dial.
	DialTimeout time.Duration
	// ConfirmTimeout bounds the wait for the broker's confirm of a message
	// and for its reply to any other request, such as a declaration.
	ConfirmTimeout time.Duration
	// EventsExchange is the topic exchange for domain events.
	EventsExchange string
	// Channels is the number of channels that publish in parallel on the
	// connection. Channels are cheap and a publish holds one only for a
	// round trip to the broker. More concurrent callers than channels wait
	// for a free one.
	Channels int
}

// Publisher sends messages to RabbitMQ in confirm mode, over one connection
// that it opens on the first publish and opens again after it is lost. It is
// safe for concurrent use.
//
// Concurrency uses a pool of channels on the connection, each with at most
// one message in flight. A basic.return carries no delivery tag, so with a
// single message in flight on a channel, a return on it belongs to that
// message. Several messages in flight on one channel would need a
// correlation header to match returns to messages.
//
// Automatic recovery in amqp091-go (Config.Recovery) is not used. Publisher
// redials on demand and declares the topology again on each new connection.
type Publisher struct {
	url    string
	target string // url with the password redacted, for logs and errors
	opts   Options
	log    *slog.Logger
	slots  chan *slot
	done   chan struct{}

	// connLock is a one-slot semaphore that guards the fields below. It is
	// held during a dial so concurrent publishers share one dial, and a
	// waiting caller can give up when its context ends.
	connLock    chan struct{}
	conn        *connection
	closed      bool
	unreachable bool // the last dial failed and was logged
}

// New returns a Publisher for the AMQP URL rawURL. It does not connect:
// the first Publish or Ping does. Logs and errors show the URL with its
// password redacted.
func New(rawURL string, opts Options) *Publisher {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.ConfirmTimeout <= 0 {
		opts.ConfirmTimeout = DefaultConfirmTimeout
	}
	if opts.EventsExchange == "" {
		opts.EventsExchange = DefaultEventsExchange
	}
	if opts.Channels <= 0 {
		opts.Channels = DefaultChannels
	}

	p := &Publisher{
		url:      rawURL,
		target:   redactURL(rawURL),
		opts:     opts,
		log:      loggerOrDefault(opts.Logger),
		slots:    make(chan *slot, opts.Channels),
		done:     make(chan struct{}),
		connLock: make(chan struct{}, 1),
	}
	for range opts.Channels {
		p.slots <- &slot{}
	}
	return p
}

// Publish sends out and returns nil only after the broker confirmed it.
//
// A task message goes to the direct exchange named after its queue, with
// the queue's topology declared first. An event goes to the events
// exchange with its type as routing key. Both are published with mandatory
// set. Publish returns an error when the broker nacks the message, returns
// a task message as unroutable, does not confirm within the confirm
// timeout, or when the connection or channel fails. It dials again when the
// previous connection was lost.
func (p *Publisher) Publish(ctx context.Context, out Outgoing) error {
	if err := out.validate(); err != nil {
		return err
	}
	if err := p.publish(ctx, out); err != nil {
		return fmt.Errorf("publish to %s: %w", out.describe(), err)
	}
	return nil
}

func (p *Publisher) publish(ctx context.Context, out Outgoing) error {
	s, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer p.release(s)

	conn, err := p.connect(ctx)
	if err != nil {
		return err
	}
	if err := p.prepare(ctx, s, conn); err != nil {
		return err
	}

	exchange, routingKey := p.opts.EventsExchange, out.EventType
	if out.Queue != "" {
		exchange, routingKey = out.Queue, out.Queue
		err = p.declareQueue(ctx, s, out.Queue)
	} else {
		err = p.declareEventsExchange(ctx, s)
	}
	if err != nil {
		return err
	}

	returned, err := p.send(ctx, s, exchange, routingKey, out.Message)
	if err != nil || returned == nil {
		return err
	}

	if out.EventType != "" {
		// Events are published with mandatory set like tasks, but an event
		// that no queue is bound for counts as sent. Subscribing to the
		// events exchange is optional, so no binding is a normal state.
		// Failing would retry the event for 24 hours and then list it as a
		// dead job, although no consumer subscribed to it. With mandatory
		// set, the broker still reports it and it is logged.
		p.log.Debug("event has no subscriber",
			"exchange", exchange, "routing_key", routingKey, "event_id", out.Message.MessageId,
			"reply_code", returned.ReplyCode, "reply_text", returned.ReplyText)
		return nil
	}

	// The queue may have been deleted since it was declared on this
	// connection. Declare it again on the next attempt.
	conn.setDeclared(queueKey(out.Queue), false)
	return fmt.Errorf("%w: exchange %q, routing key %q: %d %s",
		ErrUnroutable, returned.Exchange, returned.RoutingKey, returned.ReplyCode, returned.ReplyText)
}

// acquire takes a free slot from the pool.
func (p *Publisher) acquire(ctx context.Context) (*slot, error) {
	select {
	case <-p.done:
		return nil, ErrClosed
	default:
	}

	select {
	case s := <-p.slots:
		return s, nil
	case <-p.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a free channel: %w", ctx.Err())
	}
}

func (p *Publisher) release(s *slot) {
	p.slots <- s
}

// Ping connects when needed and opens and closes a channel, which checks
// that the broker replies. Use it for readiness checks and startup logs.
func (p *Publisher) Ping(ctx context.Context) error {
	conn, err := p.connect(ctx)
	if err != nil {
		return err
	}

	err = p.roundTrip(ctx, conn, "ping RabbitMQ", func() error {
		channel, err := conn.amqp.Channel()
		if err != nil {
			return err
		}
		return channel.Close()
	})
	if err != nil {
		return fmt.Errorf("RabbitMQ at %s: %w", p.target, err)
	}
	return nil
}

// Close closes the connection and makes every later Publish and Ping return
// ErrClosed. Publishes in progress fail. Close waits for the broker's reply
// at most the dial timeout.
func (p *Publisher) Close() error {
	p.connLock <- struct{}{}
	defer func() { <-p.connLock }()

	if p.closed {
		return nil
	}
	p.closed = true
	close(p.done)

	conn := p.conn
	p.conn = nil
	if conn == nil || conn.isLost() {
		return nil
	}

	err := conn.amqp.CloseDeadline(time.Now().Add(p.opts.DialTimeout))
	conn.abort()
	if err != nil && err != amqp.ErrClosed {
		return fmt.Errorf("close RabbitMQ connection to %s: %w", p.target, err)
	}
	p.log.Info("closed RabbitMQ connection", "url", p.target)
	return nil
}
