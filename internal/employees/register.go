package employees

import (
	"context"
	"errors"
	"mime/multipart"
	"regexp"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/identity"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
)

// Field messages of employee accounts, matched by the HDTS frontend.
const (
	MsgEmailTaken     = "An employee with this email already exists."
	MsgUsernameTaken  = "An employee with this username already exists."
	MsgPhoneTaken     = "An employee with this phone number already exists."
	MsgCompanyFormat  = "Company ID must be 4 digits."
	MsgCompanyTaken   = "An employee with this company ID already exists."
	MsgPictureNotFile = "The submitted data was not a file. Check the encoding type on the form."
	msgPictureFailed  = "The picture could not be stored. Please try again."
)

// NewEmployee holds the validated fields of an employee to register.
type NewEmployee struct {
	Email       string
	Password    string // plain text, checked against the password policy
	Username    *string
	FirstName   string
	MiddleName  *string
	LastName    string
	Suffix      *string
	PhoneNumber *string
	CompanyID   *string // MA + 4 digits; nil: generated
	Department  *string
	Notified    bool
	Picture     *multipart.FileHeader // profile_picture upload, stored by Register
}

var (
	companyDigits   = regexp.MustCompile(`^\d{4}$`)
	companyPrefixed = regexp.MustCompile(`^[Mm][Aa]\d{4}$`)
)

// NormalizeCompanyID turns a submitted company id into its stored form:
// four digits get the MA prefix, and MA plus four digits is kept with the
// prefix in upper case. ok is false for anything else.
func NormalizeCompanyID(raw string) (string, bool) {
	switch {
	case companyDigits.MatchString(raw):
		return "MA" + raw, true
	case companyPrefixed.MatchString(raw):
		return "MA" + raw[2:], true
	}
	return "", false
}

// ReadNewEmployee reads the registration fields into a NewEmployee. Every
// format error is returned at once; uniqueness and the password policy are
// checked by CreateEmployee.
func ReadNewEmployee(in *httpx.Input) (*NewEmployee, httpx.FieldErrors) {
	f := httpx.NewFields(in)
	n := &NewEmployee{}
	n.Email, _ = f.Email("email", true)
	n.Password, _ = f.String("password", httpx.StringRule{Required: true, Max: 1024})
	if username, ok := f.String("username", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 150}); ok && username != "" {
		if !identity.ValidUsername(username) {
			f.Errors.Add("username", identity.MsgUsernameFormat)
		}
		n.Username = &username
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
		if phone, valid := identity.NormalizePhone(raw); valid {
			n.PhoneNumber = &phone
		} else {
			f.Errors.Add("phone_number", identity.MsgPhoneFormat)
		}
	}
	if raw, ok := f.String("company_id", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32}); ok && raw != "" {
		if companyID, valid := NormalizeCompanyID(raw); valid {
			n.CompanyID = &companyID
		} else {
			f.Errors.Add("company_id", MsgCompanyFormat)
		}
	}

	n.Notified, _ = f.Bool("notified")
	n.Picture = readPictureFile(f, in)
	return n, f.Errors
}

// readPictureFile returns the profile_picture upload. A value that is not a
// file is a field error, and an empty one means no picture.
func readPictureFile(f *httpx.Fields, in *httpx.Input) *multipart.FileHeader {
	if fh := in.File("profile_picture"); fh != nil {
		return fh
	}
	if raw, present := in.Raw("profile_picture"); present && raw != nil && raw != "" {
		f.Errors.Add("profile_picture", MsgPictureNotFile)
	}
	return nil
}

// storePicture validates and stores an upload and returns its relative
// path, or adds the picture's field error.
func (s *Service) storePicture(fh *multipart.FileHeader, errs httpx.FieldErrors) string {
	rel, err := s.media.SavePicture(fh)
	switch {
	case errors.Is(err, media.ErrPictureTooLarge), errors.Is(err, media.ErrInvalidImage), errors.Is(err, media.ErrPictureTooWide):
		errs.Add("profile_picture", err.Error())
	case err != nil:
		s.logger.Error("store profile picture", "error", err)
		errs.Add("profile_picture", msgPictureFailed)
	default:
		return rel
	}
	return ""
}

// Register stores the picture of n, creates the employee with status
// Pending in one transaction, and queues the welcome e-mail. Field errors
// come back as a 400 *httpx.Problem; nothing is kept when it fails.
func (s *Service) Register(ctx context.Context, n *NewEmployee) (*model.Employee, error) {
	picture := ""
	if n.Picture != nil {
		errs := httpx.FieldErrors{}
		if picture = s.storePicture(n.Picture, errs); picture == "" {
			return nil, httpx.BadRequest(errs)
		}
	}
	var e *model.Employee
	var err error
	for attempt := 0; attempt < companyIDAttempts; attempt++ {
		err = s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			var err error
			e, err = s.CreateEmployee(ctx, tx, n, picture, nil)
			return err
		})
		if !errors.Is(err, ErrCompanyIDRace) {
			break
		}
	}
	if errors.Is(err, ErrCompanyIDRace) {
		err = httpx.Conflict("A company ID could not be assigned. Please try again.")
	}
	if err != nil {
		if picture != "" {
			s.media.Delete(picture)
		}
		return nil, err
	}
	return e, nil
}

// companyIDAttempts bounds how often Register retries a generated company
// id that a concurrent registration took.
const companyIDAttempts = 3

