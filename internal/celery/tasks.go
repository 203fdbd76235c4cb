package celery

// Celery queues that the downstream workers consume.
const (
	QueueUserEmailSync         = "user-email-sync-queue"
	QueueTTSRoleSync           = "tts.role.sync"
	QueueTTSUserSystemRoleSync = "tts.user_system_role.sync"
	QueueHDTSUserSync          = "hdts.user.sync"
	QueueHDTSEmployeeSync      = "hdts.employee.sync"
	QueueWorkflowSeed          = "workflow_seed_queue"
)

// Celery task names registered by the downstream workers.
const (
	TaskSyncUserEmail           = "notifications.sync_user_email"
	TaskDeleteUserEmailCache    = "notifications.delete_user_email_cache"
	TaskBulkSyncUserEmails      = "notifications.bulk_sync_user_emails"
	TaskSyncRole                = "role.tasks.sync_role"
	TaskSyncUserSystemRole      = "role.tasks.sync_user_system_role"
	TaskSyncHDTSUser            = "hdts.tasks.sync_hdts_user"
	TaskProcessHDTSEmployeeSync = "core.tasks.process_hdts_employee_sync"
	TaskSeedWorkflows           = "workflow.seed_workflows"
)

// SyncTimeLimit is the hard time limit, in seconds, of the create and update
// messages that carry one. Delete messages have none.
const SyncTimeLimit = 10

// BulkSyncChunkSize is the maximum number of users in one
// notifications.bulk_sync_user_emails message.
const BulkSyncChunkSize = 100

// limitFor returns the time limit of a message with action: none for
// deletes and SyncTimeLimit otherwise.
func limitFor(action Action) *int {
	if action == ActionDelete {
		return nil
	}
	limit := SyncTimeLimit
	return &limit
}

// SyncUserEmail returns notifications.sync_user_email for a created staff
// user or one whose e-mail, names or active flag changed. The data is sent
// as keyword arguments, without a time limit.
func SyncUserEmail(data UserEmailData) Task {
	return NewTask(TaskSyncUserEmail, QueueUserEmailSync, nil, data.kwargs(), nil)
}

// DeleteUserEmailCache returns notifications.delete_user_email_cache for a
// deleted staff user.
func DeleteUserEmailCache(userID int64) Task {
	kwargs := map[string]any{"user_id": userID}
	return NewTask(TaskDeleteUserEmailCache, QueueUserEmailSync, nil, kwargs, nil)
}

// BulkSyncUserEmails returns notifications.bulk_sync_user_emails messages for
// the active users among users, in the given order and at most
// BulkSyncChunkSize users a message. It returns nil when no user is active.
func BulkSyncUserEmails(users []UserEmailData) []Task {
	active := make([]UserEmailData, 0, len(users))
	for _, user := range users {
		if user.IsActive {
			active = append(active, user)
		}
	}

	var tasks []Task
	for start := 0; start < len(active); start += BulkSyncChunkSize {
		end := min(start+BulkSyncChunkSize, len(active))
		kwargs := map[string]any{"users_data": active[start:end:end]}
		tasks = append(tasks, NewTask(TaskBulkSyncUserEmails, QueueUserEmailSync, nil, kwargs, nil))
	}
	return tasks
}

// SyncRole returns role.tasks.sync_role for a tts role, or for the hdts role
// Ticket Coordinator. Creates and updates have a 10-second limit and deletes
// none.
func SyncRole(payload RolePayload) Task {
	return NewTask(TaskSyncRole, QueueTTSRoleSync, []any{payload}, nil, limitFor(payload.Action))
}

// SyncUserSystemRole returns role.tasks.sync_user_system_role for a tts
// assignment, or an assignment to the hdts role Ticket Coordinator. Creates
// and updates have a 10-second limit and deletes none.
func SyncUserSystemRole(payload AssignmentPayload) Task {
	return NewTask(TaskSyncUserSystemRole, QueueTTSUserSystemRoleSync, []any{payload}, nil, limitFor(payload.Action))
}

// SyncHDTSUser returns hdts.tasks.sync_hdts_user for a staff user with an
// hdts assignment. Creates and updates have a 10-second limit and deletes
// none.
func SyncHDTSUser(payload HDTSUserPayload) Task {
	return NewTask(TaskSyncHDTSUser, QueueHDTSUserSync, []any{payload}, nil, limitFor(payload.Action))
}

// DeleteHDTSUser returns hdts.tasks.sync_hdts_user for any deleted staff
// user, without a time limit.
func DeleteHDTSUser(payload UserDeletePayload) Task {
	return NewTask(TaskSyncHDTSUser, QueueHDTSUserSync, []any{payload}, nil, nil)
}

// SyncHDTSEmployee returns core.tasks.process_hdts_employee_sync for an
// employee. Creates and updates have a 10-second limit and deletes none.
func SyncHDTSEmployee(payload EmployeePayload) Task {
	return NewTask(TaskProcessHDTSEmployeeSync, QueueHDTSEmployeeSync, []any{payload}, nil, limitFor(payload.Action))
}

// SeedWorkflows returns workflow.seed_workflows, with no arguments and no
// time limit.
func SeedWorkflows() Task {
	return NewTask(TaskSeedWorkflows, QueueWorkflowSeed, nil, nil, nil)
}

// ResyncTTSRoles returns the messages of a full tts role resync: a
// role.tasks.sync_role create for every role, then, unless rolesOnly is set,
// a role.tasks.sync_user_system_role create for every assignment.
func ResyncTTSRoles(roles []Role, assignments []Assignment, rolesOnly bool) []Task {
	tasks := make([]Task, 0, len(roles)+len(assignments))
	for _, role := range roles {
		tasks = append(tasks, SyncRole(NewRolePayload(role, ActionCreate)))
	}
	if rolesOnly {
		return tasks
	}
	for _, assignment := range assignments {
		tasks = append(tasks, SyncUserSystemRole(NewAssignmentPayload(assignment, ActionCreate)))
	}
	return tasks
}
