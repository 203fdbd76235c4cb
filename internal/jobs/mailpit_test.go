package jobs_test

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/testenv"
)

// smtpSender returns a sender for the SMTP server at address, without TLS
// or authentication, as Mailpit on loopback needs.
func smtpSender(t testing.TB, address string) mail.Sender {
	t.Helper()
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		t.Fatalf("SMTP address %q: %v", address, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatalf("SMTP port %q: %v", portText, err)
	}
	sender, err := mail.NewSender(mail.Settings{Provider: mail.ProviderSMTP, SMTPHost: host, SMTPPort: port,
		SMTPTimeout: 5 * time.Second, From: mail.Address{Email: "noreply@authd.test", Name: "authd tests"}}, nil)
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	return sender
}

// sharedMailpit returns the SMTP sender and API client of the Mailpit the
// environment names.
func sharedMailpit(t testing.TB) (mail.Sender, *mailpittest.Client) {
	t.Helper()
	address := testenv.Require(t, testenv.SMTPAddr, "Mailpit (SMTP)")
	return smtpSender(t, address), mailpittest.Shared(t)
}

// startMailpit runs a Mailpit of the test's own on free loopback ports with
// extra flags, and returns its SMTP address. It needs the same environment
// as the shared Mailpit, and the binary on PATH or in $GOPATH/bin.
func startMailpit(t *testing.T, extra ...string) string {
	t.Helper()
	testenv.Require(t, testenv.SMTPAddr, "Mailpit (SMTP)")
	binary, err := exec.LookPath("mailpit")
	if err != nil {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, _ := os.UserHomeDir()
			gopath = filepath.Join(home, "go")
		}
		binary = filepath.Join(gopath, "bin", "mailpit")
		if _, err := os.Stat(binary); err != nil {
			t.Fatalf("mailpit binary not found on PATH or in $GOPATH/bin: go install github.com/axllent/mailpit@v1.33.1")
		}
	}

	smtpAddress, apiAddress := freeLoopbackAddress(t), freeLoopbackAddress(t)
	args := append([]string{"--listen", apiAddress, "--smtp", smtpAddress,
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--disable-version-check", "--smtp-disable-rdns"}, extra...)
	var output bytes.Buffer
	command := exec.Command(binary, args...)
	command.Stdout, command.Stderr = &output, &output
	if err := command.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}

	exited := make(chan struct{})
	go func() { _ = command.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = command.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = command.Process.Kill()
			<-exited
		}
	})

	waitFor(t, "mailpit to accept SMTP connections", func() bool {
		select {
		case <-exited:
			t.Fatalf("mailpit exited: %s", output.String())
		default:
		}
		conn, err := net.DialTimeout("tcp", smtpAddress, 200*time.Millisecond)
		if err != nil {
			return false
		}
		conn.Close()
		return true
	})
	return smtpAddress
}

// freeLoopbackAddress returns a 127.0.0.1 address with a port that was
// free a moment ago.
func freeLoopbackAddress(t testing.TB) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer listener.Close()
	return listener.Addr().String()
}
