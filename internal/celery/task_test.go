package celery

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"
)

const (
	testTaskID  = "6f1c2b9e-3d4a-4f5b-8c7d-0e1f2a3b4c5d"
	testReplyTo = "0d9e8f7a-6b5c-4d3e-9f1a-2b3c4d5e6f70"
	testOrigin  = "authd@test-host"
)

var testTime = time.Date(2025, 1, 31, 8, 15, 0, 123456789, time.UTC)

func intPointer(value int) *int { return &value }

func stringPointer(value string) *string { return &value }

// roleTask returns a tts role create task with fixed values.
func roleTask() Task {
	payload := NewRolePayload(Role{
		ID:        7,
		Name:      "Agent",
		System:    SystemTTS,
		IsCustom:  true,
		CreatedAt: testTime,
	}, ActionCreate)
	return Task{
		ID:        testTaskID,
		Name:      TaskSyncRole,
		Queue:     QueueTTSRoleSync,
		Args:      []any{payload},
		TimeLimit: intPointer(10),
	}
}

// checkHeaders compares every header with want, value and Go type, so that
// an int where int32 is expected fails.
func checkHeaders(t *testing.T, got, want amqp.Table) {
	t.Helper()
	for key, wantValue := range want {
		gotValue, ok := got[key]
		if !ok {
			t.Errorf("header %s is missing", key)
			continue
		}
		if !reflect.DeepEqual(gotValue, wantValue) {
			t.Errorf("header %s = %#v (%T), want %#v (%T)", key, gotValue, gotValue, wantValue, wantValue)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("unexpected header %s = %#v", key, got[key])
		}
	}
}

func TestTaskPublishingWithArgs(t *testing.T) {
	msg, err := roleTask().Publishing(testReplyTo, testOrigin)
	if err != nil {
		t.Fatalf("Publishing returned error: %v", err)
	}

	if msg.ContentType != "application/json" {
		t.Errorf("ContentType = %q, want application/json", msg.ContentType)
	}
	if msg.ContentEncoding != "utf-8" {
		t.Errorf("ContentEncoding = %q, want utf-8", msg.ContentEncoding)
	}
	if msg.DeliveryMode != 2 {
		t.Errorf("DeliveryMode = %d, want 2", msg.DeliveryMode)
	}
	if msg.Priority != 0 {
		t.Errorf("Priority = %d, want 0", msg.Priority)
	}
	if msg.CorrelationId != testTaskID {
		t.Errorf("CorrelationId = %q, want the task id %s", msg.CorrelationId, testTaskID)
	}
	if msg.ReplyTo != testReplyTo {
		t.Errorf("ReplyTo = %q, want %s", msg.ReplyTo, testReplyTo)
	}

	wantHeaders := amqp.Table{
		"lang":                  "py",
		"task":                  "role.tasks.sync_role",
		"id":                    testTaskID,
		"shadow":                nil,
		"eta":                   nil,
		"expires":               nil,
		"group":                 nil,
		"group_index":           nil,
		"retries":               int32(0),
		"timelimit":             []any{int32(10), nil},
		"root_id":               testTaskID,
		"parent_id":             nil,
		"argsrepr":              "[{'role_id': 7, 'name': 'Agent', 'system': 'tts', 'description': None, 'is_custom': True, 'created_at': '2025-01-31T08:15:00.123456+00:00', 'action': 'create'}]",
		"kwargsrepr":            "{}",
		"origin":                "authd@test-host",
		"ignore_result":         false,
		"replaced_task_nesting": int32(0),
		"stamped_headers":       nil,
		"stamps":                amqp.Table{},
	}
	checkHeaders(t, msg.Headers, wantHeaders)
	if err := msg.Headers.Validate(); err != nil {
		t.Errorf("headers are not a valid AMQP table: %v", err)
	}

	wantBody := `[[{"role_id":7,"name":"Agent","system":"tts","description":null,"is_custom":true,` +
		`"created_at":"2025-01-31T08:15:00.123456+00:00","action":"create"}],{},` +
		`{"callbacks":null,"errbacks":null,"chain":null,"chord":null}]`
	if string(msg.Body) != wantBody {
		t.Errorf("body =\n%s\nwant\n%s", msg.Body, wantBody)
	}
}

