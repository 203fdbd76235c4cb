package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/identity"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/secrets"
)

// DevelopmentPassword is the documented password of the demo accounts when
// neither --password nor AUTHD_SEED_PASSWORD is given. It is for development
// machines only; seed demo refuses to run in production.
const DevelopmentPassword = "Tr@ck1ng.Sys7em.2025!Secure"

// DemoAccount is one development staff account.
type DemoAccount struct {
	Email      string
	Username   string
	FirstName  string
	LastName   string
	Superuser  bool
	Staff      bool
	Department string
	Phone      string
	System     string // slug of the role's system
	Role       string
}

const ttsMail = "tickettrackingsystem.mapactive+%s@dev.mapactive.tech"

// DemoAccounts are the development staff accounts.
var DemoAccounts = []DemoAccount{
	{Email: "admin@example.com", Username: "admin", FirstName: "Admin", LastName: "User", Superuser: true, Staff: true},
	{Email: "adminhdts@example.com", Username: "Adminhdts", FirstName: "HDTS", LastName: "Admin", Staff: true, System: "hdts", Role: "Admin"},
	{Email: "admintts@example.com", Username: "Admintts", FirstName: "TTS", LastName: "Admin", Staff: true, System: "tts", Role: "Admin"},
	{Email: "adminams@example.com", Username: "Adminams", FirstName: "AMS", LastName: "Admin", Staff: true, System: "ams", Role: "Admin"},
	{Email: "adminbms@example.com", Username: "Adminbms", FirstName: "BMS", LastName: "Admin", Staff: true, System: "bms", Role: "Admin"},
	{Email: fmt.Sprintf(ttsMail, "lawrenceafable"), Username: "lawrenceafable", FirstName: "Lawrence", LastName: "Afable", Staff: true, Phone: "+10000000001", System: "tts", Role: "Admin"},
	{Email: fmt.Sprintf(ttsMail, "rivovebayo"), Username: "rivovebayo", FirstName: "Rivo", LastName: "Vebayo", Phone: "+10000000002", System: "tts", Role: "Asset Manager"},
	{Email: fmt.Sprintf(ttsMail, "marccedric"), Username: "marccedric", FirstName: "Marc Cedric", LastName: "Mayuga", Staff: true, Phone: "+10000000003", System: "tts", Role: "Admin"},
	{Email: fmt.Sprintf(ttsMail, "seanvalderama"), Username: "seanvalderama", FirstName: "Sean Axzel", LastName: "Valderama", Phone: "+10000000004", System: "tts", Role: "Budget Manager"},
	{Email: "alex.johnson@gmail.com", Staff: true, Department: "IT Department", Phone: "+639170000001", System: "hdts", Role: "Ticket Coordinator"},
	{Email: "maria.garcia@gmail.com", Department: "Asset Department", Phone: "+639170000002", System: "hdts", Role: "Ticket Coordinator"},
	{Email: "david.lee@gmail.com", Department: "Budget Department", Phone: "+639170000003", System: "hdts", Role: "Admin"},
	{Email: "sarah.chen@gmail.com", Department: "IT Department", Phone: "+639170000004", System: "hdts", Role: "Ticket Coordinator"},
	{Email: "chris.wilson@gmail.com", Department: "Asset Department", Phone: "+639170000005", System: "hdts", Role: "Ticket Coordinator"},
	{Email: "amsadmin@test.local", System: "ams", Role: "Admin"},
	{Email: "amsoperator@test.local", System: "ams", Role: "Operator"},
	{Email: "finance_head@example.com", Department: "Budget Department", System: "bms", Role: "FINANCE_HEAD"},
	{Email: "it_user@example.com", Department: "IT Department", System: "bms", Role: "ADMIN"},
	{Email: "ops_user@example.com", System: "bms", Role: "GENERAL_USER"},
	{Email: "adibentulan@gmail.com", System: "bms", Role: "ADMIN"},
}

// DemoEmployee is one development employee.
type DemoEmployee struct {
	Local      string // e-mail local part at gmail.com
	Status     string
	OTPEnabled bool
}

