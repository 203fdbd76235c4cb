package broker_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mapactive/authd/internal/broker"
	"github.com/mapactive/authd/internal/celery"
)

var testSender = celery.Sender{ReplyTo: "0d9e8f7a-6b5c-4d3e-9f1a-2b3c4d5e6f70", Origin: "authd@test-host"}

// celeryMessage is a task message decoded as a Celery worker decodes it.
type celeryMessage struct {
	headers amqp.Table
	args    []any
	kwargs  map[string]any
}

// decodeCelery checks the properties, the header types and the body layout
// of delivery the way a Celery protocol v2 worker reads them, and returns the
// decoded parts. limit is the expected hard time limit, or nil for none.
func decodeCelery(t *testing.T, delivery amqp.Delivery, task celery.Task, limit *int32) celeryMessage {
	t.Helper()

	if delivery.ContentType != "application/json" {
		t.Errorf("content_type = %q, want application/json", delivery.ContentType)
	}
	if delivery.ContentEncoding != "utf-8" {
		t.Errorf("content_encoding = %q, want utf-8", delivery.ContentEncoding)
	}
	if delivery.DeliveryMode != amqp.Persistent {
		t.Errorf("delivery_mode = %d, want 2", delivery.DeliveryMode)
	}
	if delivery.Priority != 0 {
		t.Errorf("priority = %d, want 0", delivery.Priority)
	}
	if delivery.CorrelationId != task.ID {
		t.Errorf("correlation_id = %q, want the task id %s", delivery.CorrelationId, task.ID)
	}
	if delivery.ReplyTo != testSender.ReplyTo {
		t.Errorf("reply_to = %q, want %s", delivery.ReplyTo, testSender.ReplyTo)
	}

	timeLimit := []any{nil, nil}
	if limit != nil {
		timeLimit = []any{*limit, nil}
	}
	// The broker and the AMQP decoder must keep each value's type: nil for
	// None, int32 for int, bool, string, []any for list and Table for dict.
	want := map[string]any{
		"lang":                  "py",
		"task":                  task.Name,
		"id":                    task.ID,
		"shadow":                nil,
		"eta":                   nil,
		"expires":               nil,
		"group":                 nil,
		"group_index":           nil,
		"retries":               int32(0),
		"timelimit":             timeLimit,
		"root_id":               task.ID,
		"parent_id":             nil,
		"origin":                testSender.Origin,
		"ignore_result":         false,
		"replaced_task_nesting": int32(0),
		"stamped_headers":       nil,
		"stamps":                amqp.Table{},
	}
	for key, wantValue := range want {
		gotValue, ok := delivery.Headers[key]
		if !ok {
			t.Errorf("header %s is missing", key)
			continue
		}
		if !reflect.DeepEqual(gotValue, wantValue) {
			t.Errorf("header %s = %#v (%T), want %#v (%T)", key, gotValue, gotValue, wantValue, wantValue)
		}
	}
	for _, key := range []string{"argsrepr", "kwargsrepr"} {
		if _, ok := delivery.Headers[key].(string); !ok {
			t.Errorf("header %s = %#v (%T), want a string", key, delivery.Headers[key], delivery.Headers[key])
		}
	}
	if len(delivery.Headers) != len(want)+2 {
		t.Errorf("message has %d headers, want %d: %v", len(delivery.Headers), len(want)+2, delivery.Headers)
	}

	var body []json.RawMessage
	if err := json.Unmarshal(delivery.Body, &body); err != nil {
		t.Fatalf("body is not a JSON array: %v: %s", err, delivery.Body)
	}
	if len(body) != 3 {
		t.Fatalf("body has %d elements, want [args, kwargs, embed]: %s", len(body), delivery.Body)
	}
	var message celeryMessage
	message.headers = delivery.Headers
	if err := json.Unmarshal(body[0], &message.args); err != nil || message.args == nil {
		t.Errorf("body[0] is not a JSON array of args: %s", body[0])
	}
	if err := json.Unmarshal(body[1], &message.kwargs); err != nil || message.kwargs == nil {
		t.Errorf("body[1] is not a JSON object of kwargs: %s", body[1])
	}
	wantEmbed := `{"callbacks":null,"errbacks":null,"chain":null,"chord":null}`
	if string(body[2]) != wantEmbed {
		t.Errorf("body[2] = %s, want %s", body[2], wantEmbed)
	}
	return message
}

func int32Pointer(value int32) *int32 { return &value }

