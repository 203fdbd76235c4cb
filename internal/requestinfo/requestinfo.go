// Package requestinfo carries the client address, user agent and request id
// of an HTTP request through its context, so audit records and logs made deep
// in a call chain can name them.
package requestinfo

import "context"

// Info describes the request a piece of work was done for.
type Info struct {
	IP        string
	UserAgent string
	RequestID string
}

type contextKey struct{}

// With returns a context that carries info.
func With(ctx context.Context, info Info) context.Context {
	return context.WithValue(ctx, contextKey{}, info)
}

// From returns the request info in ctx, or the zero Info outside a request.
func From(ctx context.Context) Info {
	info, _ := ctx.Value(contextKey{}).(Info)
	return info
}