// DemoEmployees are the development employees.
var DemoEmployees = []DemoEmployee{
	{Local: "john.doe", Status: model.StatusApproved},
	{Local: "jane.smith", Status: model.StatusApproved},
	{Local: "robert.johnson", Status: model.StatusApproved, OTPEnabled: true},
	{Local: "sarah.williams", Status: model.StatusApproved},
	{Local: "emily.davis", Status: model.StatusApproved},
	{Local: "david.miller", Status: model.StatusApproved},
	{Local: "michael.brown", Status: model.StatusPending},
	{Local: "lisa.anderson", Status: model.StatusRejected},
}

// DemoOptions control the passwords of seed demo.
type DemoOptions struct {
	Password          string // used for every account unless GeneratePasswords
	GeneratePasswords bool   // a random password per created account, reported through Created
	ResetPasswords    bool   // overwrite the password of existing accounts
	ExtraEmployees    int    // additional random Approved employees
	Hash              func(ctx context.Context, password string) (string, error)
	// Created receives each account whose password was set, with the
	// password when it was generated.
	Created func(email, password string)
}

// Demo creates every role and the development accounts and employees.
func (s *Seeder) Demo(ctx context.Context, o DemoOptions) error {
	s.keptEmails = nil
	if err := s.AllRoles(ctx); err != nil {
		return err
	}
	for _, acct := range DemoAccounts {
		if err := s.ensureDemoUser(ctx, acct, o); err != nil {
			return fmt.Errorf("demo account %s: %w", acct.Email, err)
		}
	}
	for _, e := range DemoEmployees {
		first, last := displayName(e.Local)
		if err := s.ensureEmployee(ctx, e.Local+"@gmail.com", e.Local, first, last, e.Status, e.OTPEnabled, o); err != nil {
			return fmt.Errorf("demo employee %s: %w", e.Local, err)
		}
	}
	for i := 0; i < o.ExtraEmployees; i++ {
		local := "employee." + strings.ToLower(secrets.Token(6))
		local = strings.NewReplacer("-", "x", "_", "y").Replace(local)
		if err := s.ensureEmployee(ctx, local+"@example.com", local, "Employee", strings.TrimPrefix(local, "employee."), model.StatusApproved, false, o); err != nil {
			return err
		}
	}
	s.logKept()
	return nil
}

// logKept lists the existing accounts whose password Demo left alone.
func (s *Seeder) logKept() {
	switch len(s.keptEmails) {
	case 0:
		return
	case 1:
		s.logf("1 existing account kept its password; run with --reset-passwords to replace it:")
	default:
		s.logf("%d existing accounts kept their passwords; run with --reset-passwords to replace them:", len(s.keptEmails))
	}
	for _, email := range s.keptEmails {
		s.logf("  %s", email)
	}
}

func (s *Seeder) password(ctx context.Context, o DemoOptions, email string) (hash, plain string, err error) {
	plain = o.Password
	if o.GeneratePasswords {
		plain = secrets.Token(12)
	}
	hash, err = o.Hash(ctx, plain)
	return hash, plain, err
}

func (s *Seeder) ensureDemoUser(ctx context.Context, acct DemoAccount, o DemoOptions) error {
	u := &model.User{}
	err := s.DB.NewSelect().Model(u).Where("email_normalized = ?", model.NormalizeEmail(acct.Email)).Scan(ctx)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if exists && !o.ResetPasswords {
		s.keptEmails = append(s.keptEmails, u.Email)
		return s.ensureAssignment(ctx, u, acct)
	}
	hash, plain, err := s.password(ctx, o, acct.Email)
	if err != nil {
		return err
	}
	if exists {
		_, err := s.DB.NewUpdate().Model(u).Set("password = ?", hash).Set("password_nfc = ?", true).WherePK().Exec(ctx)
		if err == nil && o.Created != nil {
			o.Created(acct.Email, generatedOnly(o, plain))
		}
		return err
	}
	local, _, _ := strings.Cut(acct.Email, "@")
	first, last := acct.FirstName, acct.LastName
	if first == "" && last == "" {
		first, last = displayName(local)
	}
	err = s.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		username := acct.Username
		if username == "" {
			var err error
			if username, err = identity.UniqueUsername(ctx, tx, "users", local, 150); err != nil {
				return err
			}
		}
		companyID, companyNumber, err := identity.NextCompanyID(ctx, tx)
		if err != nil {
			return err
		}
		now := s.Now()
		usernameNorm := model.NormalizeUsername(username)
		u = &model.User{
			Email: acct.Email, EmailNormalized: model.NormalizeEmail(acct.Email), Username: &username, UsernameNormalized: &usernameNorm,
			Password: hash, PasswordNFC: true, FirstName: first, LastName: last, CompanyID: &companyID, CompanyNumber: &companyNumber,
			Status: model.StatusApproved, IsActive: true, IsStaff: acct.Staff || acct.Superuser, IsSuperuser: acct.Superuser,
			DateJoined: now, UpdatedAt: now,
		}
		if acct.Department != "" {
			u.Department = &acct.Department
		}
		if acct.Phone != "" {
			u.PhoneNumber = &acct.Phone
		}
		if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
			return err
		}
		if s.Outbox == nil {
			return nil
		}
		return s.Outbox.UserSaved(ctx, tx, systemActor, nil, u)
	})
	if err != nil {
		return err
	}
	s.logf("created user %s", acct.Email)
	if o.Created != nil {
		o.Created(acct.Email, generatedOnly(o, plain))
	}
	return s.ensureAssignment(ctx, u, acct)
}

