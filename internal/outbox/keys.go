package outbox

import (
	"fmt"
	"strings"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/jobs"
)

// Entity types of ordering keys.
const (
	entityUser       = "user"
	entityRole       = "role"
	entityAssignment = "assignment"
	entityEmployee   = "employee"
)

// The ordering keys of the sync messages. Messages about the same entity on
// the same queue keep their order. The hdts user queue orders by user,
// because its assignment messages describe the user.
func userEmailKey(userID int64) string {
	return jobs.OrderingKey(celery.QueueUserEmailSync, entityUser, userID)
}

func roleKey(roleID int64) string {
	return jobs.OrderingKey(celery.QueueTTSRoleSync, entityRole, roleID)
}

func assignmentKey(assignmentID int64) string {
	return jobs.OrderingKey(celery.QueueTTSUserSystemRoleSync, entityAssignment, assignmentID)
}

func hdtsUserKey(userID int64) string {
	return jobs.OrderingKey(celery.QueueHDTSUserSync, entityUser, userID)
}

func employeeKey(employeeID int64) string {
	return jobs.OrderingKey(celery.QueueHDTSEmployeeSync, entityEmployee, employeeID)
}

// eventKey returns the ordering key of a domain event on exchange. user.*
// and role.* events are ordered per user, so a consumer receives a user's
// role changes and its deletion in commit order. employee.* events are
// ordered per employee, and other types get one key per type.
func eventKey(exchange string, event celery.Event) string {
	group, _, _ := strings.Cut(event.Type, ".")
	var entity, field string
	switch group {
	case "user":
		entity, field = entityUser, "id"
	case "role":
		entity, field = entityUser, "user_id"
	case "employee":
		entity, field = entityEmployee, "id"
	}
	if id, ok := event.Data[field]; ok && entity != "" && id != nil {
		return exchange + ":" + entity + ":" + fmt.Sprint(id)
	}
	return exchange + ":" + event.Type
}
