package mail

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"go/build"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/testenv"
)

// mailpitInstance is a Mailpit process that one test starts with its own
// flags, on free 127.0.0.1 ports.
type mailpitInstance struct {
	smtpHost string
	smtpPort int
	api      *mailpittest.Client
}

// startMailpit runs Mailpit with extraArgs and stops it when the test ends.
// It runs only where the shared Mailpit is configured, and finds the binary
// on PATH or in $GOPATH/bin, where `go install` puts it.
func startMailpit(t *testing.T, extraArgs ...string) *mailpitInstance {
	t.Helper()
	testenv.Require(t, testenv.SMTPAddr, "Mailpit")
	binary := findMailpit()
	if binary == "" {
		if testenv.InCI() {
			t.Fatal("mailpit binary not found on PATH or in $GOPATH/bin: go install github.com/axllent/mailpit@v1.33.1")
		}
		t.Skip("mailpit binary not found on PATH or in $GOPATH/bin: go install github.com/axllent/mailpit@v1.33.1")
	}

	smtpAddress, apiAddress := unusedLoopbackAddress(t), unusedLoopbackAddress(t)
	args := append([]string{
		"--listen", apiAddress,
		"--smtp", smtpAddress,
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--disable-version-check",
		"--smtp-disable-rdns",
	}, extraArgs...)
	var output bytes.Buffer
	command := exec.Command(binary, args...)
	command.Stdout = &output
	command.Stderr = &output
	if err := command.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- command.Wait() }()
	t.Cleanup(func() {
		_ = command.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = command.Process.Kill()
			<-exited
		}
	})

	api := mailpittest.New("http://" + apiAddress)
	waitForMailpit(t, api, exited, &output)
	host, port := splitHostPort(t, smtpAddress)
	return &mailpitInstance{smtpHost: host, smtpPort: port, api: api}
}

func findMailpit() string {
	if path, err := exec.LookPath("mailpit"); err == nil {
		return path
	}
	path := filepath.Join(build.Default.GOPATH, "bin", "mailpit")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	return ""
}

// waitForMailpit polls /readyz until Mailpit responds with 200, the process
// exits or ten seconds pass.
func waitForMailpit(t *testing.T, api *mailpittest.Client, exited <-chan error, output *bytes.Buffer) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	for !api.Ready() {
		select {
		case err := <-exited:
			t.Fatalf("mailpit exited before it was ready: %v\n%s", err, output)
		case <-deadline:
			t.Fatalf("mailpit was not ready after 10s\n%s", output)
		case <-ticker.C:
		}
	}
}

// writeTestCertificate writes a self-signed certificate for 127.0.0.1 and
// localhost and its key to dir, and returns a pool that trusts it.
func writeTestCertificate(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "authd mail test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))

	certificate, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(certificate)
	return certFile, keyFile, pool
}

// errorsAsUnknownAuthority reports whether err is a certificate verification
// failure for an unknown issuer.
func errorsAsUnknownAuthority(err error) bool {
	var unknown x509.UnknownAuthorityError
	return errors.As(err, &unknown)
}