func (s *Seeder) ensureAssignment(ctx context.Context, u *model.User, acct DemoAccount) error {
	if acct.System == "" {
		return nil
	}
	role := &model.Role{}
	err := s.DB.NewSelect().Model(role).Relation("System").
		Where("system.slug = ?", acct.System).Where("role.name = ?", acct.Role).Scan(ctx)
	if err != nil {
		return fmt.Errorf("role %s/%s: %w", acct.System, acct.Role, roleLookupError(err))
	}
	exists, err := s.DB.NewSelect().Model((*model.Assignment)(nil)).
		Where("user_id = ?", u.ID).Where("role_id = ?", role.ID).Exists(ctx)
	if err != nil || exists {
		return err
	}
	a := &model.Assignment{UserID: u.ID, SystemID: role.SystemID, RoleID: role.ID, AssignedAt: s.Now(), IsActive: true,
		Settings: map[string]any{"is_deployed": true}}
	err = s.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			return err
		}
		if s.Outbox == nil {
			return nil
		}
		return s.Outbox.AssignmentSaved(ctx, tx, systemActor, nil, a)
	})
	if err != nil {
		return err
	}
	s.logf("assigned %s to %s/%s", u.Email, acct.System, acct.Role)
	return nil
}

func (s *Seeder) ensureEmployee(ctx context.Context, email, username, first, last, status string, otp bool, o DemoOptions) error {
	e := &model.Employee{}
	err := s.DB.NewSelect().Model(e).Where("email_normalized = ?", model.NormalizeEmail(email)).Scan(ctx)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if exists && !o.ResetPasswords {
		s.keptEmails = append(s.keptEmails, e.Email)
		return nil
	}
	hash, plain, err := s.password(ctx, o, email)
	if err != nil {
		return err
	}
	if exists {
		_, err := s.DB.NewUpdate().Model(e).Set("password = ?", hash).Set("password_nfc = ?", true).WherePK().Exec(ctx)
		if err == nil && o.Created != nil {
			o.Created(email, generatedOnly(o, plain))
		}
		return err
	}
	err = s.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		companyID, companyNumber, err := identity.NextCompanyID(ctx, tx)
		if err != nil {
			return err
		}
		now := s.Now()
		usernameNorm := model.NormalizeUsername(username)
		e = &model.Employee{
			Email: email, EmailNormalized: model.NormalizeEmail(email), Username: &username, UsernameNormalized: &usernameNorm,
			Password: hash, PasswordNFC: true, FirstName: first, LastName: last, CompanyID: &companyID, CompanyNumber: &companyNumber,
			Status: status, OTPEnabled: otp, CreatedAt: now, UpdatedAt: now,
		}
		if _, err := tx.NewInsert().Model(e).Exec(ctx); err != nil {
			return err
		}
		if s.Outbox == nil {
			return nil
		}
		return s.Outbox.EmployeeSaved(ctx, tx, systemActor, nil, e)
	})
	if err != nil {
		return err
	}
	s.logf("created employee %s (%s)", email, status)
	if o.Created != nil {
		o.Created(email, generatedOnly(o, plain))
	}
	return nil
}

// generatedOnly returns the password when it was generated, so fixed
// passwords are never printed.
func generatedOnly(o DemoOptions, plain string) string {
	if o.GeneratePasswords {
		return plain
	}
	return ""
}

func roleLookupError(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errors.New("not found (run authd seed roles first)")
	}
	return err
}
