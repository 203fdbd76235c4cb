package tokens

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mapactive/authd/internal/secrets"
)

// Verification errors. Handlers map them to the spec's error bodies.
var (
	ErrInvalid   = errors.New("token is invalid")
	ErrExpired   = errors.New("token is expired")
	ErrWrongType = errors.New("wrong token type")
	ErrRevoked   = errors.New("token has been revoked")
)

// Signer signs and verifies access, refresh and challenge tokens.
type Signer struct {
	sharedKey     []byte   // HS256 key shared with downstream systems
	challengeKeys [][]byte // derived from the secret key and its fallbacks; the first signs
	leeway        time.Duration
	now           func() time.Time
}

// NewSigner returns a signer. sharedKey is used as the raw bytes of the
// configured variable, exactly as downstream verifiers use it.
func NewSigner(sharedKey string, keyring *secrets.Keyring, leeway time.Duration, now func() time.Time) *Signer {
	return &Signer{
		sharedKey:     []byte(sharedKey),
		challengeKeys: keyring.Keys(secrets.InfoOTPChallenge),
		leeway:        leeway,
		now:           now,
	}
}

// Sign signs a claim set with the shared key.
func (s *Signer) Sign(claims map[string]any) (string, error) {
	token := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims))
	return token.SignedString(s.sharedKey)
}

// Parse verifies a token signed with the shared key and returns its claims.
// The algorithm comes from the key configuration, never from the token: only
// HS256 is accepted, so "none" and public-key confusion tokens fail.
func (s *Signer) Parse(raw string) (*Claims, error) {
	claims, err := s.parse(raw, [][]byte{s.sharedKey})
	if err != nil {
		return nil, err
	}
	if claims.TokenType == TypeChallenge {
		// A challenge token signed with the shared key never comes from authd.
		return nil, fmt.Errorf("%w: challenge token signed with the shared key", ErrInvalid)
	}
	return claims, nil
}

// ParseAccess verifies an access token.
func (s *Signer) ParseAccess(raw string) (*Claims, error) {
	return s.parseOfType(raw, TypeAccess)
}

// ParseRefresh verifies a refresh token.
func (s *Signer) ParseRefresh(raw string) (*Claims, error) {
	return s.parseOfType(raw, TypeRefresh)
}

func (s *Signer) parseOfType(raw, tokenType string) (*Claims, error) {
	claims, err := s.Parse(raw)
	if err != nil {
		return nil, err
	}
	if claims.TokenType != tokenType {
		return nil, fmt.Errorf("%w: %s token where %s was expected", ErrWrongType, claims.TokenType, tokenType)
	}
	return claims, nil
}

// SignChallenge issues a 2FA challenge token for a subject. It carries no
// user_id, email or roles, and its key is not the shared key.
func (s *Signer) SignChallenge(subjectType SubjectType, subjectID int64, jti string, methods []string, iat, exp time.Time) (string, error) {
	claims := jwt.MapClaims{
		"token_type":  TypeChallenge,
		"jti":         jti,
		"iat":         iat.Unix(),
		"exp":         exp.Unix(),
		"sub":         string(subjectType) + ":" + strconv.FormatInt(subjectID, 10),
		"user_type":   string(subjectType),
		"otp_methods": methods,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.challengeKeys[0])
}

// ParseChallenge verifies a challenge token. An access or refresh token gives
// ErrWrongType, so callers can return "Invalid token type.".
func (s *Signer) ParseChallenge(raw string) (*Claims, error) {
	claims, err := s.parse(raw, s.challengeKeys)
	if err != nil {
		if _, sharedErr := s.Parse(raw); sharedErr == nil {
			return nil, fmt.Errorf("%w: not a challenge token", ErrWrongType)
		}
		return nil, err
	}
	if claims.TokenType != TypeChallenge {
		return nil, fmt.Errorf("%w: not a challenge token", ErrWrongType)
	}
	return claims, nil
}

func (s *Signer) parse(raw string, keys [][]byte) (*Claims, error) {
	if raw == "" || len(raw) > 8192 {
		return nil, fmt.Errorf("%w: empty or oversized token", ErrInvalid)
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithLeeway(s.leeway),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now),
		jwt.WithJSONNumber(),
	)
	var lastErr error
	for _, key := range keys {
		mapClaims := jwt.MapClaims{}
		_, err := parser.ParseWithClaims(raw, mapClaims, func(*jwt.Token) (any, error) { return key, nil })
		switch {
		case err == nil:
			return parseClaims(mapClaims)
		case errors.Is(err, jwt.ErrTokenExpired):
			return nil, fmt.Errorf("%w: %v", ErrExpired, err)
		case errors.Is(err, jwt.ErrTokenSignatureInvalid):
			lastErr = err // try the next key
		default:
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
	}
	return nil, fmt.Errorf("%w: %v", ErrInvalid, lastErr)
}

// ParseForLogout verifies the signature of an access or refresh token but
// accepts it after expiry, so logging out with an expired token still
// revokes its family.
func (s *Signer) ParseForLogout(raw string) (*Claims, error) {
	if raw == "" || len(raw) > 8192 {
		return nil, fmt.Errorf("%w: empty or oversized token", ErrInvalid)
	}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithoutClaimsValidation(), jwt.WithJSONNumber())
	mapClaims := jwt.MapClaims{}
	if _, err := parser.ParseWithClaims(raw, mapClaims, func(*jwt.Token) (any, error) { return s.sharedKey, nil }); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	claims, err := parseClaims(mapClaims)
	if err != nil {
		return nil, err
	}
	if claims.TokenType != TypeAccess && claims.TokenType != TypeRefresh {
		return nil, fmt.Errorf("%w: %s token", ErrWrongType, claims.TokenType)
	}
	return claims, nil
}
