package accounts

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/identity"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
)

// Field messages of staff accounts.
const (
	MsgEmailTaken    = "A user with this email already exists."
	MsgUsernameTaken = "This username is already taken. Please choose a different one."
	MsgPhoneTaken    = "A user with this phone number already exists."
)

// NewUser holds the validated fields of a staff account to create.
type NewUser struct {
	Email       string
	Password    string // plain text, checked against the policy; empty for an unusable password
	Username    string // empty: derived from the e-mail local part
	FirstName   string
	MiddleName  *string
	LastName    string
	Suffix      *string
	PhoneNumber *string
	Department  *string
	Notified    bool
	Status      string
	IsStaff     bool
	IsSuperuser bool
	IsActive    bool

	// PasswordHash, when set, is the Hasher.Hash result for Password that
	// CreateUser stores instead of hashing Password again. The policy still
	// checks Password. Bulk imports set it to hash many rows in parallel.
	PasswordHash string
}

// ReadNewUser reads the staff registration fields into a
// NewUser. Field errors are returned together.
func ReadNewUser(in *httpx.Input) (*NewUser, httpx.FieldErrors) {
	f := httpx.NewFields(in)
	n := &NewUser{Status: model.StatusPending, IsActive: true}
	n.Email, _ = f.Email("email", true)
	n.Password, _ = f.String("password", httpx.StringRule{Required: true, Max: 1024})
	if username, ok := f.String("username", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 150}); ok && username != "" {
		if !identity.ValidUsername(username) {
			f.Errors.Add("username", identity.MsgUsernameFormat)
		}
		n.Username = username
	}
	n.FirstName, _ = f.OptionalText("first_name", 100)
	n.LastName, _ = f.OptionalText("last_name", 100)
	if middle, ok := f.OptionalText("middle_name", 100); ok && middle != "" {
		n.MiddleName = &middle
	}
	if suffix, ok := f.Choice("suffix", model.Suffixes); ok && suffix != "" {
		n.Suffix = &suffix
	}
	if department, ok := f.Choice("department", model.Departments); ok && department != "" {
		n.Department = &department
	}
	if raw, ok := f.String("phone_number", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32}); ok && raw != "" {
		phone, valid := identity.NormalizePhone(raw)
		if !valid {
			f.Errors.Add("phone_number", identity.MsgPhoneFormat)
		}
		n.PhoneNumber = &phone
	}
	n.Notified, _ = f.Bool("notified")
	return n, f.Errors
}

// CheckNewUser adds the uniqueness and password policy errors of n to errs,
// for each field that has no error yet. Django REST framework reports these
// together with the format errors of the other fields, so registration runs
// it even when ReadNewUser found problems.
func (s *Service) CheckNewUser(ctx context.Context, db bun.IDB, n *NewUser, errs httpx.FieldErrors) error {
	if n.Email != "" && !errs.Has("email") {
		taken, err := db.NewSelect().Model((*model.User)(nil)).Where("email_normalized = ?", model.NormalizeEmail(n.Email)).Exists(ctx)
		if err != nil {
			return err
		}
		if taken {
			errs.Add("email", MsgEmailTaken)
		}
	}
	if n.Username != "" && !errs.Has("username") {
		taken, err := db.NewSelect().Model((*model.User)(nil)).Where("username_normalized = ?", model.NormalizeUsername(n.Username)).Exists(ctx)
		if err != nil {
			return err
		}
		if taken {
			errs.Add("username", MsgUsernameTaken)
		}
	}
	if n.PhoneNumber != nil && !errs.Has("phone_number") {
		taken, err := db.NewSelect().Model((*model.User)(nil)).Where("phone_number = ?", *n.PhoneNumber).Exists(ctx)
		if err != nil {
			return err
		}
		if taken {
			errs.Add("phone_number", MsgPhoneTaken)
		}
	}
	if n.Password == "" || errs.Has("password") {
		return nil
	}
	username, err := s.usernameFor(ctx, db, n)
	if err != nil {
		return err
	}
	for _, message := range s.policy.Check(ctx, n.Password, username, n.Email) {
		errs.Add("password", message)
	}
	return nil
}

