// Package brokertest helps tests that need RabbitMQ to go away and come
// back. Its Proxy forwards TCP connections from 127.0.0.1 to the real
// broker. A test can cut the link, which closes every connection and resets
// new ones, or stall it, which forwards nothing without closing anything.
// Restore brings the link back. The broker that other tests share keeps
// running throughout.
package brokertest
