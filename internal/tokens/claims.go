package tokens

import (
	"encoding/json"
	"fmt"
	"time"
)

// SubjectType names the table a token's subject id refers to.
type SubjectType string

// Subject types.
const (
	Staff    SubjectType = "staff"
	Employee SubjectType = "employee"
)

// Token types carried in the token_type claim.
const (
	TypeAccess    = "access"
	TypeRefresh   = "refresh"
	TypeChallenge = "otp_challenge"
)

// Role is one entry of the roles claim.
type Role struct {
	System string `json:"system"`
	Role   string `json:"role"`
}

// Subject is the account a pair is issued to, with the claim values read
// from the database at the moment of issue.
type Subject struct {
	Type     SubjectType
	ID       int64
	Email    string
	Username *string // staff: nullable; employee: username or e-mail local part
	FullName string
	Roles    []Role
}

// Claims are the verified claims of a token.
type Claims struct {
	TokenType  string
	IssuedAt   time.Time
	ExpiresAt  time.Time
	JTI        string
	UserID     int64
	EmployeeID int64 // zero when absent
	Email      string
	Username   *string
	FullName   string
	UserType   SubjectType
	Roles      []Role

	// Challenge tokens only.
	ChallengeSubject string
	OTPMethods       []string
}

// SubjectType returns the account type the token refers to.
func (c *Claims) SubjectType() SubjectType { return c.UserType }

// SubjectID returns the id of the account in the table of its type.
func (c *Claims) SubjectID() int64 {
	if c.UserType == Employee && c.EmployeeID != 0 {
		return c.EmployeeID
	}
	return c.UserID
}

// claimMap builds the claim set of one token of a pair. The presence of each
// claim per account and token type is fixed by what the downstream systems
// read: employee refresh tokens carry no username, full_name or roles.
func claimMap(s *Subject, tokenType, jti string, iat, exp time.Time) map[string]any {
	m := map[string]any{
		"token_type": tokenType,
		"exp":        exp.Unix(),
		"iat":        iat.Unix(),
		"jti":        jti,
		"user_id":    s.ID,
		"email":      s.Email,
		"user_type":  string(s.Type),
	}
	roles := s.Roles
	if roles == nil {
		roles = []Role{}
	}
	switch s.Type {
	case Staff:
		m["username"] = s.Username
		m["full_name"] = s.FullName
		m["roles"] = roles
	case Employee:
		m["employee_id"] = s.ID
		if tokenType == TypeAccess {
			m["username"] = s.Username
			m["full_name"] = s.FullName
			m["roles"] = roles
		}
	}
	return m
}

// parseClaims reads verified claims strictly: a claim of the wrong JSON type
// makes the token invalid rather than silently zero.
func parseClaims(raw map[string]any) (*Claims, error) {
	c := &Claims{}
	var err error
	if c.TokenType, err = stringClaim(raw, "token_type", true); err != nil {
		return nil, err
	}
	iat, err := intClaim(raw, "iat", false)
	if err != nil {
		return nil, err
	}
	c.IssuedAt = time.Unix(iat, 0).UTC()
	exp, err := intClaim(raw, "exp", true)
	if err != nil {
		return nil, err
	}
	c.ExpiresAt = time.Unix(exp, 0).UTC()
	if c.JTI, err = stringClaim(raw, "jti", true); err != nil {
		return nil, err
	}
	if c.TokenType == TypeChallenge {
		return parseChallengeClaims(raw, c)
	}
	if c.UserID, err = intClaim(raw, "user_id", true); err != nil {
		return nil, err
	}
	if c.EmployeeID, err = intClaim(raw, "employee_id", false); err != nil {
		return nil, err
	}
	if c.Email, err = stringClaim(raw, "email", false); err != nil {
		return nil, err
	}
	if c.FullName, err = stringClaim(raw, "full_name", false); err != nil {
		return nil, err
	}
	if v, ok := raw["username"].(string); ok {
		c.Username = &v
	}
	userType, err := stringClaim(raw, "user_type", false)
	if err != nil {
		return nil, err
	}
	switch SubjectType(userType) {
	case Staff, Employee:
		c.UserType = SubjectType(userType)
	case "":
		// Tokens issued by the Django service before the switch may lack
		// user_type; an employee_id marks an employee token there.
		c.UserType = Staff
		if c.EmployeeID != 0 {
			c.UserType = Employee
		}
	default:
		return nil, fmt.Errorf("%w: unknown user_type %q", ErrInvalid, userType)
	}
	if rolesRaw, ok := raw["roles"]; ok && rolesRaw != nil {
		encoded, _ := json.Marshal(rolesRaw)
		if err := json.Unmarshal(encoded, &c.Roles); err != nil {
			return nil, fmt.Errorf("%w: roles claim is not a list of {system, role}", ErrInvalid)
		}
	}
	return c, nil
}

func parseChallengeClaims(raw map[string]any, c *Claims) (*Claims, error) {
	var err error
	if c.ChallengeSubject, err = stringClaim(raw, "sub", true); err != nil {
		return nil, err
	}
	userType, err := stringClaim(raw, "user_type", true)
	if err != nil {
		return nil, err
	}
	c.UserType = SubjectType(userType)
	if methods, ok := raw["otp_methods"].([]any); ok {
		for _, m := range methods {
			if s, ok := m.(string); ok {
				c.OTPMethods = append(c.OTPMethods, s)
			}
		}
	}
	return c, nil
}

func stringClaim(raw map[string]any, name string, required bool) (string, error) {
	v, ok := raw[name]
	if !ok || v == nil {
		if required {
			return "", fmt.Errorf("%w: missing %s claim", ErrInvalid, name)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: %s claim is not a string", ErrInvalid, name)
	}
	return s, nil
}

func intClaim(raw map[string]any, name string, required bool) (int64, error) {
	v, ok := raw[name]
	if !ok || v == nil {
		if required {
			return 0, fmt.Errorf("%w: missing %s claim", ErrInvalid, name)
		}
		return 0, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%w: %s claim is not a number", ErrInvalid, name)
	}
	i, err := n.Int64()
	if err != nil {
		// simplejwt writes integer seconds, but a float timestamp is still a time.
		f, ferr := n.Float64()
		if ferr != nil || (name != "exp" && name != "iat") {
			return 0, fmt.Errorf("%w: %s claim is not an integer", ErrInvalid, name)
		}
		i = int64(f)
	}
	return i, nil
}
