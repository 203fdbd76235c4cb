package celery

// User is the input for the payloads that describe a staff user. Nil
// pointers are null in the database.
type User struct {
	ID         int64
	Email      string
	Username   string
	FirstName  string
	MiddleName *string
	LastName   string
	Suffix     *string
	CompanyID  *string
	Department *string
	Status     string
	Notified   bool
	IsActive   bool
	// ProfilePicture is the stored file name, such as "profile_pics/a.jpg",
	// or nil or "" when the user has no picture.
	ProfilePicture *string
}

// UserEmailData is one user of the user e-mail sync: the keyword arguments
// of notifications.sync_user_email and one element of users_data in
// notifications.bulk_sync_user_emails.
type UserEmailData struct {
	UserID    int64  `json:"user_id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	IsActive  bool   `json:"is_active"`
}

// NewUserEmailData builds the user e-mail sync data for user.
func NewUserEmailData(user User) UserEmailData {
	return UserEmailData{
		UserID:    user.ID,
		Email:     user.Email,
		FirstName: user.FirstName,
		LastName:  user.LastName,
		IsActive:  user.IsActive,
	}
}

// kwargs returns the data as keyword arguments.
func (d UserEmailData) kwargs() map[string]any {
	return map[string]any{
		"user_id":    d.UserID,
		"email":      d.Email,
		"first_name": d.FirstName,
		"last_name":  d.LastName,
		"is_active":  d.IsActive,
	}
}

// HDTSUserPayload is the argument of hdts.tasks.sync_hdts_user for a staff
// user with an hdts role.
type HDTSUserPayload struct {
	UserID         int64   `json:"user_id"`
	Email          string  `json:"email"`
	Username       string  `json:"username"`
	FirstName      string  `json:"first_name"`
	LastName       string  `json:"last_name"`
	MiddleName     string  `json:"middle_name"`
	Suffix         string  `json:"suffix"`
	CompanyID      *string `json:"company_id"`
	Department     *string `json:"department"`
	Role           string  `json:"role"`
	Status         string  `json:"status"`
	Notified       bool    `json:"notified"`
	ProfilePicture *string `json:"profile_picture"`
	Action         Action  `json:"action"`
}

// NewHDTSUserPayload builds the payload for user, whose hdts role is named
// role.
func NewHDTSUserPayload(user User, role string, action Action) HDTSUserPayload {
	return HDTSUserPayload{
		UserID:         user.ID,
		Email:          user.Email,
		Username:       user.Username,
		FirstName:      user.FirstName,
		LastName:       user.LastName,
		MiddleName:     emptyIfNil(user.MiddleName),
		Suffix:         emptyIfNil(user.Suffix),
		CompanyID:      user.CompanyID,
		Department:     user.Department,
		Role:           role,
		Status:         user.Status,
		Notified:       user.Notified,
		ProfilePicture: ProfilePictureURL(user.ProfilePicture),
		Action:         action,
	}
}

// UserDeletePayload is the argument of hdts.tasks.sync_hdts_user sent when
// any staff user is deleted. Its action is always "delete".
type UserDeletePayload struct {
	UserID     int64   `json:"user_id"`
	Email      string  `json:"email"`
	Username   string  `json:"username"`
	FirstName  string  `json:"first_name"`
	LastName   string  `json:"last_name"`
	MiddleName string  `json:"middle_name"`
	Suffix     string  `json:"suffix"`
	CompanyID  *string `json:"company_id"`
	Department *string `json:"department"`
	Status     string  `json:"status"`
	Action     Action  `json:"action"`
}

// NewUserDeletePayload builds the delete payload for user. A null middle
// name or suffix is sent as "", as in HDTSUserPayload.
func NewUserDeletePayload(user User) UserDeletePayload {
	return UserDeletePayload{
		UserID:     user.ID,
		Email:      user.Email,
		Username:   user.Username,
		FirstName:  user.FirstName,
		LastName:   user.LastName,
		MiddleName: emptyIfNil(user.MiddleName),
		Suffix:     emptyIfNil(user.Suffix),
		CompanyID:  user.CompanyID,
		Department: user.Department,
		Status:     user.Status,
		Action:     ActionDelete,
	}
}

// Employee is the input for an EmployeePayload. Nil pointers are null in the
// database.
type Employee struct {
	ID          int64
	Email       string
	Username    string
	FirstName   string
	MiddleName  *string
	LastName    string
	Suffix      *string
	PhoneNumber *string
	CompanyID   *string
	Department  *string
	Status      string
	Notified    bool
	// ProfilePicture is the stored file name, or nil or "" for none.
	ProfilePicture *string
}

// EmployeePayload is the argument of core.tasks.process_hdts_employee_sync.
type EmployeePayload struct {
	EmployeeID int64 `json:"employee_id"`
	// UserID is always null: employees are not staff users.
	UserID         *int64  `json:"user_id"`
	Email          string  `json:"email"`
	Username       string  `json:"username"`
	FirstName      string  `json:"first_name"`
	LastName       string  `json:"last_name"`
	MiddleName     string  `json:"middle_name"`
	Suffix         string  `json:"suffix"`
	PhoneNumber    *string `json:"phone_number"`
	CompanyID      *string `json:"company_id"`
	Department     *string `json:"department"`
	Status         string  `json:"status"`
	Notified       bool    `json:"notified"`
	ProfilePicture *string `json:"profile_picture"`
	Role           string  `json:"role"`
	Action         Action  `json:"action"`
}

// NewEmployeePayload builds the payload for employee.
func NewEmployeePayload(employee Employee, action Action) EmployeePayload {
	return EmployeePayload{
		EmployeeID:     employee.ID,
		UserID:         nil,
		Email:          employee.Email,
		Username:       employee.Username,
		FirstName:      employee.FirstName,
		LastName:       employee.LastName,
		MiddleName:     emptyIfNil(employee.MiddleName),
		Suffix:         emptyIfNil(employee.Suffix),
		PhoneNumber:    employee.PhoneNumber,
		CompanyID:      employee.CompanyID,
		Department:     employee.Department,
		Status:         employee.Status,
		Notified:       employee.Notified,
		ProfilePicture: ProfilePictureURL(employee.ProfilePicture),
		Role:           employeeRole,
		Action:         action,
	}
}
