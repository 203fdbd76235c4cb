package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

// registration is a staff user given a tts role, recorded through the
// outbox as the account code records it.
type registration struct {
	r      *rig
	outbox *outbox.Outbox
	tts    *model.System
	role   *model.Role
	// queues and the events queue of the rig, declared before publishing.
	emailQueue, assignmentQueue, eventsQueue string
}

func newRegistration(t *testing.T, r *rig) *registration {
	t.Helper()
	renderer, err := mail.NewRenderer("", mail.Common{PublicURL: "https://auth.example.com", Now: r.clock.Now})
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	recorder := outbox.NewRecorder(outbox.RecorderOptions{Queue: r.system, Sync: true, Events: true,
		EventsExchange: r.exchange, Renderer: renderer, From: mail.Address{Email: "noreply@authd.test"}, Now: r.clock.Now})
	g := &registration{r: r, outbox: outbox.New(recorder)}
	g.tts = &model.System{Name: "Ticket Tracking System", Slug: "tts", CreatedAt: r.clock.Now()}
	g.role = &model.Role{Name: "Asset Manager", CreatedAt: r.clock.Now()}
	r.inTx(func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(g.tts).Exec(ctx); err != nil {
			return err
		}
		g.role.SystemID = g.tts.ID
		_, err := tx.NewInsert().Model(g.role).Exec(ctx)
		return err
	})
	g.emailQueue = r.queue(celery.QueueUserEmailSync)
	g.assignmentQueue = r.queue(celery.QueueTTSUserSystemRoleSync)
	g.eventsQueue = r.admin.bindEvents(r.exchange)
	return g
}

// register creates the user, its assignment and the access e-mail in one
// transaction, which fails with fail when it is not nil.
func (g *registration) register(email string, fail error) (*model.User, error) {
	u := &model.User{Email: email, EmailNormalized: model.NormalizeEmail(email), Password: "!unusable",
		FirstName: "Rey", LastName: "Sol", Status: model.StatusApproved, IsActive: true,
		DateJoined: g.r.clock.Now(), UpdatedAt: g.r.clock.Now()}
	err := g.r.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
			return err
		}
		if err := g.outbox.UserSaved(ctx, tx, nil, nil, u); err != nil {
			return err
		}
		a := &model.Assignment{UserID: u.ID, SystemID: g.tts.ID, RoleID: g.role.ID, AssignedAt: g.r.clock.Now(),
			IsActive: true, Settings: map[string]any{"is_deployed": true}}
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			return err
		}
		if err := g.outbox.AssignmentSaved(ctx, tx, nil, nil, a); err != nil {
			return err
		}
		err := g.outbox.Email(ctx, tx, outbox.Email{Template: string(mail.AccessGranted), To: email,
			Vars: map[string]any{"first_name": "Rey", "system_name": g.tts.Name, "role_name": g.role.Name}})
		if err != nil {
			return err
		}
		return fail
	})
	return u, err
}

// check reads the messages of one registration and verifies them as the
// downstream workers would read them.
func (g *registration) check(t *testing.T, u *model.User) {
	t.Helper()
	emailCall := decodeCelery(t, g.r.admin.receive(g.emailQueue, 1)[0])
	if emailCall.Task != celery.TaskSyncUserEmail || emailCall.Kwargs["email"] != u.Email ||
		emailCall.Kwargs["user_id"] != json.Number(jsonID(u.ID)) || emailCall.Kwargs["is_active"] != true {
		t.Errorf("user e-mail sync = %+v", emailCall)
	}
	assignmentCall := decodeCelery(t, g.r.admin.receive(g.assignmentQueue, 1)[0])
	payload := assignmentCall.payload(t)
	if assignmentCall.Task != celery.TaskSyncUserSystemRole || payload["action"] != "create" ||
		payload["user_email"] != u.Email || payload["role_name"] != "Asset Manager" || payload["system"] != "tts" ||
		payload["user_full_name"] != "Rey Sol" {
		t.Errorf("assignment sync = %s %v", assignmentCall.Task, payload)
	}
	events := g.r.admin.receive(g.eventsQueue, 2)
	if events[0].RoutingKey != celery.EventUserCreated || events[1].RoutingKey != celery.EventRoleAssigned {
		t.Errorf("events %s then %s, want user.created then role.assigned", events[0].RoutingKey, events[1].RoutingKey)
	}
	var sent []mail.Message
	waitFor(t, "the access e-mail", func() bool {
		sent = g.r.mail.Messages()
		return len(sent) > 0
	})
	if len(sent) != 1 || sent[0].To[0] != u.Email || sent[0].Subject != "Access Granted to Ticket Tracking System" {
		t.Errorf("sent %+v, want the one access e-mail", sent)
	}
}

func jsonID(id int64) string {
	encoded, _ := json.Marshal(id)
	return string(encoded)
}

func TestRegistrationPublishesItsMessages(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, rigOptions{brokerURL: "default"})
		g := newRegistration(t, r)

		failure := errors.New("registration failed")
		if _, err := g.register("rolled.back@example.com", failure); !errors.Is(err, failure) {
			t.Fatalf("register returned %v, want the failure", err)
		}
		u, err := g.register("rey@example.com", nil)
		if err != nil {
			t.Fatalf("register: %v", err)
		}

		// Only the committed registration arrives: check fails on any
		// extra message.
		g.check(t, u)
	})
}

func TestRegistrationDuringOutageArrivesLater(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r, proxy := proxiedRig(t, db, rigOptions{})
		g := newRegistration(t, r)

		proxy.Cut()
		u, err := g.register("rey@example.com", nil)
		if err != nil {
			t.Fatalf("register: %v", err)
		}
		// The e-mail goes out. Three sync jobs fail; role.assigned waits
		// behind user.created, which has the same ordering key.
		waitFor(t, "the sync jobs to fail or wait", func() bool {
			return len(r.jobs(jobs.StateFailed)) == 3 && len(r.jobs(jobs.StatePending)) == 1
		})
		proxy.Restore()

		g.check(t, u)
	})
}
