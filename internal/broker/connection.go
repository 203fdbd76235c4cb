package broker

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// heartbeat is the AMQP heartbeat interval requested from the broker. A
// silent peer is detected after about three missed heartbeats.
const heartbeat = 10 * time.Second

// connection is one AMQP connection and what this process declared on it.
type connection struct {
	amqp *amqp.Connection
	// socket is the TCP connection under amqp. abort closes it to end the
	// connection at once, without waiting for a broker that stopped
	// responding.
	socket net.Conn
	// lost is closed when the connection has closed for any reason.
	lost chan struct{}

	mu       sync.Mutex
	declared map[string]bool
}

// isLost reports whether the connection has closed.
func (c *connection) isLost() bool {
	select {
	case <-c.lost:
		return true
	default:
		return c.amqp.IsClosed()
	}
}

// abort closes the TCP connection. The AMQP connection then shuts down with
// an error, which fails every request and confirm still waiting on it.
func (c *connection) abort() {
	_ = c.socket.Close()
}

// isDeclared reports whether the named topology was declared on this
// connection.
func (c *connection) isDeclared(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.declared[key]
}

func (c *connection) setDeclared(key string, declared bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if declared {
		c.declared[key] = true
	} else {
		delete(c.declared, key)
	}
}

// redactURL returns rawURL with its password replaced, for logs and errors.
func redactURL(rawURL string) string {
	parsed, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable broker URL)"
	}
	return parsed.Redacted()
}

// dial opens a new AMQP connection. The TCP connect and the AMQP handshake
// together take at most timeout.
func dial(rawURL string, timeout time.Duration) (*connection, error) {
	var socket net.Conn
	config := amqp.Config{
		Heartbeat:  heartbeat,
		Properties: amqp.NewConnectionProperties(),
		Dial: func(network, address string) (net.Conn, error) {
			conn, err := amqp.DefaultDial(timeout)(network, address)
			socket = conn
			return conn, err
		},
	}
	config.Properties.SetClientConnectionName("authd publisher")

	conn, err := amqp.DialConfig(rawURL, config)
	if err != nil {
		return nil, err
	}
	return &connection{
		amqp:     conn,
		socket:   socket,
		lost:     make(chan struct{}),
		declared: map[string]bool{},
	}, nil
}

// connect returns the current connection, or dials a new one when there is
// none or it was lost. Concurrent callers wait for the same dial.
func (p *Publisher) connect(ctx context.Context) (*connection, error) {
	select {
	case p.connLock <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the RabbitMQ connection: %w", ctx.Err())
	}
	defer func() { <-p.connLock }()

	if p.closed {
		return nil, ErrClosed
	}
	if p.conn != nil && !p.conn.isLost() {
		return p.conn, nil
	}

	timeout := p.opts.DialTimeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(deadline))
	}
	if timeout <= 0 {
		return nil, fmt.Errorf("connect to RabbitMQ at %s: %w", p.target, context.DeadlineExceeded)
	}

	conn, err := dial(p.url, timeout)
	if err != nil {
		if !p.unreachable {
			p.unreachable = true
			p.log.Warn("RabbitMQ is unreachable", "url", p.target, "error", err)
		}
		return nil, fmt.Errorf("connect to RabbitMQ at %s: %w", p.target, err)
	}

	p.unreachable = false
	p.conn = conn
	p.log.Info("connected to RabbitMQ", "url", p.target)
	go p.watch(conn)
	return conn, nil
}

// watch logs the loss of conn and flow-control blocks on it, and marks conn
// lost so that the next Publish dials again.
func (p *Publisher) watch(conn *connection) {
	defer close(conn.lost)

	closes := conn.amqp.NotifyClose(make(chan *amqp.Error, 1))
	blocks := conn.amqp.NotifyBlocked(make(chan amqp.Blocking, 4))
	for {
		select {
		case err, ok := <-closes:
			switch {
			case !ok || err == nil:
				p.log.Debug("RabbitMQ connection closed", "url", p.target)
			default:
				p.log.Warn("RabbitMQ connection lost", "url", p.target, "error", err)
			}
			return
		case block, ok := <-blocks:
			if !ok {
				blocks = nil
				continue
			}
			if block.Active {
				p.log.Warn("RabbitMQ blocked publishing", "url", p.target, "reason", block.Reason)
			} else {
				p.log.Info("RabbitMQ unblocked publishing", "url", p.target)
			}
		case <-p.done:
			return
		}
	}
}

// roundTrip runs request, which waits for a reply from the broker, for at
// most the confirm timeout. When no reply comes in time, it aborts conn,
// because a broker that stopped replying to one request usually replies to
// none on the same connection. When ctx ends first, it returns
// ctx's error and leaves request running. The caller must then discard the
// channel that request uses.
func (p *Publisher) roundTrip(ctx context.Context, conn *connection, what string, request func() error) error {
	done := make(chan error, 1)
	go func() { done <- request() }()

	timer := time.NewTimer(p.opts.ConfirmTimeout)
	defer timer.Stop()

	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	case <-timer.C:
		p.log.Warn("RabbitMQ did not reply in time, closing the connection",
			"url", p.target, "request", what, "timeout", p.opts.ConfirmTimeout)
		conn.abort()
		return fmt.Errorf("%s: %w after %s", what, ErrTimeout, p.opts.ConfirmTimeout)
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", what, ctx.Err())
	}
}

// loggerOrDefault returns logger, or slog.Default() for nil.
func loggerOrDefault(logger *slog.Logger) *slog.Logger {
	if logger != nil {
		return logger
	}
	return slog.Default()
}
