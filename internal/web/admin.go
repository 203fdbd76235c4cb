package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
)

// adminView returns the view of an administration page.
func (p *Pages) adminView(who *httpx.Principal, title, current string, scripts ...string) *view {
	v := p.newView(title, append([]string{"js/admin_common.js"}, scripts...)...)
	v.Nav = staffNav(who, current)
	v.Config.Page["is_superuser"] = who.IsSuperuser()
	return v
}

// PendingRegistrations serves GET /api/v1/hdts/user-management/pending/:
// employees waiting for approval, with approve and reject buttons. Callers
// without the right get the 403 page.
func (p *Pages) PendingRegistrations(w http.ResponseWriter, r *http.Request) {
	p.staffPage(hdtsAdmin, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		v := p.adminView(who, "Manage Pending Registrations", "pending", "js/pending.js")
		p.render(w, r, http.StatusOK, "admin_pending", v)
	})(w, r)
}

// AgentManagement serves GET /staff/agent-management/.
func (p *Pages) AgentManagement(w http.ResponseWriter, r *http.Request) {
	p.staffPage(anyAdmin, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		v := p.adminView(who, "Agent Management", "agents", "js/agents.js")
		v.Data = map[string]any{"Statuses": model.Statuses, "Suffixes": model.Suffixes, "Departments": model.Departments}
		p.render(w, r, http.StatusOK, "admin_agents", v)
	})(w, r)
}

// InviteAgent serves GET /staff/invite-agent/.
func (p *Pages) InviteAgent(w http.ResponseWriter, r *http.Request) {
	p.staffPage(anyAdmin, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		v := p.adminView(who, "Invite Agent", "invite", "js/invite.js")
		v.Data = map[string]any{"Suffixes": model.Suffixes, "Departments": model.Departments}
		p.render(w, r, http.StatusOK, "admin_invite", v)
	})(w, r)
}

// RoleManagement serves GET /staff/role-management/ and
// /api/v1/tts/role-management/. Its system is the selected_system cookie
// when the caller administers that system, else the first system by name
// that the caller administers. A caller who administers none goes to the
// profile page with an error toast.
func (p *Pages) RoleManagement(w http.ResponseWriter, r *http.Request) {
	p.staffPage(anyStaff, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		system, err := p.roleSystem(r, who)
		if err != nil {
			p.ServerError(w, r, err)
			return
		}
		if system == nil {
			p.setFlash(w, "no-systems")
			p.redirect(w, r, "/staff/settings/profile/")
			return
		}
		slug := strings.ToUpper(system.Slug)
		v := p.adminView(who, "Manage "+slug+" Roles", "roles", "js/roles.js")
		v.Config.Page["system"] = map[string]any{"id": system.ID, "slug": system.Slug, "name": system.Name}
		v.Data = map[string]any{"System": system, "Heading": "Manage " + slug + " Roles"}
		p.render(w, r, http.StatusOK, "admin_roles", v)
	})(w, r)
}

// roleSystem picks the system of the role management page, or nil.
func (p *Pages) roleSystem(r *http.Request, who *httpx.Principal) (*model.System, error) {
	systems, err := p.administeredSystems(r.Context(), who)
	if err != nil || len(systems) == 0 {
		return nil, err
	}
	if c, err := r.Cookie(httpx.SelectedSystem); err == nil {
		for i := range systems {
			if systems[i].Slug == c.Value {
				return &systems[i], nil
			}
		}
	}
	return &systems[0], nil
}

// administeredSystems returns the systems in the caller's admin scope,
// ordered by name: every system for a superuser.
func (p *Pages) administeredSystems(ctx context.Context, who *httpx.Principal) ([]model.System, error) {
	var systems []model.System
	q := p.DB.NewSelect().Model(&systems).OrderExpr("name ASC")
	if !who.IsSuperuser() {
		ids := who.AdminSystemIDs()
		if len(ids) == 0 {
			return nil, nil
		}
		q = q.Where("id IN (?)", bun.In(ids))
	}
	err := q.Scan(ctx)
	return systems, err
}

// ManageAssignments serves GET /api/v1/tts/manage-assignments/.
func (p *Pages) ManageAssignments(w http.ResponseWriter, r *http.Request) {
	p.staffPage(ttsAdmin, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		v := p.adminView(who, "Manage Role Assignments", "assignments", "js/assignments.js")
		v.Data = map[string]any{"Assign": false}
		p.render(w, r, http.StatusOK, "admin_assignments", v)
	})(w, r)
}

// AssignRole serves the HTML of GET /assign-role/,
// /api/v1/tts/assign-agent-to-role-form/ and /api/v1/tts/assign-role/; the
// route table sends requests that ask for JSON to the JSON handler.
func (p *Pages) AssignRole(w http.ResponseWriter, r *http.Request) {
	p.staffPage(ttsAdmin, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		v := p.adminView(who, "Assign Agent to Role", "assignments", "js/assignments.js")
		v.Data = map[string]any{"Assign": true}
		p.render(w, r, http.StatusOK, "admin_assignments", v)
	})(w, r)
}

// StaffAPIKeys serves GET /staff/api-keys/ for superusers.
func (p *Pages) StaffAPIKeys(w http.ResponseWriter, r *http.Request) {
	p.staffPage(superuser, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		v := p.adminView(who, "API Keys", "keys", "js/api_keys.js")
		v.Config.Page["keys_api"] = "/api/v1/keys/"
		p.render(w, r, http.StatusOK, "api_keys", v)
	})(w, r)
}

// StaffJobs serves GET /staff/jobs/ for superusers: the delivery jobs of
// the staff jobs API, with retry and discard.
func (p *Pages) StaffJobs(w http.ResponseWriter, r *http.Request) {
	p.staffPage(superuser, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		v := p.adminView(who, "Delivery Jobs", "jobs", "js/jobs.js")
		v.Config.Page["jobs_api"] = "/api/v1/jobs/"
		v.Config.Page["can_discard"] = true
		p.render(w, r, http.StatusOK, "jobs", v)
	})(w, r)
}
