package broker_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mapactive/authd/internal/broker"
	"github.com/mapactive/authd/internal/celery"
)

// eventSetup returns a publisher whose events exchange has a unique name,
// and an admin connection. The exchange is deleted when the test ends.
func eventSetup(t *testing.T) (*broker.Publisher, *admin, string) {
	t.Helper()
	rawURL := brokerURL(t)
	admin := newAdmin(t, rawURL)
	exchange := uniqueName(t, "events")
	admin.deleteLater("", exchange)
	publisher := newPublisher(t, rawURL, broker.Options{EventsExchange: exchange})
	return publisher, admin, exchange
}

// bindQueue declares a queue bound to exchange with bindingKey and deletes
// it when the test ends.
func (a *admin) bindQueue(exchange, bindingKey string, args amqp.Table) string {
	a.t.Helper()
	queue := uniqueName(a.t, "subscriber")
	a.deleteLater(queue, "")
	if _, err := a.channel.QueueDeclare(queue, false, false, false, false, args); err != nil {
		a.t.Fatalf("declare queue %s: %v", queue, err)
	}
	if err := a.channel.QueueBind(queue, bindingKey, exchange, false, nil); err != nil {
		a.t.Fatalf("bind queue %s to %s: %v", queue, exchange, err)
	}
	return queue
}

func publishEvent(t *testing.T, publisher *broker.Publisher, event celery.Event) error {
	t.Helper()
	out, err := broker.EventOutgoing(event)
	if err != nil {
		t.Fatalf("EventOutgoing returned error: %v", err)
	}
	return publisher.Publish(testContext(t), out)
}

func TestPublishEventWithoutSubscriber(t *testing.T) {
	publisher, _, _ := eventSetup(t)

	event := celery.NewEvent(celery.EventUserDeleted, time.Now(), nil, map[string]any{"id": 1, "email": "a@example.com"})
	if err := publishEvent(t, publisher, event); err != nil {
		t.Fatalf("Publish of an event with no bound queue returned %v, want nil", err)
	}
}

func TestPublishEventToSubscriber(t *testing.T) {
	publisher, admin, exchange := eventSetup(t)

	// The first publish declares the exchange, which the queue binds to.
	first := celery.NewEvent(celery.EventEmployeeDeleted, time.Now(), nil, nil)
	if err := publishEvent(t, publisher, first); err != nil {
		t.Fatalf("Publish of the first event returned error: %v", err)
	}
	queue := admin.bindQueue(exchange, "user.*", nil)

	occurred := time.Date(2025, 1, 31, 8, 15, 0, 123456000, time.UTC)
	event := celery.NewEvent(celery.EventUserDeleted, occurred, &celery.Actor{Type: celery.ActorStaff, ID: 4},
		map[string]any{"id": 12, "email": "ana@example.com"})
	if err := publishEvent(t, publisher, event); err != nil {
		t.Fatalf("Publish returned error: %v", err)
	}
	other := celery.NewEvent(celery.EventEmployeeCreated, occurred, nil, nil)
	if err := publishEvent(t, publisher, other); err != nil {
		t.Fatalf("Publish of an unbound event type returned error: %v", err)
	}

	deliveries := admin.getAll(queue)
	if len(deliveries) != 1 {
		t.Fatalf("subscriber queue has %d messages, want only the user.deleted event", len(deliveries))
	}
	delivery := deliveries[0]

	if delivery.Exchange != exchange || delivery.RoutingKey != "user.deleted" {
		t.Errorf("delivered from %s with key %s, want %s with key user.deleted", delivery.Exchange, delivery.RoutingKey, exchange)
	}
	if delivery.ContentType != "application/json" {
		t.Errorf("content_type = %q, want application/json", delivery.ContentType)
	}
	if delivery.DeliveryMode != amqp.Persistent {
		t.Errorf("delivery_mode = %d, want 2", delivery.DeliveryMode)
	}
	if delivery.MessageId != event.ID {
		t.Errorf("message_id = %q, want %s", delivery.MessageId, event.ID)
	}
	if delivery.Type != "user.deleted" {
		t.Errorf("type = %q, want user.deleted", delivery.Type)
	}
	if !delivery.Timestamp.Equal(occurred.Truncate(time.Second)) {
		t.Errorf("timestamp = %v, want %v", delivery.Timestamp, occurred.Truncate(time.Second))
	}
	if delivery.AppId != "authd" {
		t.Errorf("app_id = %q, want authd", delivery.AppId)
	}

	var body map[string]any
	if err := json.Unmarshal(delivery.Body, &body); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, delivery.Body)
	}
	want := map[string]any{
		"id":          event.ID,
		"type":        "user.deleted",
		"version":     1.0,
		"occurred_at": "2025-01-31T08:15:00.123456Z",
		"actor":       map[string]any{"type": "staff", "id": 4.0},
		"data":        map[string]any{"id": 12.0, "email": "ana@example.com"},
	}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("body = %#v, want %#v", body, want)
	}
}

func TestPublishEventNacked(t *testing.T) {
	publisher, admin, exchange := eventSetup(t)
	first := celery.NewEvent(celery.EventUserCreated, time.Now(), nil, nil)
	if err := publishEvent(t, publisher, first); err != nil {
		t.Fatalf("Publish of the first event returned error: %v", err)
	}

	// A full queue with overflow reject-publish makes RabbitMQ nack every
	// message routed to it.
	admin.bindQueue(exchange, "#", amqp.Table{"x-max-length": int32(0), "x-overflow": "reject-publish"})

	event := celery.NewEvent(celery.EventUserCreated, time.Now(), nil, nil)
	err := publishEvent(t, publisher, event)
	if !errors.Is(err, broker.ErrNacked) {
		t.Fatalf("Publish to a rejecting queue returned %v, want ErrNacked", err)
	}

	// The channel stays usable after a nack.
	if err := publishEvent(t, publisher, event); !errors.Is(err, broker.ErrNacked) {
		t.Errorf("second Publish returned %v, want ErrNacked again", err)
	}
}
