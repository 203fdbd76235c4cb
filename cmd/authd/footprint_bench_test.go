package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkServeFootprint builds the authd binary, starts "authd serve" on
// an empty SQLite file on loopback, and reports the time from process start
// to the first 200 of /health/ready/, the resident memory when idle, and the
// resident memory while 1,000 client connections are open, each having sent
// one request. Run with:
//
//	go test ./cmd/authd -run '^$' -bench ServeFootprint -benchtime 1x
func BenchmarkServeFootprint(b *testing.B) {
	dir := b.TempDir()
	binary := filepath.Join(dir, "authd")
	build := exec.Command("go", "build", "-o", binary, ".")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for b.Loop() {
		port := freePort(b)
		cmd := exec.Command(binary, "serve")
		cmd.Env = append(os.Environ(), "AUTHD_LISTEN_ADDR=127.0.0.1", "AUTHD_PORT="+strconv.Itoa(port),
			"AUTHD_SQLITE_PATH="+filepath.Join(dir, fmt.Sprintf("authd-%d.sqlite3", port)), "AUTHD_MEDIA_DIR="+filepath.Join(dir, "media"),
			"AUTHD_LOG_LEVEL=warn", "AUTHD_JOB_WORKERS=0")
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		ready := waitReady(b, base, 30*time.Second)
		b.ReportMetric(float64(ready.Sub(start).Milliseconds()), "ms-to-ready")

		time.Sleep(time.Second) // let start-up garbage settle before reading idle memory
		b.ReportMetric(rssMiB(b, cmd.Process.Pid), "MiB-idle")

		conns := openConnections(b, port, 1000)
		b.ReportMetric(rssMiB(b, cmd.Process.Pid), "MiB-1000-conns")
		for _, c := range conns {
			c.Close()
		}
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			b.Fatalf("authd did not stop within 30s; logs:\n%s", logs.String())
		}
	}
}

func freePort(b *testing.B) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitReady polls /health/ready/ every 2 ms until it answers 200.
func waitReady(b *testing.B, base string, limit time.Duration) time.Time {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(base + "/health/ready/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Now()
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.Fatalf("authd was not ready within %v", limit)
	return time.Time{}
}

// openConnections opens n keep-alive connections, sends one request on
// each and reads its answer, and returns the still open connections.
func openConnections(b *testing.B, port, n int) []net.Conn {
	conns := make([]net.Conn, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			conns[i] = c
			c.SetDeadline(time.Now().Add(30 * time.Second))
			fmt.Fprintf(c, "GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return conns
}

// rssMiB reads VmRSS of a process from /proc.
func rssMiB(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if fields := strings.Fields(line); len(fields) >= 2 && fields[0] == "VmRSS:" {
			kib, _ := strconv.ParseFloat(fields[1], 64)
			return kib / 1024
		}
	}
	b.Fatal("no VmRSS line")
	return 0
}
