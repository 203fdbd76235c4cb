// Package tokens issues and verifies the JSON Web Tokens authd hands out and
// keeps the refresh-token families behind them.
//
// Access and refresh tokens are HS256 JWTs signed with the key shared with
// the downstream systems, which verify them locally, so their claim sets are
// a compatibility contract. A refresh token is valid only while its row
// exists and its family is not revoked: every refresh rotates the token, a
// replay within the grace window returns the same successor pair, and any
// later replay revokes the family.
//
// 2FA challenge tokens are signed with a key derived from the secret key, so
// no downstream verifier can accept one as an access token.
package tokens
