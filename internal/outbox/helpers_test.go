package outbox_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

// recorded is one job the recorder wrote.
type recorded struct {
	key      string
	task     *celery.Task
	runAt    time.Time
	event    *celery.Event
	template string
	email    *mail.Message
	until    *time.Time
}

// captureQueue keeps what the recorder writes instead of inserting jobs.
type captureQueue struct {
	jobs []recorded
}

func (q *captureQueue) EnqueueCelery(_ context.Context, _ bun.Tx, key string, task celery.Task, runAt time.Time) error {
	q.jobs = append(q.jobs, recorded{key: key, task: &task, runAt: runAt})
	return nil
}

func (q *captureQueue) EnqueueEvent(_ context.Context, _ bun.Tx, key string, event celery.Event) error {
	q.jobs = append(q.jobs, recorded{key: key, event: &event})
	return nil
}

func (q *captureQueue) EnqueueEmail(_ context.Context, _ bun.Tx, template string, m mail.Message, until *time.Time) error {
	q.jobs = append(q.jobs, recorded{template: template, email: &m, until: until})
	return nil
}

func (q *captureQueue) reset() { q.jobs = nil }

// tasks returns the recorded Celery tasks in order.
func (q *captureQueue) tasks() []recorded {
	var out []recorded
	for _, job := range q.jobs {
		if job.task != nil {
			out = append(out, job)
		}
	}
	return out
}

// events returns the recorded events in order.
func (q *captureQueue) events() []recorded {
	var out []recorded
	for _, job := range q.jobs {
		if job.event != nil {
			out = append(out, job)
		}
	}
	return out
}

// fixture is a database with systems and roles, and an outbox recording
// into a captureQueue.
type fixture struct {
	t      *testing.T
	db     *storage.DB
	queue  *captureQueue
	outbox *outbox.Outbox
	now    time.Time
	// systems and roles by slug and by "slug/role name".
	systems map[string]*model.System
	roles   map[string]*model.Role
}

func newFixture(t *testing.T, db *storage.DB, opts outbox.RecorderOptions) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, queue: &captureQueue{}, now: storagetest.Epoch,
		systems: map[string]*model.System{}, roles: map[string]*model.Role{}}
	renderer, err := mail.NewRenderer("", mail.Common{PublicURL: "https://auth.example.com", Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	opts.Queue = f.queue
	opts.Renderer = renderer
	opts.From = mail.Address{Email: "noreply@example.com", Name: "TicketFlow"}
	opts.Now = func() time.Time { return f.now }
	f.outbox = outbox.New(outbox.NewRecorder(opts))

	for _, slug := range []string{"tts", "hdts", "ams"} {
		system := &model.System{Name: slug + " system", Slug: slug, CreatedAt: f.now}
		f.insert(system)
		f.systems[slug] = system
	}
	for _, name := range []string{"tts/Admin", "tts/Asset Manager", "hdts/Employee", "hdts/Ticket Coordinator", "ams/Operator"} {
		slug, roleName := splitRole(name)
		description := "Role " + roleName
		role := &model.Role{SystemID: f.systems[slug].ID, Name: roleName, Description: &description, CreatedAt: f.now}
		f.insert(role)
		role.System = f.systems[slug]
		f.roles[name] = role
	}
	return f
}

func splitRole(name string) (string, string) {
	for i := range name {
		if name[i] == '/' {
			return name[:i], name[i+1:]
		}
	}
	return name, ""
}

func (f *fixture) insert(row any) {
	f.t.Helper()
	if _, err := f.db.NewInsert().Model(row).Exec(context.Background()); err != nil {
		f.t.Fatalf("insert %T: %v", row, err)
	}
}

func (f *fixture) update(row any) {
	f.t.Helper()
	if _, err := f.db.NewUpdate().Model(row).WherePK().Exec(context.Background()); err != nil {
		f.t.Fatalf("update %T: %v", row, err)
	}
}

// user inserts a staff user.
func (f *fixture) user(email, first, last string) *model.User {
	f.t.Helper()
	username := first
	u := &model.User{Email: email, EmailNormalized: model.NormalizeEmail(email), Username: &username,
		Password: "!unusable", FirstName: first, LastName: last, Status: model.StatusApproved, IsActive: true,
		DateJoined: f.now, UpdatedAt: f.now}
	f.insert(u)
	return u
}

// assign inserts an assignment of u to the role "slug/name".
func (f *fixture) assign(u *model.User, roleName string) *model.Assignment {
	f.t.Helper()
	role := f.roles[roleName]
	a := &model.Assignment{UserID: u.ID, SystemID: role.SystemID, RoleID: role.ID, AssignedAt: f.now, IsActive: true,
		Settings: map[string]any{"is_deployed": true}}
	f.insert(a)
	return a
}

// employee inserts an HDTS employee.
func (f *fixture) employee(email string) *model.Employee {
	f.t.Helper()
	username := "emp"
	e := &model.Employee{Email: email, EmailNormalized: model.NormalizeEmail(email), Username: &username,
		Password: "!unusable", FirstName: "Eve", LastName: "Park", Status: model.StatusPending,
		CreatedAt: f.now, UpdatedAt: f.now}
	f.insert(e)
	return e
}

// record runs fn in a transaction and returns what it recorded.
func (f *fixture) record(fn func(ctx context.Context, tx bun.Tx) error) *captureQueue {
	f.t.Helper()
	f.queue.reset()
	if err := f.db.InTx(context.Background(), fn); err != nil {
		f.t.Fatalf("record: %v", err)
	}
	return f.queue
}

// payloadOf returns the first positional argument of task, or its
// keyword arguments when it has none, decoded from JSON.
func payloadOf(t *testing.T, task *celery.Task) map[string]any {
	t.Helper()
	var value any = task.Kwargs
	if len(task.Args) > 0 {
		value = task.Args[0]
	}
	encoded, err := json.Marshal(value)
	if err != nil {
		t.Fatalf("encode payload: %v", err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(encoded, &decoded); err != nil {
		t.Fatalf("decode payload %s: %v", encoded, err)
	}
	return decoded
}

// eventData returns the data of a recorded event, through JSON.
func eventData(t *testing.T, event *celery.Event) map[string]any {
	t.Helper()
	encoded, err := json.Marshal(event.Data)
	if err != nil {
		t.Fatalf("encode event data: %v", err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(encoded, &decoded); err != nil {
		t.Fatalf("decode event data: %v", err)
	}
	return decoded
}

// summary is the task name, queue and action, or the event type, of each
// recorded job.
type summary struct {
	name   string
	key    string
	action string
}

func summarize(t *testing.T, jobs []recorded) []summary {
	t.Helper()
	var out []summary
	for _, job := range jobs {
		switch {
		case job.task != nil:
			action, _ := payloadOf(t, job.task)["action"].(string)
			out = append(out, summary{name: job.task.Name, key: job.key, action: action})
		case job.event != nil:
			out = append(out, summary{name: job.event.Type, key: job.key})
		case job.email != nil:
			out = append(out, summary{name: "email " + job.template})
		}
	}
	return out
}

// checkSummaries compares the recorded jobs with want, in order.
func checkSummaries(t *testing.T, jobs []recorded, want []summary) {
	t.Helper()
	got := summarize(t, jobs)
	if len(got) != len(want) {
		t.Fatalf("recorded %d jobs %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("job %d = %+v, want %+v", i+1, got[i], want[i])
		}
	}
}