func TestPublishTaskMessages(t *testing.T) {
	rawURL := brokerURL(t)
	ctx := testContext(t)
	admin := newAdmin(t, rawURL)
	queue := uniqueName(t, "celery")
	admin.deleteLater(queue, queue)
	publisher := newPublisher(t, rawURL, broker.Options{})

	created := time.Date(2025, 1, 31, 8, 15, 0, 123456000, time.UTC)
	role := celery.SyncRole(celery.NewRolePayload(celery.Role{
		ID: 7, Name: "Agent", System: celery.SystemTTS, IsCustom: true, CreatedAt: created,
	}, celery.ActionCreate))
	userEmail := celery.SyncUserEmail(celery.UserEmailData{UserID: 12, Email: "ana@example.com", FirstName: "Ána", IsActive: true})
	roleDelete := celery.SyncRole(celery.NewRolePayload(celery.Role{
		ID: 9, Name: "Ticket Coordinator", System: celery.SystemHDTS, CreatedAt: created,
	}, celery.ActionDelete))
	seed := celery.SeedWorkflows()

	tasks := []celery.Task{role, userEmail, roleDelete, seed}
	for _, task := range tasks {
		task.Queue = queue
		out, err := broker.TaskOutgoing(task, testSender)
		if err != nil {
			t.Fatalf("TaskOutgoing(%s) returned error: %v", task.Name, err)
		}
		if err := publisher.Publish(ctx, out); err != nil {
			t.Fatalf("Publish(%s) returned error: %v", task.Name, err)
		}
	}

	t.Run("role create with args", func(t *testing.T) {
		message := decodeCelery(t, admin.get(queue), role, int32Pointer(10))
		wantArgs := []any{map[string]any{
			"role_id": 7.0, "name": "Agent", "system": "tts", "description": nil, "is_custom": true,
			"created_at": "2025-01-31T08:15:00.123456+00:00", "action": "create",
		}}
		if !reflect.DeepEqual(message.args, wantArgs) {
			t.Errorf("args = %#v, want %#v", message.args, wantArgs)
		}
		if len(message.kwargs) != 0 {
			t.Errorf("kwargs = %#v, want {}", message.kwargs)
		}
		wantRepr := "[{'role_id': 7, 'name': 'Agent', 'system': 'tts', 'description': None, 'is_custom': True, " +
			"'created_at': '2025-01-31T08:15:00.123456+00:00', 'action': 'create'}]"
		if got := message.headers["argsrepr"]; got != wantRepr {
			t.Errorf("argsrepr = %#v, want %q", got, wantRepr)
		}
	})

	t.Run("user email with kwargs", func(t *testing.T) {
		message := decodeCelery(t, admin.get(queue), userEmail, nil)
		if len(message.args) != 0 {
			t.Errorf("args = %#v, want []", message.args)
		}
		wantKwargs := map[string]any{
			"user_id": 12.0, "email": "ana@example.com", "first_name": "Ána", "last_name": "", "is_active": true,
		}
		if !reflect.DeepEqual(message.kwargs, wantKwargs) {
			t.Errorf("kwargs = %#v, want %#v", message.kwargs, wantKwargs)
		}
		wantRepr := "{'email': 'ana@example.com', 'first_name': 'Ána', 'is_active': True, 'last_name': '', 'user_id': 12}"
		if got := message.headers["kwargsrepr"]; got != wantRepr {
			t.Errorf("kwargsrepr = %#v, want %q", got, wantRepr)
		}
	})

	t.Run("hdts role delete without limit", func(t *testing.T) {
		message := decodeCelery(t, admin.get(queue), roleDelete, nil)
		if len(message.args) != 1 {
			t.Fatalf("args = %#v, want one payload", message.args)
		}
		payload, ok := message.args[0].(map[string]any)
		if !ok {
			t.Fatalf("args[0] = %#v, want an object", message.args[0])
		}
		for key, want := range map[string]any{"action": "delete", "system": "hdts", "source_system": "hdts", "description": ""} {
			if payload[key] != want {
				t.Errorf("payload %s = %#v, want %#v", key, payload[key], want)
			}
		}
	})

	t.Run("seed without arguments", func(t *testing.T) {
		delivery := admin.get(queue)
		message := decodeCelery(t, delivery, seed, nil)
		if len(message.args) != 0 || len(message.kwargs) != 0 {
			t.Errorf("args, kwargs = %#v, %#v, want [] and {}", message.args, message.kwargs)
		}
		if !bytes.HasPrefix(delivery.Body, []byte(`[[],{},`)) {
			t.Errorf("body = %s, want it to start with [[],{},", delivery.Body)
		}
	})

	if n := admin.messageCount(queue); n != 0 {
		t.Errorf("queue has %d messages left, want 0", n)
	}
}

func TestPublishDeclaresCeleryTopology(t *testing.T) {
	rawURL := brokerURL(t)
	ctx := testContext(t)
	admin := newAdmin(t, rawURL)
	queue := uniqueName(t, "topology")
	admin.deleteLater(queue, queue)
	publisher := newPublisher(t, rawURL, broker.Options{})

	task := celery.SeedWorkflows()
	task.Queue = queue
	out, err := broker.TaskOutgoing(task, testSender)
	if err != nil {
		t.Fatalf("TaskOutgoing returned error: %v", err)
	}
	if err := publisher.Publish(ctx, out); err != nil {
		t.Fatalf("Publish returned error: %v", err)
	}

	// RabbitMQ rejects a declaration whose properties differ from the
	// existing entity, so these succeed only if authd declared exactly what
	// Celery declares for the queue name.
	if err := admin.channel.ExchangeDeclare(queue, "direct", true, false, false, false, nil); err != nil {
		t.Fatalf("exchange %s differs from a durable direct exchange: %v", queue, err)
	}
	if _, err := admin.channel.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		t.Fatalf("queue %s differs from a durable queue without arguments: %v", queue, err)
	}

	// The binding routes a message published on the exchange with the queue
	// name as routing key.
	admin.publishConfirmed(queue, queue, amqp.Publishing{Body: []byte("probe")})
	deliveries := admin.getAll(queue)
	if len(deliveries) != 2 {
		t.Fatalf("queue has %d messages, want the task and the probe", len(deliveries))
	}
	if deliveries[0].CorrelationId != task.ID {
		t.Errorf("first message correlation_id = %q, want %s", deliveries[0].CorrelationId, task.ID)
	}
	if string(deliveries[1].Body) != "probe" {
		t.Errorf("second message body = %q, want probe", deliveries[1].Body)
	}
}