// ErrCompanyIDRace reports that a generated company id was taken by a
// concurrent transaction that submitted the same id. The caller retries in
// a new transaction.
var ErrCompanyIDRace = errors.New("the generated company id was taken concurrently")

// CreateEmployee checks uniqueness and the password policy, then inserts a
// Pending employee in tx with its welcome e-mail, sync message and audit
// event. picture is an already stored relative path or "". actor is nil
// for self-registration. It returns ErrCompanyIDRace when a generated
// company id collided, so the caller retries.
func (s *Service) CreateEmployee(ctx context.Context, tx bun.Tx, n *NewEmployee, picture string, actor *outbox.Actor) (*model.Employee, error) {
	errs, err := s.checkUnique(ctx, tx, n)
	if err != nil {
		return nil, err
	}
	policyName := ""
	if n.Username != nil {
		policyName = *n.Username
	}
	if messages := s.policy.Check(ctx, n.Password, policyName, n.Email); len(messages) > 0 {
		errs["password"] = messages
	}
	if !errs.Empty() {
		return nil, httpx.BadRequest(errs)
	}

	hash, err := s.hasher.Hash(ctx, n.Password)
	if err != nil {
		return nil, err
	}
	e := &model.Employee{
		Email: n.Email, EmailNormalized: model.NormalizeEmail(n.Email), Password: hash, PasswordNFC: true,
		FirstName: n.FirstName, MiddleName: n.MiddleName, LastName: n.LastName, Suffix: n.Suffix,
		PhoneNumber: n.PhoneNumber, Department: n.Department, Status: model.StatusPending, Notified: n.Notified,
	}
	if n.Username != nil {
		normalized := model.NormalizeUsername(*n.Username)
		e.Username, e.UsernameNormalized = n.Username, &normalized
	}
	if picture != "" {
		e.ProfilePicture = &picture
	}
	if err := s.assignCompanyID(ctx, tx, e, n.CompanyID); err != nil {
		return nil, err
	}
	now := s.now()
	e.CreatedAt, e.UpdatedAt = now, now
	if _, err := tx.NewInsert().Model(e).Exec(ctx); err != nil {
		if n.CompanyID == nil && storage.IsUnique(err, "employees", "company_id") {
			return nil, ErrCompanyIDRace
		}
		return nil, uniqueFieldError(err)
	}

	if err := s.email(ctx, tx, string(mail.HDTSWelcome), e.Email, map[string]any{"full_name": displayName(e)}); err != nil {
		return nil, err
	}
	if err := s.saved(ctx, tx, actor, nil, e); err != nil {
		return nil, err
	}
	event := audit.Event{Name: "employee.created"}.Subject(subjectType, e.ID)
	if actor != nil {
		event = event.Actor(actor.Type, actor.ID)
	}
	return e, audit.Record(ctx, tx, now, event)
}

// checkUnique returns the field errors of values another employee uses.
func (s *Service) checkUnique(ctx context.Context, tx bun.IDB, n *NewEmployee) (httpx.FieldErrors, error) {
	errs := httpx.FieldErrors{}
	checks := []struct {
		field, column, message string
		value                  *string
	}{
		{"email", "email_normalized", MsgEmailTaken, ptr(model.NormalizeEmail(n.Email))},
		{"username", "username_normalized", MsgUsernameTaken, normalizedPtr(n.Username)},
		{"phone_number", "phone_number", MsgPhoneTaken, n.PhoneNumber},
		{"company_id", "company_id", MsgCompanyTaken, n.CompanyID},
	}
	for _, c := range checks {
		if c.value == nil {
			continue
		}
		taken, err := tx.NewSelect().Model((*model.Employee)(nil)).Where("? = ?", bun.Ident(c.column), *c.value).Exists(ctx)
		if err != nil {
			return nil, err
		}
		if taken {
			errs.Add(c.field, c.message)
		}
	}
	return errs, nil
}

// assignCompanyID sets the submitted company id, or generates the next one
// shared with staff users.
func (s *Service) assignCompanyID(ctx context.Context, tx bun.IDB, e *model.Employee, submitted *string) error {
	if submitted != nil {
		e.CompanyID = submitted
		if number, ok := identity.CompanyNumber(*submitted); ok {
			e.CompanyNumber = &number
		}
		return nil
	}
	companyID, number, err := identity.NextCompanyID(ctx, tx)
	if err != nil {
		return err
	}
	e.CompanyID, e.CompanyNumber = &companyID, &number
	return nil
}

// uniqueFieldError turns a uniqueness violation that slipped past the
// checks (a concurrent request) into the same field error.
func uniqueFieldError(err error) error {
	ce, ok := storage.AsConstraint(err)
	if !ok || ce.Kind != storage.Unique {
		return err
	}
	for _, c := range []struct{ column, field, message string }{
		{"email_normalized", "email", MsgEmailTaken},
		{"username_normalized", "username", MsgUsernameTaken},
		{"phone_number", "phone_number", MsgPhoneTaken},
		{"company_id", "company_id", MsgCompanyTaken},
	} {
		if ce.On("employees", c.column) {
			return httpx.BadRequest(httpx.FieldErrors{c.field: {c.message}})
		}
	}
	return httpx.Conflict("A conflicting employee already exists.")
}

func ptr(s string) *string { return &s }

func normalizedPtr(username *string) *string {
	if username == nil {
		return nil
	}
	return ptr(model.NormalizeUsername(*username))
}
