// Package testenv finds the real services (PostgreSQL, RabbitMQ, Mailpit,
// Chromium) that integration tests talk to.
//
// Each service is named by an environment variable. A test that needs a
// service calls Require: when the variable is unset the test is skipped with a
// message saying how to enable it, except under CI=true, where a missing
// service fails the test instead of hiding it.
package testenv

import (
	"os"
	"testing"
)

// Environment variables that point tests at real services.
const (
	// PostgresURL is a superuser connection URL; tests create and drop
	// their own databases through it.
	PostgresURL = "AUTHD_TEST_POSTGRES_URL"
	// AMQPURL is a RabbitMQ URL such as amqp://guest:guest@127.0.0.1:5672/.
	AMQPURL = "AUTHD_TEST_AMQP_URL"
	// SMTPAddr is the host:port of Mailpit's SMTP listener.
	SMTPAddr = "AUTHD_TEST_SMTP_ADDR"
	// MailpitURL is the base URL of Mailpit's HTTP API.
	MailpitURL = "AUTHD_TEST_MAILPIT_URL"
	// Chromium is the path of a Chromium binary for browser tests.
	Chromium = "AUTHD_TEST_CHROMIUM"
)

// InCI reports whether the tests run under CI=true, where every service must
// be present.
func InCI() bool {
	return os.Getenv("CI") == "true"
}

// Require returns the value of the environment variable name. When it is
// empty the test is skipped, or fails under CI=true.
func Require(t testing.TB, name, service string) string {
	t.Helper()
	value := os.Getenv(name)
	if value != "" {
		return value
	}
	if InCI() {
		t.Fatalf("%s is not set: CI=true requires %s for this test", name, service)
	}
	t.Skipf("%s is not set: set it to run this test against %s", name, service)
	return ""
}
