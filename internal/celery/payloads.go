package celery

import (
	"path"
	"strings"
	"time"
)

// Action is the value of a payload's "action" field.
type Action string

// Payload actions.
const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
)

// SystemHDTS is the slug of the help desk system. Role and assignment
// payloads for it carry "source_system": "hdts".
const SystemHDTS = "hdts"

// SystemTTS is the slug of the ticket tracking system.
const SystemTTS = "tts"

// employeeRole is the fixed "role" of every EmployeePayload.
const employeeRole = "employee"

// profilePicturePrefix is the URL path under which uploaded profile pictures
// are served. Workers store the relative URL as it is.
const profilePicturePrefix = "/media/profile_pics/"

// PythonTime formats t as Python's datetime.isoformat() does for an aware UTC
// datetime with microseconds: 2025-01-31T08:15:00.123456+00:00. It always
// writes six fractional digits, although isoformat() omits them when the
// microseconds are zero, so that every payload timestamp has one form.
// Nanoseconds beyond the microsecond are dropped.
func PythonTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000") + "+00:00"
}

// ProfilePictureURL returns the relative URL of a stored profile picture, or
// nil when file is nil or empty. It keeps the base name of file, so both
// "a.jpg" and the stored form "profile_pics/a.jpg" give
// "/media/profile_pics/a.jpg". It percent-encodes the name as Django's
// filepath_to_uri does.
func ProfilePictureURL(file *string) *string {
	if file == nil || *file == "" {
		return nil
	}
	url := profilePicturePrefix + escapeFilePath(path.Base(*file))
	return &url
}

// escapeFilePath percent-encodes every byte outside the URI unreserved set
// and Django's extra safe characters /~!*()'.
func escapeFilePath(name string) string {
	const hex = "0123456789ABCDEF"

	var out strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isFilePathSafe(c) {
			out.WriteByte(c)
			continue
		}
		out.WriteByte('%')
		out.WriteByte(hex[c>>4])
		out.WriteByte(hex[c&0x0f])
	}
	return out.String()
}

func isFilePathSafe(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~/!*()'", c) >= 0
}

// emptyIfNil returns "" for nil and *s otherwise. The message format
// requires "" in place of null for the middle name and suffix.
func emptyIfNil(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// sourceSystem returns "hdts" for the help desk system and "" otherwise.
func sourceSystem(system string) string {
	if system == SystemHDTS {
		return SystemHDTS
	}
	return ""
}

// Role is the input for a RolePayload.
type Role struct {
	ID          int64
	Name        string
	System      string // slug of the role's system, such as "tts"
	Description *string
	IsCustom    bool
	CreatedAt   time.Time
}

// RolePayload is the argument of role.tasks.sync_role.
type RolePayload struct {
	RoleID      int64   `json:"role_id"`
	Name        string  `json:"name"`
	System      string  `json:"system"`
	Description *string `json:"description"`
	IsCustom    bool    `json:"is_custom"`
	CreatedAt   string  `json:"created_at"`
	Action      Action  `json:"action"`
	// SourceSystem is "hdts" for hdts roles and omitted otherwise.
	SourceSystem string `json:"source_system,omitempty"`
}

// NewRolePayload builds the payload for role. A null description stays null
// for tts roles and becomes "" for hdts roles.
func NewRolePayload(role Role, action Action) RolePayload {
	description := role.Description
	if description == nil && role.System == SystemHDTS {
		empty := ""
		description = &empty
	}
	return RolePayload{
		RoleID:       role.ID,
		Name:         role.Name,
		System:       role.System,
		Description:  description,
		IsCustom:     role.IsCustom,
		CreatedAt:    PythonTime(role.CreatedAt),
		Action:       action,
		SourceSystem: sourceSystem(role.System),
	}
}

// Assignment is the input for an AssignmentPayload: one user's role in one
// system, with the user and role fields the payload copies.
type Assignment struct {
	ID            int64
	UserID        int64
	UserEmail     string
	UserFirstName string
	UserLastName  string
	System        string
	RoleID        int64
	RoleName      string
	AssignedAt    time.Time
	IsActive      bool
	// Settings is the assignment's JSON settings object. Nil is sent as {}.
	Settings map[string]any
}

// AssignmentPayload is the argument of role.tasks.sync_user_system_role.
type AssignmentPayload struct {
	UserSystemRoleID int64          `json:"user_system_role_id"`
	UserID           int64          `json:"user_id"`
	UserEmail        string         `json:"user_email"`
	UserFullName     string         `json:"user_full_name"`
	System           string         `json:"system"`
	RoleID           int64          `json:"role_id"`
	RoleName         string         `json:"role_name"`
	AssignedAt       string         `json:"assigned_at"`
	IsActive         bool           `json:"is_active"`
	Settings         map[string]any `json:"settings"`
	Action           Action         `json:"action"`
	// SourceSystem is "hdts" for hdts assignments and omitted otherwise.
	SourceSystem string `json:"source_system,omitempty"`
}

// NewAssignmentPayload builds the payload for assignment.
func NewAssignmentPayload(assignment Assignment, action Action) AssignmentPayload {
	settings := assignment.Settings
	if settings == nil {
		// NOTE: sent as {} and not null on the assumption that the workers'
		// settings column, like the one it mirrors, defaults to an empty
		// object and rejects null.
		settings = map[string]any{}
	}
	fullName := strings.TrimSpace(assignment.UserFirstName + " " + assignment.UserLastName)
	return AssignmentPayload{
		UserSystemRoleID: assignment.ID,
		UserID:           assignment.UserID,
		UserEmail:        assignment.UserEmail,
		UserFullName:     fullName,
		System:           assignment.System,
		RoleID:           assignment.RoleID,
		RoleName:         assignment.RoleName,
		AssignedAt:       PythonTime(assignment.AssignedAt),
		IsActive:         assignment.IsActive,
		Settings:         settings,
		Action:           action,
		SourceSystem:     sourceSystem(assignment.System),
	}
}
