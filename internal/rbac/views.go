package rbac

import (
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
)

// SystemJSON is the System body.
type SystemJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Slug      string `json:"slug"`
	CreatedAt string `json:"created_at"`
}

// SystemRef is the short form of a system inside other bodies.
type SystemRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// RoleJSON is the Role body.
type RoleJSON struct {
	ID          int64   `json:"id"`
	System      int64   `json:"system"`
	SystemName  string  `json:"system_name"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	IsCustom    bool    `json:"is_custom"`
	CreatedAt   string  `json:"created_at"`
}

// RoleSummary is a role inside a system's body.
type RoleSummary struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	IsCustom    bool    `json:"is_custom"`
	CreatedAt   string  `json:"created_at"`
}

// AssignmentJSON is the Assignment body of the list and detail routes, in
// the Django shape where id is the user's id.
type AssignmentJSON struct {
	ID                 int64          `json:"id"`
	AssignmentID       int64          `json:"assignment_id"`
	Email              string         `json:"email"`
	Username           *string        `json:"username"`
	FirstName          string         `json:"first_name"`
	LastName           string         `json:"last_name"`
	IsActive           bool           `json:"is_active"`
	IsStaff            bool           `json:"is_staff"`
	DateJoined         string         `json:"date_joined"`
	SystemSlug         string         `json:"system_slug"`
	Role               string         `json:"role"`
	RoleID             int64          `json:"role_id"`
	AssignedAt         string         `json:"assigned_at"`
	LastLoggedOn       any            `json:"last_logged_on"`
	Settings           map[string]any `json:"settings"`
	AssignmentIsActive bool           `json:"assignment_is_active"`
}

// AssignmentWriteJSON is the body of assignment create and update
// responses.
type AssignmentWriteJSON struct {
	ID             int64          `json:"id"`
	User           int64          `json:"user"`
	System         int64          `json:"system"`
	Role           int64          `json:"role"`
	IsActive       bool           `json:"is_active"`
	Settings       map[string]any `json:"settings"`
	AvailableRoles []RoleSummary  `json:"available_roles"`
	AssignedAt     string         `json:"assigned_at"`
}

// SystemOf returns the System body.
func SystemOf(s *model.System) SystemJSON {
	return SystemJSON{ID: s.ID, Name: s.Name, Slug: s.Slug, CreatedAt: httpx.Timestamp(s.CreatedAt)}
}

// RefOf returns the short form of a system.
func RefOf(s *model.System) SystemRef { return SystemRef{ID: s.ID, Name: s.Name, Slug: s.Slug} }

// RoleOf returns the Role body of a role loaded with its system.
func RoleOf(r *model.Role) RoleJSON {
	name := ""
	if r.System != nil {
		name = r.System.Name
	}
	return RoleJSON{ID: r.ID, System: r.SystemID, SystemName: name, Name: r.Name, Description: r.Description,
		IsCustom: r.IsCustom, CreatedAt: httpx.Timestamp(r.CreatedAt)}
}

// SummaryOf returns the short Role body.
func SummaryOf(r *model.Role) RoleSummary {
	return RoleSummary{ID: r.ID, Name: r.Name, Description: r.Description, IsCustom: r.IsCustom, CreatedAt: httpx.Timestamp(r.CreatedAt)}
}

// Summaries returns the short bodies of roles.
func Summaries(roles []model.Role) []RoleSummary {
	out := make([]RoleSummary, len(roles))
	for i := range roles {
		out[i] = SummaryOf(&roles[i])
	}
	return out
}

// AssignmentOf returns the Assignment body of an assignment loaded with its
// user, system and role.
func AssignmentOf(a *model.Assignment) AssignmentJSON {
	return AssignmentJSON{
		ID: a.UserID, AssignmentID: a.ID, Email: a.User.Email, Username: a.User.Username, FirstName: a.User.FirstName,
		LastName: a.User.LastName, IsActive: a.User.IsActive, IsStaff: a.User.IsStaff, DateJoined: httpx.Timestamp(a.User.DateJoined),
		SystemSlug: a.System.Slug, Role: a.Role.Name, RoleID: a.RoleID, AssignedAt: httpx.Timestamp(a.AssignedAt),
		LastLoggedOn: httpx.TimestampPtr(a.LastLoggedOn), Settings: settingsOf(a), AssignmentIsActive: a.IsActive,
	}
}

// AssignmentWriteOf returns the create and update body of an assignment.
func AssignmentWriteOf(a *model.Assignment, roles []model.Role) AssignmentWriteJSON {
	return AssignmentWriteJSON{ID: a.ID, User: a.UserID, System: a.SystemID, Role: a.RoleID, IsActive: a.IsActive,
		Settings: settingsOf(a), AvailableRoles: Summaries(roles), AssignedAt: httpx.Timestamp(a.AssignedAt)}
}

func settingsOf(a *model.Assignment) map[string]any {
	if a.Settings == nil {
		return map[string]any{}
	}
	return a.Settings
}
