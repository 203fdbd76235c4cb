package brokertest

import (
	"net"
	"net/url"
	"sync"
	"testing"
	"time"
)

// linkState is the forwarding mode of the proxy.
type linkState int

const (
	linkUp      linkState = iota // forward both ways
	linkCut                      // close every connection and reset new ones
	linkStalled                  // keep connections open but forward nothing
)

// upstreamDialTimeout bounds the proxy's connect to the target.
const upstreamDialTimeout = 5 * time.Second

// Proxy is a TCP proxy on 127.0.0.1 in front of a loopback server, whose
// link a test can cut, stall and restore. Use it to simulate a broker
// outage without touching the shared broker.
type Proxy struct {
	target   string
	listener net.Listener
	wg       sync.WaitGroup

	mu     sync.Mutex
	state  linkState
	resume chan struct{} // closed when a stall ends
	links  map[*link]struct{}
	closed bool
}

// link is one proxied client connection and its upstream connection.
type link struct {
	client   net.Conn
	upstream net.Conn
	once     sync.Once
	done     chan struct{} // closed when both connections are closed
}

func (l *link) close() {
	l.once.Do(func() {
		_ = l.client.Close()
		_ = l.upstream.Close()
		close(l.done)
	})
}

// Start starts a proxy to target, a host:port on the loopback interface, and
// stops it when the test ends. It fails the test when target is not a
// loopback address, so that tests never send traffic to another host.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	if err := checkLoopback(target); err != nil {
		t.Fatalf("brokertest proxy: %v", err)
	}

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("brokertest proxy: listen on 127.0.0.1: %v", err)
	}
	p := &Proxy{
		target:   target,
		listener: listener,
		resume:   make(chan struct{}),
		links:    map[*link]struct{}{},
	}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// StartForURL starts a proxy to the host and port of the AMQP URL amqpURL
// and returns it with the same URL pointed at the proxy.
func StartForURL(t testing.TB, amqpURL string) (*Proxy, string) {
	t.Helper()
	parsed, err := url.Parse(amqpURL)
	if err != nil {
		t.Fatalf("brokertest proxy: invalid AMQP URL: %v", err)
	}
	target := parsed.Host
	if parsed.Port() == "" {
		target = net.JoinHostPort(parsed.Hostname(), "5672")
	}

	p := Start(t, target)
	parsed.Host = p.Addr()
	return p, parsed.String()
}

// checkLoopback returns an error unless target is host:port with a loopback
// IP or localhost as host.
func checkLoopback(target string) error {
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return &net.AddrError{Err: "target is not a loopback address", Addr: target}
}

// Addr returns the proxy's listening address, 127.0.0.1:port.
func (p *Proxy) Addr() string {
	return p.listener.Addr().String()
}

// Cut closes every proxied connection and makes the proxy reset new ones
// right after accepting them, until Restore.
func (p *Proxy) Cut() {
	p.setState(linkCut)
}

// Stall stops forwarding bytes in both directions without closing any
// connection, until Restore or Cut. New connections are accepted and held
// the same way. Bytes read during the stall are forwarded after Restore.
func (p *Proxy) Stall() {
	p.setState(linkStalled)
}

// Restore forwards traffic again after Cut or Stall.
func (p *Proxy) Restore() {
	p.setState(linkUp)
}

// Connections returns the number of open proxied connections.
func (p *Proxy) Connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// Close stops the proxy and closes every connection. It is called when the
// test ends, and calling it again does nothing.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()

	_ = p.listener.Close()
	p.setState(linkCut)
	p.wg.Wait()
}

func (p *Proxy) setState(state linkState) {
	p.mu.Lock()
	defer p.mu.Unlock()

	if p.state == linkStalled && state != linkStalled {
		close(p.resume)
	}
	if p.state != linkStalled && state == linkStalled {
		p.resume = make(chan struct{})
	}
	p.state = state

	if state == linkCut {
		for l := range p.links {
			l.close()
		}
	}
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.listener.Accept()
		if err != nil {
			return
		}

		p.mu.Lock()
		cut := p.state == linkCut
		p.mu.Unlock()
		if cut {
			reset(client)
			continue
		}

		upstream, err := net.DialTimeout("tcp", p.target, upstreamDialTimeout)
		if err != nil {
			reset(client)
			continue
		}
		l := &link{client: client, upstream: upstream, done: make(chan struct{})}
		if !p.track(l) {
			l.close()
			continue
		}

		p.wg.Add(2)
		go p.pipe(l, l.upstream, l.client)
		go p.pipe(l, l.client, l.upstream)
	}
}

// track adds l to the open links unless the link was cut meanwhile.
func (p *Proxy) track(l *link) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == linkCut {
		return false
	}
	p.links[l] = struct{}{}
	return true
}

func (p *Proxy) untrack(l *link) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.links, l)
}

// reset closes conn with an RST, which the client reads as "connection
// reset by peer".
func reset(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// pipe copies from src to dst while the link is up, and closes the link
// when either side closes or the link is cut.
func (p *Proxy) pipe(l *link, dst, src net.Conn) {
	defer p.wg.Done()
	defer p.untrack(l)
	defer l.close()

	buffer := make([]byte, 32*1024)
	for {
		n, err := src.Read(buffer)
		if n > 0 {
			if !p.waitUntilUp(l) {
				return
			}
			if _, err := dst.Write(buffer[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// waitUntilUp blocks while the link is stalled. It returns false when the
// link was cut or l closed.
func (p *Proxy) waitUntilUp(l *link) bool {
	for {
		p.mu.Lock()
		state, resume := p.state, p.resume
		p.mu.Unlock()

		switch state {
		case linkUp:
			return true
		case linkCut:
			return false
		}
		select {
		case <-resume:
		case <-l.done:
			return false
		}
	}
}
