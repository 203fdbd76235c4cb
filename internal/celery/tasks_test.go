package celery

import (
	"reflect"
	"slices"
	"testing"
)

func TestTaskConstructors(t *testing.T) {
	user := testUser()
	emailData := NewUserEmailData(user)
	ttsRole := Role{ID: 3, Name: "Admin", System: SystemTTS, CreatedAt: testTime}
	hdtsRole := Role{ID: 9, Name: "Ticket Coordinator", System: SystemHDTS, CreatedAt: testTime}
	ttsAssignment := Assignment{ID: 21, UserID: 12, System: SystemTTS, RoleID: 3, AssignedAt: testTime}
	hdtsAssignment := Assignment{ID: 22, UserID: 12, System: SystemHDTS, RoleID: 9, AssignedAt: testTime}
	employee := Employee{ID: 40, Email: "ben@example.com"}

	rolePayload := func(role Role, action Action) RolePayload { return NewRolePayload(role, action) }
	assignmentPayload := func(a Assignment, action Action) AssignmentPayload { return NewAssignmentPayload(a, action) }

	tests := []struct {
		name       string
		task       Task
		wantName   string
		wantQueue  string
		wantArgs   []any
		wantKwargs map[string]any
		wantLimit  *int
	}{
		{
			name: "1 sync user email", task: SyncUserEmail(emailData),
			wantName: "notifications.sync_user_email", wantQueue: "user-email-sync-queue",
			wantKwargs: map[string]any{"user_id": int64(12), "email": "ana@example.com", "first_name": "Ana", "last_name": "Cruz", "is_active": true},
		},
		{
			name: "2 delete user email cache", task: DeleteUserEmailCache(12),
			wantName: "notifications.delete_user_email_cache", wantQueue: "user-email-sync-queue",
			wantKwargs: map[string]any{"user_id": int64(12)},
		},
		{
			name: "4 tts role create", task: SyncRole(rolePayload(ttsRole, ActionCreate)),
			wantName: "role.tasks.sync_role", wantQueue: "tts.role.sync",
			wantArgs: []any{rolePayload(ttsRole, ActionCreate)}, wantLimit: intPointer(10),
		},
		{
			name: "4 tts role update", task: SyncRole(rolePayload(ttsRole, ActionUpdate)),
			wantName: "role.tasks.sync_role", wantQueue: "tts.role.sync",
			wantArgs: []any{rolePayload(ttsRole, ActionUpdate)}, wantLimit: intPointer(10),
		},
		{
			name: "5 tts role delete", task: SyncRole(rolePayload(ttsRole, ActionDelete)),
			wantName: "role.tasks.sync_role", wantQueue: "tts.role.sync",
			wantArgs: []any{rolePayload(ttsRole, ActionDelete)},
		},
		{
			name: "6 tts assignment create", task: SyncUserSystemRole(assignmentPayload(ttsAssignment, ActionCreate)),
			wantName: "role.tasks.sync_user_system_role", wantQueue: "tts.user_system_role.sync",
			wantArgs: []any{assignmentPayload(ttsAssignment, ActionCreate)}, wantLimit: intPointer(10),
		},
		{
			name: "6 tts assignment update", task: SyncUserSystemRole(assignmentPayload(ttsAssignment, ActionUpdate)),
			wantName: "role.tasks.sync_user_system_role", wantQueue: "tts.user_system_role.sync",
			wantArgs: []any{assignmentPayload(ttsAssignment, ActionUpdate)}, wantLimit: intPointer(10),
		},
		{
			name: "6 tts assignment delete", task: SyncUserSystemRole(assignmentPayload(ttsAssignment, ActionDelete)),
			wantName: "role.tasks.sync_user_system_role", wantQueue: "tts.user_system_role.sync",
			wantArgs: []any{assignmentPayload(ttsAssignment, ActionDelete)},
		},
		{
			name: "7 hdts role create", task: SyncRole(rolePayload(hdtsRole, ActionCreate)),
			wantName: "role.tasks.sync_role", wantQueue: "tts.role.sync",
			wantArgs: []any{rolePayload(hdtsRole, ActionCreate)}, wantLimit: intPointer(10),
		},
		{
			name: "7 hdts role delete", task: SyncRole(rolePayload(hdtsRole, ActionDelete)),
			wantName: "role.tasks.sync_role", wantQueue: "tts.role.sync",
			wantArgs: []any{rolePayload(hdtsRole, ActionDelete)},
		},
		{
			name: "8 hdts assignment update", task: SyncUserSystemRole(assignmentPayload(hdtsAssignment, ActionUpdate)),
			wantName: "role.tasks.sync_user_system_role", wantQueue: "tts.user_system_role.sync",
			wantArgs: []any{assignmentPayload(hdtsAssignment, ActionUpdate)}, wantLimit: intPointer(10),
		},
		{
			name: "8 hdts assignment delete", task: SyncUserSystemRole(assignmentPayload(hdtsAssignment, ActionDelete)),
			wantName: "role.tasks.sync_user_system_role", wantQueue: "tts.user_system_role.sync",
			wantArgs: []any{assignmentPayload(hdtsAssignment, ActionDelete)},
		},
		{
			name: "9 hdts user update", task: SyncHDTSUser(NewHDTSUserPayload(user, "Admin", ActionUpdate)),
			wantName: "hdts.tasks.sync_hdts_user", wantQueue: "hdts.user.sync",
			wantArgs: []any{NewHDTSUserPayload(user, "Admin", ActionUpdate)}, wantLimit: intPointer(10),
		},
		{
			name: "10 hdts assignment create", task: SyncHDTSUser(NewHDTSUserPayload(user, "Admin", ActionCreate)),
			wantName: "hdts.tasks.sync_hdts_user", wantQueue: "hdts.user.sync",
			wantArgs: []any{NewHDTSUserPayload(user, "Admin", ActionCreate)}, wantLimit: intPointer(10),
		},
		{
			name: "10 hdts assignment delete", task: SyncHDTSUser(NewHDTSUserPayload(user, "Admin", ActionDelete)),
			wantName: "hdts.tasks.sync_hdts_user", wantQueue: "hdts.user.sync",
			wantArgs: []any{NewHDTSUserPayload(user, "Admin", ActionDelete)},
		},
		{
			name: "11 staff user delete", task: DeleteHDTSUser(NewUserDeletePayload(user)),
			wantName: "hdts.tasks.sync_hdts_user", wantQueue: "hdts.user.sync",
			wantArgs: []any{NewUserDeletePayload(user)},
		},
		{
			name: "12 employee create", task: SyncHDTSEmployee(NewEmployeePayload(employee, ActionCreate)),
			wantName: "core.tasks.process_hdts_employee_sync", wantQueue: "hdts.employee.sync",
			wantArgs: []any{NewEmployeePayload(employee, ActionCreate)}, wantLimit: intPointer(10),
		},
		{
			name: "12 employee update", task: SyncHDTSEmployee(NewEmployeePayload(employee, ActionUpdate)),
			wantName: "core.tasks.process_hdts_employee_sync", wantQueue: "hdts.employee.sync",
			wantArgs: []any{NewEmployeePayload(employee, ActionUpdate)}, wantLimit: intPointer(10),
		},
		{
			name: "12 employee delete", task: SyncHDTSEmployee(NewEmployeePayload(employee, ActionDelete)),
			wantName: "core.tasks.process_hdts_employee_sync", wantQueue: "hdts.employee.sync",
			wantArgs: []any{NewEmployeePayload(employee, ActionDelete)},
		},
		{
			name: "13 seed workflows", task: SeedWorkflows(),
			wantName: "workflow.seed_workflows", wantQueue: "workflow_seed_queue",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkTask(t, tc.task, tc.wantName, tc.wantQueue, tc.wantArgs, tc.wantKwargs, tc.wantLimit)
		})
	}
}

