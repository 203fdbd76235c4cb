// Package seed creates the systems, roles and development accounts of a new
// installation. Every step is get-or-create by natural key (slug, system and
// role name, e-mail), so running a seed twice changes nothing.
package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
)

// System is a seeded system with its roles.
type System struct {
	Name  string
	Slug  string
	Roles []Role
}

// Role is a seeded role.
type Role struct {
	Name        string
	Description string
}

var adminRole = Role{Name: model.AdminRole, Description: "System administrator with full access"}

// Systems are the four downstream systems, each with its Admin role.
var Systems = []System{
	{Name: "Help Desk and Ticketing System", Slug: "hdts"},
	{Name: "Ticket Tracking System", Slug: "tts"},
	{Name: "Asset Management System", Slug: "ams"},
	{Name: "Budget Management System", Slug: "bms"},
}

// RoleSets are the built-in roles of each system, in seed order.
var RoleSets = map[string][]Role{
	"tts": {adminRole, {Name: "Asset Manager", Description: "Manages digital assets and metadata"},
		{Name: "Budget Manager", Description: "Oversees budget allocation and approvals"}},
	"hdts": {adminRole, {Name: "Employee"}, {Name: "Ticket Coordinator"}},
	"ams":  {adminRole, {Name: "Operator"}},
	"bms":  {{Name: "ADMIN"}, {Name: "FINANCE_HEAD"}, {Name: "GENERAL_USER"}},
}

// Recorder records the sync messages and events of what a seed creates;
// *outbox.Outbox implements it.
type Recorder interface {
	RoleSaved(ctx context.Context, tx bun.Tx, actor *outbox.Actor, before, after *model.Role) error
	UserSaved(ctx context.Context, tx bun.Tx, actor *outbox.Actor, before, after *model.User) error
	AssignmentSaved(ctx context.Context, tx bun.Tx, actor *outbox.Actor, before, after *model.Assignment) error
	EmployeeSaved(ctx context.Context, tx bun.Tx, actor *outbox.Actor, before, after *model.Employee) error
}

// Seeder runs seeds against a database.
type Seeder struct {
	DB     *storage.DB
	Now    func() time.Time
	Outbox Recorder // nil: rows are created without sync messages
	// Log receives one line per created object, and the accounts whose
	// password Demo kept.
	Log func(format string, args ...any)

	keptEmails []string // e-mail addresses of the existing demo accounts whose password Demo left alone
}

func (s *Seeder) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log(format, args...)
	}
}

// Systems creates the four systems with their Admin roles.
func (s *Seeder) Systems(ctx context.Context) error {
	for _, sys := range Systems {
		if _, err := s.ensureSystem(ctx, sys.Name, sys.Slug); err != nil {
			return err
		}
		if _, err := s.ensureRole(ctx, sys.Slug, adminRole); err != nil {
			return err
		}
	}
	return nil
}

// SystemRoles creates the built-in roles of one system (which must exist, or is
// created from Systems).
func (s *Seeder) SystemRoles(ctx context.Context, slug string) error {
	roles, ok := RoleSets[slug]
	if !ok {
		return fmt.Errorf("no built-in roles for system %q", slug)
	}
	for _, sys := range Systems {
		if sys.Slug == slug {
			if _, err := s.ensureSystem(ctx, sys.Name, sys.Slug); err != nil {
				return err
			}
		}
	}
	for _, role := range roles {
		if _, err := s.ensureRole(ctx, slug, role); err != nil {
			return err
		}
	}
	return nil
}

// AllRoles runs Systems and then the roles of every system, in seed order.
func (s *Seeder) AllRoles(ctx context.Context) error {
	if err := s.Systems(ctx); err != nil {
		return err
	}
	for _, slug := range []string{"tts", "hdts", "ams", "bms"} {
		if err := s.SystemRoles(ctx, slug); err != nil {
			return err
		}
	}
	return nil
}

func (s *Seeder) ensureSystem(ctx context.Context, name, slug string) (*model.System, error) {
	sys := &model.System{}
	err := s.DB.NewSelect().Model(sys).Where("slug = ?", slug).Scan(ctx)
	if err == nil {
		return sys, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	sys = &model.System{Name: name, Slug: slug, CreatedAt: s.Now()}
	if _, err := s.DB.NewInsert().Model(sys).Exec(ctx); err != nil {
		return nil, fmt.Errorf("create system %s: %w", slug, err)
	}
	s.logf("created system %s (%s)", slug, name)
	return sys, nil
}

func (s *Seeder) ensureRole(ctx context.Context, slug string, role Role) (*model.Role, error) {
	sys := &model.System{}
	if err := s.DB.NewSelect().Model(sys).Where("slug = ?", slug).Scan(ctx); err != nil {
		return nil, fmt.Errorf("system %s: %w", slug, storage.NotFound(err))
	}
	existing := &model.Role{}
	err := s.DB.NewSelect().Model(existing).Where("system_id = ?", sys.ID).Where("name = ?", role.Name).Scan(ctx)
	if err == nil {
		return existing, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	r := &model.Role{SystemID: sys.ID, Name: role.Name, IsCustom: false, CreatedAt: s.Now()}
	if role.Description != "" {
		r.Description = &role.Description
	}
	err = s.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
			return err
		}
		r.System = sys
		if s.Outbox == nil {
			return nil
		}
		return s.Outbox.RoleSaved(ctx, tx, systemActor, nil, r)
	})
	if err != nil {
		return nil, fmt.Errorf("create role %s/%s: %w", slug, role.Name, err)
	}
	s.logf("created role %s/%s", slug, role.Name)
	return r, nil
}

// systemActor marks changes made by the command line.
var systemActor = &outbox.Actor{Type: "system"}

// displayName turns an e-mail local part such as "maria.garcia" into
// "Maria", "Garcia".
func displayName(local string) (first, last string) {
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '+' })
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	switch len(parts) {
	case 0:
		return "", ""
	case 1:
		return parts[0], ""
	}
	return parts[0], strings.Join(parts[1:], " ")
}
