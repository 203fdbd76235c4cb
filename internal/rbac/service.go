package rbac

import (
	"log/slog"
	"time"

	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
)

// Service changes systems, roles and assignments. Every method that writes
// takes the transaction of the change and records its sync messages,
// events and audit event in it.
type Service struct {
	db     *storage.DB
	now    func() time.Time
	logger *slog.Logger
	outbox *outbox.Outbox
}

// Deps are the dependencies of a Service. Outbox may be nil (no delivery).
type Deps struct {
	DB     *storage.DB
	Now    func() time.Time
	Logger *slog.Logger
	Outbox *outbox.Outbox
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	return &Service{db: d.DB, now: d.Now, logger: d.Logger, outbox: d.Outbox}
}

// DB returns the database the service reads and writes.
func (s *Service) DB() *storage.DB { return s.db }
