package celery

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

const testEventID = "3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f"

func TestEventPublishing(t *testing.T) {
	manila := time.FixedZone("PHT", 8*60*60)
	event := Event{
		ID:         testEventID,
		Type:       EventUserDeleted,
		Version:    1,
		OccurredAt: time.Date(2025, 1, 31, 16, 15, 0, 123456789, manila),
		Actor:      &Actor{Type: ActorStaff, ID: 4},
		Data:       map[string]any{"id": 12, "email": "ana@example.com"},
	}

	msg, err := event.Publishing()
	if err != nil {
		t.Fatalf("Publishing returned error: %v", err)
	}

	if msg.ContentType != "application/json" {
		t.Errorf("ContentType = %q, want application/json", msg.ContentType)
	}
	if msg.DeliveryMode != 2 {
		t.Errorf("DeliveryMode = %d, want 2", msg.DeliveryMode)
	}
	if msg.MessageId != testEventID {
		t.Errorf("MessageId = %q, want %s", msg.MessageId, testEventID)
	}
	if msg.Type != "user.deleted" {
		t.Errorf("Type = %q, want user.deleted", msg.Type)
	}
	if want := time.Date(2025, 1, 31, 8, 15, 0, 123456789, time.UTC); !msg.Timestamp.Equal(want) {
		t.Errorf("Timestamp = %v, want %v", msg.Timestamp, want)
	}
	if msg.AppId != "authd" {
		t.Errorf("AppId = %q, want authd", msg.AppId)
	}
	if msg.Headers != nil {
		t.Errorf("Headers = %v, want none", msg.Headers)
	}

	wantBody := `{"id":"3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f","type":"user.deleted","version":1,` +
		`"occurred_at":"2025-01-31T08:15:00.123456Z","actor":{"type":"staff","id":4},` +
		`"data":{"email":"ana@example.com","id":12}}`
	if string(msg.Body) != wantBody {
		t.Errorf("body =\n%s\nwant\n%s", msg.Body, wantBody)
	}
}

func TestEventPublishingNullActorAndData(t *testing.T) {
	tests := []struct {
		name  string
		actor *Actor
		want  string
	}{
		{"no actor", nil, `"actor":null`},
		{"system actor", &Actor{Type: ActorSystem}, `"actor":{"type":"system","id":null}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			event := Event{ID: testEventID, Type: EventRoleRemoved, Version: 1, OccurredAt: testTime, Actor: tc.actor}
			msg, err := event.Publishing()
			if err != nil {
				t.Fatalf("Publishing returned error: %v", err)
			}
			if !strings.Contains(string(msg.Body), tc.want) {
				t.Errorf("body %s does not contain %s", msg.Body, tc.want)
			}
			if !strings.HasSuffix(string(msg.Body), `"data":{}}`) {
				t.Errorf("body %s does not end with an empty data object", msg.Body)
			}
		})
	}
}

func TestEventJSONRoundTrip(t *testing.T) {
	original := NewEvent(EventRoleAssigned, testTime, &Actor{Type: ActorAPIKey, ID: 77}, map[string]any{
		"assignment_id": int64(9007199254740993),
		"settings":      map[string]any{"level": 2},
		"is_active":     true,
	})

	stored, err := json.Marshal(original)
	if err != nil {
		t.Fatalf("json.Marshal(event) returned error: %v", err)
	}
	var loaded Event
	if err := json.Unmarshal(stored, &loaded); err != nil {
		t.Fatalf("json.Unmarshal(event) returned error: %v", err)
	}

	if loaded.ID != original.ID || loaded.Type != original.Type || loaded.Version != original.Version {
		t.Errorf("loaded event = %s %s %d, want %s %s %d",
			loaded.ID, loaded.Type, loaded.Version, original.ID, original.Type, original.Version)
	}
	if !loaded.OccurredAt.Equal(original.OccurredAt) {
		t.Errorf("loaded OccurredAt = %v, want %v", loaded.OccurredAt, original.OccurredAt)
	}
	if loaded.Actor == nil || *loaded.Actor != *original.Actor {
		t.Errorf("loaded Actor = %+v, want %+v", loaded.Actor, original.Actor)
	}

	before, err := original.Publishing()
	if err != nil {
		t.Fatalf("Publishing(original) returned error: %v", err)
	}
	after, err := loaded.Publishing()
	if err != nil {
		t.Fatalf("Publishing(loaded) returned error: %v", err)
	}
	if string(after.Body) != string(before.Body) {
		t.Errorf("body after JSON round trip =\n%s\nwant\n%s", after.Body, before.Body)
	}
	if !strings.Contains(string(after.Body), `"assignment_id":9007199254740993`) {
		t.Errorf("body after JSON round trip lost digits of a large id: %s", after.Body)
	}
}

func TestNewEvent(t *testing.T) {
	event := NewEvent(EventUserCreated, testTime, nil, nil)
	id, err := uuid.Parse(event.ID)
	if err != nil {
		t.Fatalf("event id %q is not a UUID: %v", event.ID, err)
	}
	if id.Version() != 4 {
		t.Errorf("event id has UUID version %d, want 4", id.Version())
	}
	if event.Version != 1 {
		t.Errorf("Version = %d, want 1", event.Version)
	}
	if other := NewEvent(EventUserCreated, testTime, nil, nil); other.ID == event.ID {
		t.Errorf("two events got the same id %s", event.ID)
	}
}

func TestEventPublishingInvalid(t *testing.T) {
	valid := Event{ID: testEventID, Type: EventUserCreated, Version: 1, OccurredAt: testTime}
	tests := []struct {
		name   string
		change func(*Event)
		want   string
	}{
		{"missing id", func(e *Event) { e.ID = "" }, "no id"},
		{"missing type", func(e *Event) { e.Type = "" }, "no type"},
		{"zero version", func(e *Event) { e.Version = 0 }, "invalid version 0"},
		{"missing time", func(e *Event) { e.OccurredAt = time.Time{} }, "no occurred_at"},
		{"unencodable data", func(e *Event) { e.Data = map[string]any{"c": make(chan int)} }, "encode event"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			event := valid
			tc.change(&event)
			_, err := event.Publishing()
			if err == nil {
				t.Fatalf("Publishing returned no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Publishing error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}