func TestTaskPublishingWithKwargs(t *testing.T) {
	task := SyncUserEmail(UserEmailData{UserID: 12, Email: "ana@example.com", FirstName: "Ana", IsActive: true})
	task.ID = testTaskID

	msg, err := task.Publishing(testReplyTo, testOrigin)
	if err != nil {
		t.Fatalf("Publishing returned error: %v", err)
	}

	wantBody := `[[],{"email":"ana@example.com","first_name":"Ana","is_active":true,"last_name":"","user_id":12},` +
		`{"callbacks":null,"errbacks":null,"chain":null,"chord":null}]`
	if string(msg.Body) != wantBody {
		t.Errorf("body =\n%s\nwant\n%s", msg.Body, wantBody)
	}
	if got, want := msg.Headers["argsrepr"], "[]"; got != want {
		t.Errorf("argsrepr = %#v, want %q", got, want)
	}
	wantKwargsRepr := "{'email': 'ana@example.com', 'first_name': 'Ana', 'is_active': True, 'last_name': '', 'user_id': 12}"
	if got := msg.Headers["kwargsrepr"]; got != wantKwargsRepr {
		t.Errorf("kwargsrepr = %#v, want %q", got, wantKwargsRepr)
	}
	if got, want := msg.Headers["timelimit"], []any{nil, nil}; !reflect.DeepEqual(got, want) {
		t.Errorf("timelimit = %#v, want %#v", got, want)
	}
	if got := msg.Headers["task"]; got != "notifications.sync_user_email" {
		t.Errorf("task header = %#v, want notifications.sync_user_email", got)
	}
}

func TestTaskPublishingNoArguments(t *testing.T) {
	task := Task{ID: testTaskID, Name: TaskSeedWorkflows, Queue: QueueWorkflowSeed}

	msg, err := task.Publishing(testReplyTo, testOrigin)
	if err != nil {
		t.Fatalf("Publishing returned error: %v", err)
	}

	wantBody := `[[],{},{"callbacks":null,"errbacks":null,"chain":null,"chord":null}]`
	if string(msg.Body) != wantBody {
		t.Errorf("body = %s, want %s", msg.Body, wantBody)
	}
	if got := msg.Headers["argsrepr"]; got != "[]" {
		t.Errorf("argsrepr = %#v, want []", got)
	}
	if got := msg.Headers["kwargsrepr"]; got != "{}" {
		t.Errorf("kwargsrepr = %#v, want {}", got)
	}
}

func TestTaskJSONRoundTrip(t *testing.T) {
	original := roleTask()
	original.Kwargs = map[string]any{"big": int64(math.MaxInt64), "when": "x<y"}

	stored, err := json.Marshal(original)
	if err != nil {
		t.Fatalf("json.Marshal(task) returned error: %v", err)
	}
	var loaded Task
	if err := json.Unmarshal(stored, &loaded); err != nil {
		t.Fatalf("json.Unmarshal(task) returned error: %v", err)
	}

	if loaded.ID != original.ID || loaded.Name != original.Name || loaded.Queue != original.Queue {
		t.Errorf("loaded task = %s %s %s, want %s %s %s",
			loaded.ID, loaded.Name, loaded.Queue, original.ID, original.Name, original.Queue)
	}
	if loaded.TimeLimit == nil || *loaded.TimeLimit != 10 {
		t.Errorf("loaded TimeLimit = %v, want 10", loaded.TimeLimit)
	}

	before, err := original.Publishing(testReplyTo, testOrigin)
	if err != nil {
		t.Fatalf("Publishing(original) returned error: %v", err)
	}
	after, err := loaded.Publishing(testReplyTo, testOrigin)
	if err != nil {
		t.Fatalf("Publishing(loaded) returned error: %v", err)
	}
	if string(after.Body) != string(before.Body) {
		t.Errorf("body after JSON round trip =\n%s\nwant\n%s", after.Body, before.Body)
	}
	if !strings.Contains(string(after.Body), `"big":9223372036854775807`) {
		t.Errorf("body after JSON round trip lost digits of a large integer: %s", after.Body)
	}
	checkHeaders(t, after.Headers, before.Headers)
}

