package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/clock"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/model"
)

// Queue writes jobs in the transaction of a change. *jobs.System
// implements it.
type Queue interface {
	EnqueueCelery(ctx context.Context, tx bun.Tx, key string, task celery.Task, runAt time.Time) error
	EnqueueEvent(ctx context.Context, tx bun.Tx, key string, event celery.Event) error
	EnqueueEmail(ctx context.Context, tx bun.Tx, template string, m mail.Message, validUntil *time.Time) error
}

// RecorderOptions configures a JobRecorder.
type RecorderOptions struct {
	Queue Queue
	// Sync turns Celery messages and events on: a broker is configured
	// and AUTHD_SYNC_ENABLED is true.
	Sync bool
	// Events turns domain events on (AUTHD_EVENTS_ENABLED). It has no
	// effect without Sync.
	Events bool
	// EventsExchange names the events exchange in the events' ordering
	// keys.
	EventsExchange string
	// Renderer renders e-mails when they are recorded, so a wrong
	// template call fails in the request that makes it.
	Renderer *mail.Renderer
	// From is the sender of every e-mail; its domain is the domain of the
	// Message-ID.
	From mail.Address
	// Now is the time of domain events. Nil means clock.Real.
	Now func() time.Time
}

// JobRecorder records side effects as jobs. Its methods follow the
// contracts of the Outbox methods of the same names.
type JobRecorder struct {
	queue    Queue
	sync     bool
	events   bool
	exchange string
	renderer *mail.Renderer
	from     mail.Address
	now      func() time.Time
}

// NewRecorder returns a JobRecorder.
func NewRecorder(opts RecorderOptions) *JobRecorder {
	r := &JobRecorder{queue: opts.Queue, sync: opts.Sync, events: opts.Sync && opts.Events,
		exchange: opts.EventsExchange, renderer: opts.Renderer, from: opts.From, now: opts.Now}
	if r.now == nil {
		r.now = clock.Real
	}
	if r.exchange == "" {
		r.exchange = "authd.events"
	}
	return r
}

// Email renders e and writes it as a job.
func (r *JobRecorder) Email(ctx context.Context, tx bun.Tx, e Email) error {
	if r.renderer == nil {
		return errors.New("outbox: no e-mail renderer is configured")
	}
	subject, text, html, err := r.renderer.Render(mail.Template(e.Template), e.Vars)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	message := mail.Message{To: []string{e.To}, From: r.from, Subject: subject, Text: text, HTML: html}
	// The Message-ID is fixed now, so every attempt sends the same one.
	mail.Prepare(&message)
	return r.queue.EnqueueEmail(ctx, tx, e.Template, message, e.ValidUntil)
}

// Celery writes task unless sync is off.
func (r *JobRecorder) Celery(ctx context.Context, tx bun.Tx, orderingKey string, task celery.Task, runAt time.Time) error {
	if !r.sync {
		return nil
	}
	return r.queue.EnqueueCelery(ctx, tx, orderingKey, task, runAt)
}

// Event writes event unless events are off.
func (r *JobRecorder) Event(ctx context.Context, tx bun.Tx, event celery.Event) error {
	if !r.events {
		return nil
	}
	return r.queue.EnqueueEvent(ctx, tx, eventKey(r.exchange, event), event)
}

// task writes one Celery message.
func (r *JobRecorder) task(ctx context.Context, tx bun.Tx, key string, task celery.Task) error {
	return r.Celery(ctx, tx, key, task, time.Time{})
}

// event builds and writes one domain event.
func (r *JobRecorder) event(ctx context.Context, tx bun.Tx, actor *Actor, eventType string, data map[string]any) error {
	if !r.events {
		return nil
	}
	return r.Event(ctx, tx, celery.NewEvent(eventType, r.now().UTC(), celeryActor(actor), data))
}

func celeryActor(actor *Actor) *celery.Actor {
	if actor == nil {
		return nil
	}
	return &celery.Actor{Type: actor.Type, ID: actor.ID}
}

// SystemDeleted records nothing: a system has no message of its own, and
// its assignments and roles are recorded by the caller first.
func (r *JobRecorder) SystemDeleted(ctx context.Context, tx bun.Tx, actor *Actor, s *model.System) error {
	return nil
}
