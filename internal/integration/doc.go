// Package integration serves the routes the downstream systems call: the
// TTS routes under /api/v1/tts/ (round-robin, user-info, users-info and the
// TTS assignment management) and the internal user lookups
// /api/v1/users/internal/<id>/ and /api/v1/hdts/users/<id>/.
//
// Several routes accept two request shapes: the legacy one that the TTS
// workflow service sends, and the documented one. The parameters present
// select the shape. Service callers authenticate with an X-API-Key of
// the route's scope. The route table in internal/httpapi declares which
// routes also accept a staff token and which open up in legacy mode.
package integration