// checkTask compares a task with the expected name, queue, arguments and
// time limit, and checks that it has a task id and publishes.
func checkTask(t *testing.T, task Task, name, queue string, args []any, kwargs map[string]any, limit *int) {
	t.Helper()
	if task.Name != name {
		t.Errorf("Name = %q, want %q", task.Name, name)
	}
	if task.Queue != queue {
		t.Errorf("Queue = %q, want %q", task.Queue, queue)
	}
	if len(task.Args) != len(args) || (len(args) > 0 && !reflect.DeepEqual(task.Args, args)) {
		t.Errorf("Args = %#v, want %#v", task.Args, args)
	}
	if len(task.Kwargs) != len(kwargs) || (len(kwargs) > 0 && !reflect.DeepEqual(task.Kwargs, kwargs)) {
		t.Errorf("Kwargs = %#v, want %#v", task.Kwargs, kwargs)
	}
	switch {
	case task.TimeLimit == nil && limit == nil:
	case task.TimeLimit == nil || limit == nil:
		t.Errorf("TimeLimit = %v, want %v", task.TimeLimit, limit)
	case *task.TimeLimit != *limit:
		t.Errorf("TimeLimit = %d, want %d", *task.TimeLimit, *limit)
	}
	if task.ID == "" {
		t.Error("task has no id")
	}
	if _, err := task.Publishing(testReplyTo, testOrigin); err != nil {
		t.Errorf("Publishing returned error: %v", err)
	}
}

