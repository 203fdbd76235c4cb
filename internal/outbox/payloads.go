package outbox

import (
	"bytes"
	"encoding/json"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/model"
)

// ticketCoordinator is the one hdts role that is also synced to TTS.
const ticketCoordinator = "Ticket Coordinator"

// assignmentView is an assignment with the user, system and role its
// payloads name.
type assignmentView struct {
	assignment *model.Assignment
	user       *model.User
	system     *model.System
	role       *model.Role
}

// syncsToTTS reports whether the assignment is sent to TTS: every tts
// assignment, and hdts assignments to Ticket Coordinator.
func (v assignmentView) syncsToTTS() bool {
	return roleSyncsToTTS(v.system, v.role)
}

func (v assignmentView) inHDTS() bool { return v.system.Slug == celery.SystemHDTS }

// roleSyncsToTTS reports whether role.tasks.sync_role covers the role.
func roleSyncsToTTS(system *model.System, role *model.Role) bool {
	switch system.Slug {
	case celery.SystemTTS:
		return true
	case celery.SystemHDTS:
		return role.Name == ticketCoordinator
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func celeryUser(u *model.User) celery.User {
	return celery.User{
		ID: u.ID, Email: u.Email, Username: deref(u.Username), FirstName: u.FirstName, MiddleName: u.MiddleName,
		LastName: u.LastName, Suffix: u.Suffix, CompanyID: u.CompanyID, Department: u.Department, Status: u.Status,
		Notified: u.Notified, IsActive: u.IsActive, ProfilePicture: u.ProfilePicture,
	}
}

func celeryEmployee(e *model.Employee) celery.Employee {
	return celery.Employee{
		ID: e.ID, Email: e.Email, Username: deref(e.Username), FirstName: e.FirstName, MiddleName: e.MiddleName,
		LastName: e.LastName, Suffix: e.Suffix, PhoneNumber: e.PhoneNumber, CompanyID: e.CompanyID,
		Department: e.Department, Status: e.Status, Notified: e.Notified, ProfilePicture: e.ProfilePicture,
	}
}

func celeryRole(system *model.System, r *model.Role) celery.Role {
	return celery.Role{ID: r.ID, Name: r.Name, System: system.Slug, Description: r.Description, IsCustom: r.IsCustom,
		CreatedAt: r.CreatedAt}
}

func assignmentPayload(v assignmentView, action celery.Action) celery.AssignmentPayload {
	a := v.assignment
	return celery.NewAssignmentPayload(celery.Assignment{
		ID: a.ID, UserID: a.UserID, UserEmail: v.user.Email, UserFirstName: v.user.FirstName,
		UserLastName: v.user.LastName, System: v.system.Slug, RoleID: v.role.ID, RoleName: v.role.Name,
		AssignedAt: a.AssignedAt, IsActive: a.IsActive, Settings: a.Settings,
	}, action)
}

// samePayload reports whether two payloads encode to the same JSON once
// their action is left out. Maps encode with sorted keys, so equal
// settings objects compare equal.
func samePayload(before, after any) bool {
	return bytes.Equal(encodeWithoutAction(before), encodeWithoutAction(after))
}

func encodeWithoutAction(payload any) []byte {
	encoded, err := json.Marshal(payload)
	if err != nil {
		// Payloads hold strings, numbers, booleans and JSON settings;
		// settings read from the database always encode.
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(encoded, &fields); err != nil {
		return encoded
	}
	delete(fields, "action")
	normalized, _ := json.Marshal(fields)
	return normalized
}

// changedFields returns the names in fields whose values differ between
// before and after, compared by their JSON encoding.
func changedFields(before, after map[string]any, fields []string) []string {
	changed := []string{}
	for _, name := range fields {
		old, _ := json.Marshal(before[name])
		current, _ := json.Marshal(after[name])
		if !bytes.Equal(old, current) {
			changed = append(changed, name)
		}
	}
	return changed
}

// userEventFields are the data fields of user.created and user.updated.
var userEventFields = []string{"id", "email", "username", "first_name", "middle_name", "last_name", "suffix",
	"company_id", "department", "status", "is_active", "is_staff", "is_superuser", "roles"}

func userEventData(u *model.User, assignments []assignmentView) map[string]any {
	roles := make([]map[string]any, 0, len(assignments))
	for _, v := range assignments {
		roles = append(roles, map[string]any{"system": v.system.Slug, "role": v.role.Name, "is_active": v.assignment.IsActive})
	}
	return map[string]any{
		"id": u.ID, "email": u.Email, "username": u.Username, "first_name": u.FirstName, "middle_name": u.MiddleName,
		"last_name": u.LastName, "suffix": u.Suffix, "company_id": u.CompanyID, "department": u.Department,
		"status": u.Status, "is_active": u.IsActive, "is_staff": u.IsStaff, "is_superuser": u.IsSuperuser,
		"roles": roles,
	}
}

// assignmentEventFields are the fields whose change makes role.updated.
var assignmentEventFields = []string{"system", "role_id", "role", "is_active", "settings"}

func assignmentEventData(v assignmentView) map[string]any {
	settings := v.assignment.Settings
	if settings == nil {
		settings = map[string]any{}
	}
	return map[string]any{
		"assignment_id": v.assignment.ID, "user_id": v.assignment.UserID, "system": v.system.Slug,
		"role_id": v.role.ID, "role": v.role.Name, "is_active": v.assignment.IsActive, "settings": settings,
	}
}

// employeeEventFields are the data fields of employee.created and
// employee.updated.
var employeeEventFields = []string{"id", "email", "username", "first_name", "middle_name", "last_name", "suffix",
	"phone_number", "company_id", "department", "status"}

func employeeEventData(e *model.Employee) map[string]any {
	return map[string]any{
		"id": e.ID, "email": e.Email, "username": e.Username, "first_name": e.FirstName, "middle_name": e.MiddleName,
		"last_name": e.LastName, "suffix": e.Suffix, "phone_number": e.PhoneNumber, "company_id": e.CompanyID,
		"department": e.Department, "status": e.Status,
	}
}