func TestTaskJSONNullArguments(t *testing.T) {
	var task Task
	stored := `{"id":"` + testTaskID + `","name":"workflow.seed_workflows","queue":"q","args":null,"kwargs":null,"time_limit":null}`
	if err := json.Unmarshal([]byte(stored), &task); err != nil {
		t.Fatalf("json.Unmarshal returned error: %v", err)
	}
	if task.Args != nil || task.Kwargs != nil || task.TimeLimit != nil {
		t.Errorf("decoded task = %+v, want nil args, kwargs and time limit", task)
	}
}

func TestTaskPublishingInvalid(t *testing.T) {
	tests := []struct {
		name string
		task Task
		want string
	}{
		{"missing id", Task{Name: TaskSyncRole}, "no id"},
		{"missing name", Task{ID: testTaskID}, "no task name"},
		{"zero limit", Task{ID: testTaskID, Name: TaskSyncRole, TimeLimit: intPointer(0)}, "invalid time limit 0"},
		{"negative limit", Task{ID: testTaskID, Name: TaskSyncRole, TimeLimit: intPointer(-5)}, "invalid time limit -5"},
		{"limit beyond int32", Task{ID: testTaskID, Name: TaskSyncRole, TimeLimit: intPointer(math.MaxInt32 + 1)}, "invalid time limit"},
		{"unencodable arg", Task{ID: testTaskID, Name: TaskSyncRole, Args: []any{math.NaN()}}, "encode args"},
		{"unencodable kwarg", Task{ID: testTaskID, Name: TaskSyncRole, Kwargs: map[string]any{"c": make(chan int)}}, "encode kwargs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.task.Publishing(testReplyTo, testOrigin)
			if err == nil {
				t.Fatalf("Publishing returned no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Publishing error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestTaskPublishingLongReprs(t *testing.T) {
	long := strings.Repeat("日本", MaxReprLength)
	task := Task{
		ID:     testTaskID,
		Name:   TaskSyncRole,
		Args:   []any{long},
		Kwargs: map[string]any{"text": long},
	}

	msg, err := task.Publishing(testReplyTo, testOrigin)
	if err != nil {
		t.Fatalf("Publishing returned error: %v", err)
	}

	for _, key := range []string{"argsrepr", "kwargsrepr"} {
		value, ok := msg.Headers[key].(string)
		if !ok {
			t.Fatalf("header %s is %T, want string", key, msg.Headers[key])
		}
		if n := utf8.RuneCountInString(value); n != MaxReprLength {
			t.Errorf("header %s has %d characters, want %d", key, n, MaxReprLength)
		}
		if !utf8.ValidString(value) {
			t.Errorf("header %s is not valid UTF-8", key)
		}
		if !strings.HasSuffix(value, "...") {
			t.Errorf("header %s does not end with ...", key)
		}
	}
	if !strings.Contains(string(msg.Body), long) {
		t.Error("body does not contain the full argument")
	}
}

func TestNewTaskIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		task := NewTask(TaskSyncRole, QueueTTSRoleSync, nil, nil, nil)
		id, err := uuid.Parse(task.ID)
		if err != nil {
			t.Fatalf("task id %q is not a UUID: %v", task.ID, err)
		}
		if id.Version() != 4 {
			t.Errorf("task id %s has version %d, want 4", task.ID, id.Version())
		}
		if seen[task.ID] {
			t.Errorf("task id %s was generated twice", task.ID)
		}
		seen[task.ID] = true
	}
}

func TestNewSender(t *testing.T) {
	sender := NewSender("web-1")
	if sender.Origin != "authd@web-1" {
		t.Errorf("Origin = %q, want authd@web-1", sender.Origin)
	}
	id, err := uuid.Parse(sender.ReplyTo)
	if err != nil {
		t.Fatalf("ReplyTo %q is not a UUID: %v", sender.ReplyTo, err)
	}
	if id.Version() != 4 {
		t.Errorf("ReplyTo has UUID version %d, want 4", id.Version())
	}
}
