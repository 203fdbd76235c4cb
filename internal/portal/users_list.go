package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
)

// Paging of GET users/.
const (
	defaultPerPage = 25
	maxPerPage     = 100
)

// userFilter is the parsed query of GET users/.
type userFilter struct {
	search                         string
	status                         string
	isActive, isStaff, isSuperuser *bool
	page, perPage                  int
}

// readUserFilter parses the query of GET users/, or returns the 400
// problem naming the bad parameter.
func readUserFilter(q url.Values) (userFilter, *httpx.Problem) {
	f := userFilter{page: 1, perPage: defaultPerPage, search: strings.TrimSpace(q.Get("search"))}
	if strings.ContainsRune(f.search, 0) || len(f.search) > 254 {
		return f, badRequest("search must be at most 254 characters without NUL bytes")
	}
	if status := q.Get("status"); status != "" {
		if !slices.Contains(model.Statuses, status) {
			return f, badRequest("status must be one of Pending, Approved, Rejected")
		}
		f.status = status
	}
	for _, flag := range []struct {
		name   string
		target **bool
	}{{"is_active", &f.isActive}, {"is_staff", &f.isStaff}, {"is_superuser", &f.isSuperuser}} {
		switch strings.ToLower(q.Get(flag.name)) {
		case "":
		case "true":
			value := true
			*flag.target = &value
		case "false":
			value := false
			*flag.target = &value
		default:
			return f, badRequest(flag.name + " must be true or false")
		}
	}
	var problem *httpx.Problem
	if f.page, problem = positiveParam(q, "page", 1); problem != nil {
		return f, problem
	}
	if f.perPage, problem = positiveParam(q, "per_page", defaultPerPage); problem != nil {
		return f, problem
	}
	f.perPage = min(f.perPage, maxPerPage)
	return f, nil
}

func positiveParam(q url.Values, name string, fallback int) (int, *httpx.Problem) {
	raw := q.Get(name)
	if raw == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, badRequest(name + " must be a positive integer")
	}
	return n, nil
}

// likePattern returns a LIKE pattern matching term as a substring, with
// the wildcard characters of term escaped by a backslash.
func likePattern(term string) string {
	escaped := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(term)
	return "%" + escaped + "%"
}

// apply adds the filter's conditions to q. E-mail and username match
// their normalized copies, folded in Go. Names and company id use SQL
// lower(), which folds only ASCII on SQLite.
func (f userFilter) apply(q *bun.SelectQuery) *bun.SelectQuery {
	if f.search != "" {
		folded := likePattern(model.NormalizeEmail(f.search))
		lowered := likePattern(strings.ToLower(f.search))
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.Where(`email_normalized LIKE ? ESCAPE '\'`, folded).WhereOr(`username_normalized LIKE ? ESCAPE '\'`, folded)
			for _, column := range []string{"first_name", "middle_name", "last_name", "company_id"} {
				q = q.WhereOr(`lower(?) LIKE ? ESCAPE '\'`, bun.Ident(column), lowered)
			}
			return q
		})
	}
	if f.status != "" {
		q = q.Where("status = ?", f.status)
	}
	if f.isActive != nil {
		q = q.Where("is_active = ?", *f.isActive)
	}
	if f.isStaff != nil {
		q = q.Where("is_staff = ?", *f.isStaff)
	}
	if f.isSuperuser != nil {
		q = q.Where("is_superuser = ?", *f.isSuperuser)
	}
	return q
}

// ListUsers serves GET /superadmin/api/users/: a page of users, newest
// first.
func (h *Handlers) ListUsers(w http.ResponseWriter, r *http.Request) {
	filter, problem := readUserFilter(r.URL.Query())
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	ctx := r.Context()
	total, err := filter.apply(h.DB.NewSelect().Model((*model.User)(nil))).Count(ctx)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	var users []model.User
	err = filter.apply(h.DB.NewSelect().Model(&users)).OrderExpr("date_joined DESC, id DESC").
		Limit(int64(filter.perPage)).Offset(int64(filter.page-1) * int64(filter.perPage)).Scan(ctx)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	views, err := viewsOf(ctx, h.DB, users, h.Now())
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{
		"users": views, "total": total, "page": filter.page, "per_page": filter.perPage,
		"total_pages": (total + int64(filter.perPage) - 1) / int64(filter.perPage),
	})
}

// GetUser serves GET /superadmin/api/users/{id}/.
func (h *Handlers) GetUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		httpx.WriteProblem(w, errUserNotFound)
		return
	}
	u, err := h.users.Load(r.Context(), h.DB, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	view, err := viewOne(r.Context(), h.DB, u, h.Now())
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, PortalUserDetail{PortalUser: view, FailedLoginAttempts: u.FailedLoginAttempts})
}

// Stats serves GET /superadmin/api/stats/: counts of users by state.
func (h *Handlers) Stats(w http.ResponseWriter, r *http.Request) {
	now := h.Now().UTC()
	var counts struct {
		Total      int `bun:"total_users"`
		Active     int `bun:"active_users"`
		Pending    int `bun:"pending_users"`
		Approved   int `bun:"approved_users"`
		Rejected   int `bun:"rejected_users"`
		Superusers int `bun:"superusers"`
		Staff      int `bun:"staff_users"`
		Locked     int `bun:"locked_users"`
		OTP        int `bun:"otp_enabled_users"`
	}
	err := h.DB.NewSelect().Model((*model.User)(nil)).
		ColumnExpr("COUNT(*) AS total_users").
		ColumnExpr("COALESCE(SUM(CASE WHEN is_active THEN 1 ELSE 0 END), 0) AS active_users").
		ColumnExpr("COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS pending_users", model.StatusPending).
		ColumnExpr("COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS approved_users", model.StatusApproved).
		ColumnExpr("COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS rejected_users", model.StatusRejected).
		ColumnExpr("COALESCE(SUM(CASE WHEN is_superuser THEN 1 ELSE 0 END), 0) AS superusers").
		ColumnExpr("COALESCE(SUM(CASE WHEN is_staff THEN 1 ELSE 0 END), 0) AS staff_users").
		ColumnExpr("COALESCE(SUM(CASE WHEN is_locked AND (lock_reason = ? OR locked_until IS NULL OR locked_until > ?) THEN 1 ELSE 0 END), 0) AS locked_users",
			model.LockAdmin, now).
		ColumnExpr(`COALESCE(SUM(CASE WHEN otp_enabled OR EXISTS (SELECT 1 FROM totp_credentials AS t
			WHERE t.subject_type = 'staff' AND t.subject_id = "user"."id" AND t.confirmed_at IS NOT NULL) THEN 1 ELSE 0 END), 0) AS otp_enabled_users`).
		Scan(r.Context(), &counts)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]int{
		"total_users": counts.Total, "active_users": counts.Active, "inactive_users": counts.Total - counts.Active,
		"pending_users": counts.Pending, "approved_users": counts.Approved, "rejected_users": counts.Rejected,
		"superusers": counts.Superusers, "staff_users": counts.Staff, "locked_users": counts.Locked,
		"otp_enabled_users": counts.OTP,
	})
}
