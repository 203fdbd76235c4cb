package web

import (
	"strings"

	"github.com/mapactive/authd/internal/httpx"
)

// nav is the navigation of a signed-in page.
type nav struct {
	Kind    string // staff, employee or portal
	Name    string
	Current string // the nav entry of the page, marked aria-current

	IsAnyAdmin           bool
	IsSuperuser          bool
	IsHDTSAdmin          bool
	CanManageAssignments bool // a superuser or a tts admin
	MultipleAssignments  bool
}

// staffNav returns the staff navigation for the caller.
func staffNav(who *httpx.Principal, current string) *nav {
	name := strings.TrimSpace(who.User.FirstName + " " + who.User.LastName)
	if name == "" {
		name = who.User.Email
	}
	return &nav{
		Kind: "staff", Name: name, Current: current,
		IsAnyAdmin:           who.IsAnyAdmin(),
		IsSuperuser:          who.IsSuperuser(),
		IsHDTSAdmin:          who.IsSuperuser() || who.IsSystemAdmin("hdts"),
		CanManageAssignments: who.IsSuperuser() || who.IsSystemAdmin("tts"),
		MultipleAssignments:  len(who.Grants) > 1,
	}
}

// employeeNav returns the employee navigation for the caller.
func employeeNav(who *httpx.Principal, current string) *nav {
	e := who.Employee
	name := strings.TrimSpace(e.FirstName + " " + e.LastName)
	if name == "" {
		name = e.Email
	}
	return &nav{Kind: "employee", Name: name, Current: current}
}