func TestBulkSyncUserEmails(t *testing.T) {
	var users []UserEmailData
	var active []UserEmailData
	for id := int64(1); id <= 260; id++ {
		user := UserEmailData{UserID: id, Email: "user@example.com", IsActive: id%13 != 0}
		users = append(users, user)
		if user.IsActive {
			active = append(active, user)
		}
	}

	tasks := BulkSyncUserEmails(users)

	if len(tasks) != 3 {
		t.Fatalf("BulkSyncUserEmails returned %d tasks for %d active users, want 3", len(tasks), len(active))
	}
	var sent []UserEmailData
	for i, task := range tasks {
		data, ok := task.Kwargs["users_data"].([]UserEmailData)
		if !ok {
			t.Fatalf("task %d users_data is %T, want []UserEmailData", i, task.Kwargs["users_data"])
		}
		wantLen := []int{100, 100, len(active) - 200}[i]
		if len(data) != wantLen {
			t.Errorf("task %d has %d users, want %d", i, len(data), wantLen)
		}
		checkTask(t, task, "notifications.bulk_sync_user_emails", "user-email-sync-queue", nil, map[string]any{"users_data": data}, nil)
		sent = append(sent, data...)
	}
	if !slices.Equal(sent, active) {
		t.Error("the tasks do not carry exactly the active users in their original order")
	}
}

func TestBulkSyncUserEmailsNoActiveUsers(t *testing.T) {
	users := []UserEmailData{{UserID: 1, IsActive: false}}
	if tasks := BulkSyncUserEmails(users); tasks != nil {
		t.Errorf("BulkSyncUserEmails returned %d tasks for no active user, want nil", len(tasks))
	}
	if tasks := BulkSyncUserEmails(nil); tasks != nil {
		t.Errorf("BulkSyncUserEmails(nil) returned %d tasks, want nil", len(tasks))
	}
}

func TestResyncTTSRoles(t *testing.T) {
	roles := []Role{
		{ID: 1, Name: "Admin", System: SystemTTS, CreatedAt: testTime},
		{ID: 2, Name: "Agent", System: SystemTTS, CreatedAt: testTime},
	}
	assignments := []Assignment{
		{ID: 10, UserID: 5, System: SystemTTS, RoleID: 1, AssignedAt: testTime},
	}

	t.Run("roles and assignments", func(t *testing.T) {
		tasks := ResyncTTSRoles(roles, assignments, false)
		if len(tasks) != 3 {
			t.Fatalf("ResyncTTSRoles returned %d tasks, want 3", len(tasks))
		}
		checkTask(t, tasks[0], "role.tasks.sync_role", "tts.role.sync", []any{NewRolePayload(roles[0], ActionCreate)}, nil, intPointer(10))
		checkTask(t, tasks[1], "role.tasks.sync_role", "tts.role.sync", []any{NewRolePayload(roles[1], ActionCreate)}, nil, intPointer(10))
		checkTask(t, tasks[2], "role.tasks.sync_user_system_role", "tts.user_system_role.sync",
			[]any{NewAssignmentPayload(assignments[0], ActionCreate)}, nil, intPointer(10))
	})

	t.Run("roles only", func(t *testing.T) {
		tasks := ResyncTTSRoles(roles, assignments, true)
		if len(tasks) != 2 {
			t.Fatalf("ResyncTTSRoles with rolesOnly returned %d tasks, want 2", len(tasks))
		}
		for i, task := range tasks {
			if task.Name != TaskSyncRole {
				t.Errorf("task %d is %s, want %s", i, task.Name, TaskSyncRole)
			}
		}
	})
}