// usernameFor returns the username a new user gets: the requested one, or
// the e-mail local part made unique with a numeric suffix.
func (s *Service) usernameFor(ctx context.Context, db bun.IDB, n *NewUser) (string, error) {
	if n.Username != "" {
		return n.Username, nil
	}
	local, _, _ := strings.Cut(n.Email, "@")
	return identity.UniqueUsername(ctx, db, "users", local, 150)
}

// CreateUser validates uniqueness and the password policy, then inserts the
// user with a generated company id in tx and records its sync messages and
// audit event. Field errors come back as a 400 *httpx.Problem.
func (s *Service) CreateUser(ctx context.Context, tx bun.Tx, n *NewUser, actor *outbox.Actor) (*model.User, error) {
	errs := httpx.FieldErrors{}
	if err := s.CheckNewUser(ctx, tx, n, errs); err != nil {
		return nil, err
	}
	if !errs.Empty() {
		return nil, httpx.BadRequest(errs)
	}
	username, err := s.usernameFor(ctx, tx, n)
	if err != nil {
		return nil, err
	}
	hash, nfc := "", false
	switch {
	case n.Password == "":
		hash = unusablePassword()
	case n.PasswordHash != "":
		hash, nfc = n.PasswordHash, true
	default:
		var err error
		if hash, err = s.hasher.Hash(ctx, n.Password); err != nil {
			return nil, err
		}
		nfc = true
	}
	companyID, companyNumber, err := identity.NextCompanyID(ctx, tx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	usernameNorm := model.NormalizeUsername(username)
	u := &model.User{
		Email: n.Email, EmailNormalized: model.NormalizeEmail(n.Email), Username: &username, UsernameNormalized: &usernameNorm,
		Password: hash, PasswordNFC: nfc, FirstName: n.FirstName, MiddleName: n.MiddleName, LastName: n.LastName,
		Suffix: n.Suffix, PhoneNumber: n.PhoneNumber, CompanyID: &companyID, CompanyNumber: &companyNumber,
		Department: n.Department, Status: n.Status, Notified: n.Notified, IsActive: n.IsActive,
		IsStaff: n.IsStaff || n.IsSuperuser, IsSuperuser: n.IsSuperuser, DateJoined: now, UpdatedAt: now,
	}
	if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
		return nil, uniqueFieldError(err)
	}
	if err := s.outbox.UserSaved(ctx, tx, actor, nil, u); err != nil {
		return nil, err
	}
	event := audit.Event{Name: "user.created"}.Subject("staff", u.ID)
	if actor != nil {
		event = event.Actor(actor.Type, actor.ID)
	}
	return u, audit.Record(ctx, tx, now, event)
}

// uniqueFieldError turns a uniqueness violation that slipped past the
// checks (a concurrent request) into the same field error.
func uniqueFieldError(err error) error {
	ce, ok := storage.AsConstraint(err)
	if !ok || ce.Kind != storage.Unique {
		return err
	}
	switch {
	case ce.On("users", "email_normalized"):
		return httpx.BadRequest(httpx.FieldErrors{"email": {MsgEmailTaken}})
	case ce.On("users", "username_normalized"):
		return httpx.BadRequest(httpx.FieldErrors{"username": {MsgUsernameTaken}})
	case ce.On("users", "phone_number"):
		return httpx.BadRequest(httpx.FieldErrors{"phone_number": {MsgPhoneTaken}})
	}
	return httpx.Conflict("A conflicting account already exists.")
}

// Register serves POST /api/v1/users/register/.
func (h *Handlers) Register(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	n, fieldErrors := ReadNewUser(in)
	if !fieldErrors.Empty() {
		if err := h.svc.CheckNewUser(r.Context(), h.svc.db, n, fieldErrors); err != nil {
			httpx.ServerError(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusBadRequest, fieldErrors)
		return
	}
	var u *model.User
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		u, err = h.svc.CreateUser(ctx, tx, n, nil)
		return err
	})
	if err != nil {
		var p *httpx.Problem
		if errors.As(err, &p) {
			httpx.WriteProblem(w, p)
			return
		}
		httpx.Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, map[string]any{
		"email": u.Email, "username": u.Username, "first_name": u.FirstName, "middle_name": u.MiddleName,
		"last_name": u.LastName, "suffix": u.Suffix, "phone_number": u.PhoneNumber, "company_id": u.CompanyID,
		"department": u.Department, "status": u.Status, "notified": u.Notified,
	})
}
