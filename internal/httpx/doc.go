// Package httpx is the toolkit authd's JSON handlers share: body decoding for
// JSON, urlencoded and multipart requests, typed field reading with the
// Django REST framework's messages, the standard error bodies, response
// writing, and the authenticated principal of a request.
//
// It has no domain logic: handlers in the domain packages use it, and
// internal/httpapi wires them into the route table.
package httpx
