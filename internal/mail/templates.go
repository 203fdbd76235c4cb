package mail

// Template names one account e-mail. Its value is the base name of the
// template files: "<name>.html" for the HTML part and "<name>.txt" for the
// plain-text part.
type Template string

// The account e-mails. Each comment lists the variables that Render needs
// besides the common ones (site_name, support_email, current_year,
// public_url). Values may be strings or numbers, and times may also be
// time.Time.
const (
	// StaffOTP: user_name, otp_code, expiry_minutes.
	StaffOTP Template = "staff_otp"
	// StaffPasswordReset: user_name, reset_url, expiry_hours.
	StaffPasswordReset Template = "staff_password_reset"
	// AccountLocked: user_name, locked_until, failed_attempts,
	// lockout_duration (text such as "15 minutes"), ip_address.
	AccountLocked Template = "account_locked"
	// AccountUnlocked: user_name, and ip_address when a request lifted the
	// lock.
	AccountUnlocked Template = "account_unlocked"
	// FailedLogin: user_name, ip_address, attempt_time, failed_attempts.
	FailedLogin Template = "failed_login"
	// Invitation: first_name, system_name, role_name, set_password_url,
	// expiry_days.
	Invitation Template = "invitation"
	// AccessGranted: first_name, system_name, role_name.
	AccessGranted Template = "access_granted"
	// HDTSWelcome: full_name.
	HDTSWelcome Template = "hdts_welcome"
	// HDTSOTP: otp_code, expiration_time (minutes).
	HDTSOTP Template = "hdts_otp"
	// HDTSPasswordChanged: full_name, timestamp.
	HDTSPasswordChanged Template = "hdts_password_changed"
	// HDTS2FAEnabled: full_name.
	HDTS2FAEnabled Template = "hdts_2fa_enabled"
	// HDTS2FADisabled: full_name.
	HDTS2FADisabled Template = "hdts_2fa_disabled"
	// HDTSPasswordReset: reset_link, expiry_hours.
	HDTSPasswordReset Template = "hdts_password_reset"
	// HDTSApproved: full_name.
	HDTSApproved Template = "hdts_account_approved"
	// HDTSRejected: full_name, and support_email when it differs from the
	// common value.
	HDTSRejected Template = "hdts_account_rejected"
	// ConfirmNewEmail: user_name, confirm_url, expiry_hours.
	ConfirmNewEmail Template = "confirm_new_email"
	// EmailChangeNotice: user_name, new_email. The template masks new_email
	// (j***@example.com), so the full address may be passed.
	EmailChangeNotice Template = "email_change_notice"
)

// templateSpec is the subject and the variables of one template.
type templateSpec struct {
	// subject is a text/template source.
	subject  string
	required []string
	// optional variables default to the empty string.
	optional []string
}

// commonVariables are filled by the Renderer for every template. Callers may
// override them, as the rejection e-mail's support_email.
var commonVariables = []string{"site_name", "support_email", "current_year", "public_url"}

var templateSpecs = map[Template]templateSpec{
	StaffOTP: {
		subject:  "Your Verification Code - {{.site_name}}",
		required: []string{"user_name", "otp_code", "expiry_minutes"},
	},
	StaffPasswordReset: {
		subject:  "Password Reset Request - {{.site_name}}",
		required: []string{"user_name", "reset_url", "expiry_hours"},
	},
	AccountLocked: {
		subject:  "Account Locked - {{.site_name}}",
		required: []string{"user_name", "locked_until", "failed_attempts", "lockout_duration", "ip_address"},
	},
	AccountUnlocked: {
		subject:  "Account Unlocked - {{.site_name}}",
		required: []string{"user_name"},
		optional: []string{"ip_address"},
	},
	FailedLogin: {
		subject:  "Failed Login Attempt - {{.site_name}}",
		required: []string{"user_name", "ip_address", "attempt_time", "failed_attempts"},
	},
	Invitation: {
		subject:  "Invitation to {{.system_name}}",
		required: []string{"first_name", "system_name", "role_name", "set_password_url", "expiry_days"},
	},
	AccessGranted: {
		subject:  "Access Granted to {{.system_name}}",
		required: []string{"first_name", "system_name", "role_name"},
	},
	HDTSWelcome: {
		subject:  "Welcome to HDTS",
		required: []string{"full_name"},
	},
	HDTSOTP: {
		subject:  "Your OTP Code",
		required: []string{"otp_code", "expiration_time"},
	},
	HDTSPasswordChanged: {
		subject:  "Password Changed",
		required: []string{"full_name", "timestamp"},
	},
	HDTS2FAEnabled: {
		subject:  "Two-Factor Authentication Enabled",
		required: []string{"full_name"},
	},
	HDTS2FADisabled: {
		subject:  "Two-Factor Authentication Disabled",
		required: []string{"full_name"},
	},
	HDTSPasswordReset: {
		subject:  "Password Reset Request",
		required: []string{"reset_link", "expiry_hours"},
	},
	HDTSApproved: {
		subject:  "Your HDTS account has been approved",
		required: []string{"full_name"},
	},
	HDTSRejected: {
		subject:  "Your HDTS account registration was not approved",
		required: []string{"full_name"},
	},
	ConfirmNewEmail: {
		subject:  "Confirm your new email address - {{.site_name}}",
		required: []string{"user_name", "confirm_url", "expiry_hours"},
	},
	EmailChangeNotice: {
		subject:  "Your email address is being changed - {{.site_name}}",
		required: []string{"user_name", "new_email"},
	},
}

// Templates returns every Template in the order of the e-mail table.
func Templates() []Template {
	return []Template{
		StaffOTP, StaffPasswordReset, AccountLocked, AccountUnlocked, FailedLogin,
		Invitation, AccessGranted, HDTSWelcome, HDTSOTP, HDTSPasswordChanged,
		HDTS2FAEnabled, HDTS2FADisabled, HDTSPasswordReset, HDTSApproved, HDTSRejected,
		ConfirmNewEmail, EmailChangeNotice,
	}
}
