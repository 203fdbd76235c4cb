package jobs

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mapactive/authd/internal/celery"
)

// Job kinds, as the jobs API and the jobs commands show them.
const (
	KindCelery      = "celery_task"
	KindEvent       = "domain_event"
	KindEmail       = "email"
	KindMaintenance = "maintenance"
)

// River queues. Sync messages and events share a queue because both go to
// RabbitMQ; e-mails have their own so a slow mail server never delays sync.
const (
	QueueSync        = "sync"
	QueueEmail       = "email"
	QueueMaintenance = "maintenance"
)

// CeleryArgs is a Celery task message waiting to be published. The task
// keeps the id it got when it was written, so every retry sends the same
// task id.
type CeleryArgs struct {
	OrderingKey string      `json:"ordering_key"`
	Task        celery.Task `json:"task"`
}

// Kind returns KindCelery.
func (CeleryArgs) Kind() string { return KindCelery }

// EventArgs is a domain event waiting to be published.
type EventArgs struct {
	OrderingKey string       `json:"ordering_key"`
	Event       celery.Event `json:"event"`
}

// Kind returns KindEvent.
func (EventArgs) Kind() string { return KindEvent }

// EmailArgs is an e-mail waiting to be sent. The rendered message is
// sealed with AES-256-GCM because its links and codes are credentials that
// the database stores only as hashes everywhere else.
type EmailArgs struct {
	Template string `json:"template"`
	To       string `json:"to"`
	// ValidUntil drops the e-mail instead of sending or retrying it once
	// passed, for messages that carry a one-time code.
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	// Sealed is the JSON of the mail.Message, sealed under the jobs key.
	Sealed []byte `json:"sealed"`
}

// Kind returns KindEmail.
func (EmailArgs) Kind() string { return KindEmail }

// MaintenanceArgs starts one run of the registered purges.
type MaintenanceArgs struct{}

// Kind returns KindMaintenance.
func (MaintenanceArgs) Kind() string { return KindMaintenance }

// OrderingKey returns the key that orders the messages about one entity on
// one queue or exchange: "<queue>:<entity type>:<entity id>". Jobs with the
// same key are published in the order they were written.
func OrderingKey(queue, entityType string, id int64) string {
	return queue + ":" + entityType + ":" + strconv.FormatInt(id, 10)
}

// describeKey turns "<queue>:<type>:<id>" into "<type> <id>", or returns
// the key unchanged when it has another form.
func describeKey(key string) string {
	parts := strings.Split(key, ":")
	if len(parts) < 3 {
		return key
	}
	return parts[len(parts)-2] + " " + parts[len(parts)-1]
}

// summarize returns the one-line description of a job that the jobs API
// lists. It never includes e-mail content, which may carry codes.
func summarize(kind string, encodedArgs []byte) string {
	switch kind {
	case KindCelery:
		var args CeleryArgs
		if err := json.Unmarshal(encodedArgs, &args); err != nil {
			return "celery task with unreadable arguments"
		}
		return fmt.Sprintf("%s to %s for %s", args.Task.Name, args.Task.Queue, describeKey(args.OrderingKey))
	case KindEvent:
		var args EventArgs
		if err := json.Unmarshal(encodedArgs, &args); err != nil {
			return "domain event with unreadable arguments"
		}
		return fmt.Sprintf("%s for %s", args.Event.Type, describeKey(args.OrderingKey))
	case KindEmail:
		var args EmailArgs
		if err := json.Unmarshal(encodedArgs, &args); err != nil {
			return "e-mail with unreadable arguments"
		}
		return fmt.Sprintf("%s e-mail to %s", args.Template, args.To)
	case KindMaintenance:
		return "purge expired rows"
	}
	return kind
}

// orderingKeyOf returns the ordering key stored in the arguments of a sync
// or event job, or "" for other kinds.
func orderingKeyOf(kind string, encodedArgs []byte) string {
	if kind != KindCelery && kind != KindEvent {
		return ""
	}
	var args struct {
		OrderingKey string `json:"ordering_key"`
	}
	if err := json.Unmarshal(encodedArgs, &args); err != nil {
		return ""
	}
	return args.OrderingKey
}
