package brokertest

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// ioTimeout bounds every read and write in these tests.
const ioTimeout = 5 * time.Second

// startEchoServer starts a TCP server on 127.0.0.1 that writes back what it
// reads, and stops it when the test ends.
func startEchoServer(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = listener.Close()
		mu.Lock()
		for _, conn := range conns {
			_ = conn.Close()
		}
		mu.Unlock()
		wg.Wait()
	})

	wg.Go(func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			wg.Go(func() { _, _ = io.Copy(conn, conn) })
		}
	})
	return listener.Addr().String()
}

func dialProxy(t *testing.T, proxy *Proxy) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", proxy.Addr(), ioTimeout)
	if err != nil {
		t.Fatalf("dial proxy: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// echo writes message and returns what comes back, or the read error.
func echo(conn net.Conn, message string, timeout time.Duration) (string, error) {
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	if _, err := conn.Write([]byte(message)); err != nil {
		return "", err
	}
	reply := make([]byte, len(message))
	_, err := io.ReadFull(conn, reply)
	return string(reply), err
}

func TestProxyForwards(t *testing.T) {
	proxy := Start(t, startEchoServer(t))
	conn := dialProxy(t, proxy)

	reply, err := echo(conn, "hello", ioTimeout)
	if err != nil {
		t.Fatalf("echo through the proxy: %v", err)
	}
	if reply != "hello" {
		t.Errorf("reply = %q, want hello", reply)
	}
	if n := proxy.Connections(); n != 1 {
		t.Errorf("Connections = %d, want 1", n)
	}
}

func TestProxyCutAndRestore(t *testing.T) {
	proxy := Start(t, startEchoServer(t))
	conn := dialProxy(t, proxy)
	if _, err := echo(conn, "before", ioTimeout); err != nil {
		t.Fatalf("echo before the cut: %v", err)
	}

	proxy.Cut()

	if _, err := echo(conn, "during", ioTimeout); err == nil {
		t.Error("echo on a connection opened before the cut succeeded, want an error")
	} else if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("echo on a cut connection timed out instead of failing: %v", err)
	}
	// The reset can reach the client before the dial returns. The cut then
	// shows up as a failed dial instead of a failed echo, which is correct.
	if rejected, err := net.DialTimeout("tcp", proxy.Addr(), ioTimeout); err == nil {
		t.Cleanup(func() { _ = rejected.Close() })
		if _, err := echo(rejected, "new", ioTimeout); err == nil {
			t.Error("echo on a connection opened during the cut succeeded, want an error")
		} else if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("echo on a new connection during the cut timed out instead of failing: %v", err)
		}
	} else if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("dial during the cut timed out instead of failing: %v", err)
	}
	if n := proxy.Connections(); n != 0 {
		t.Errorf("Connections during the cut = %d, want 0", n)
	}

	proxy.Restore()

	restored := dialProxy(t, proxy)
	reply, err := echo(restored, "after", ioTimeout)
	if err != nil {
		t.Fatalf("echo after Restore: %v", err)
	}
	if reply != "after" {
		t.Errorf("reply after Restore = %q, want after", reply)
	}
}

func TestProxyStallHoldsBytes(t *testing.T) {
	proxy := Start(t, startEchoServer(t))
	conn := dialProxy(t, proxy)

	proxy.Stall()
	if _, err := conn.Write([]byte("held")); err != nil {
		t.Fatalf("write during the stall: %v", err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
		t.Fatalf("set read deadline: %v", err)
	}
	buffer := make([]byte, 4)
	if n, err := conn.Read(buffer); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read during the stall returned %d bytes and %v, want a timeout", n, err)
	}

	proxy.Restore()
	if err := conn.SetReadDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatalf("set read deadline: %v", err)
	}
	if _, err := io.ReadFull(conn, buffer); err != nil {
		t.Fatalf("read after Restore: %v", err)
	}
	if string(buffer) != "held" {
		t.Errorf("bytes after Restore = %q, want held", buffer)
	}
}

func TestProxyRejectsRemoteTarget(t *testing.T) {
	if err := checkLoopback("192.0.2.1:5672"); err == nil {
		t.Error("checkLoopback accepted a non-loopback address")
	}
	for _, target := range []string{"127.0.0.1:5672", "localhost:5672", "[::1]:5672"} {
		if err := checkLoopback(target); err != nil {
			t.Errorf("checkLoopback(%s) returned %v, want nil", target, err)
		}
	}
}

func TestStartForURL(t *testing.T) {
	proxy, proxyURL := StartForURL(t, "amqp://user:secret@127.0.0.1:5672/vhost?heartbeat=5")
	want := "amqp://user:secret@" + proxy.Addr() + "/vhost?heartbeat=5"
	if proxyURL != want {
		t.Errorf("proxy URL = %s, want %s", proxyURL, want)
	}
}
