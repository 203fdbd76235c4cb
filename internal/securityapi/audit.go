package securityapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
)

// Paging of the audit query.
const (
	defaultPageSize = 50
	maxPageSize     = 200
	maxPage         = 1_000_000
)

// auditFilter is a validated audit query.
type auditFilter struct {
	events      []string
	outcome     string
	subjectType string
	subjectID   *int64
	actorType   string
	actorID     *int64
	identifier  string
	ip          string
	since       *time.Time
	until       *time.Time
	page        int
	pageSize    int
}

// readAuditFilter reads the query parameters of GET /api/v1/audit/.
func readAuditFilter(r *http.Request) (*auditFilter, httpx.FieldErrors) {
	q := r.URL.Query()
	errs := httpx.FieldErrors{}
	f := &auditFilter{page: 1, pageSize: defaultPageSize}
	if v := strings.TrimSpace(q.Get("event")); v != "" {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				f.events = append(f.events, name)
			}
		}
	}
	f.outcome = q.Get("outcome")
	if f.outcome != "" && f.outcome != audit.Success && f.outcome != audit.Failure {
		errs.Add("outcome", `Select "success" or "failure".`)
	}
	for _, kind := range []struct {
		name string
		dst  *string
	}{{"subject_type", &f.subjectType}, {"actor_type", &f.actorType}} {
		*kind.dst = q.Get(kind.name)
		if *kind.dst != "" && *kind.dst != "staff" && *kind.dst != "employee" && *kind.dst != "api_key" && *kind.dst != "system" {
			errs.Add(kind.name, `Select "staff", "employee", "api_key" or "system".`)
		}
	}
	f.subjectID = readID(q.Get("subject_id"), "subject_id", errs)
	f.actorID = readID(q.Get("actor_id"), "actor_id", errs)
	f.identifier = strings.ToLower(strings.TrimSpace(q.Get("identifier")))
	f.ip = strings.TrimSpace(q.Get("ip"))
	f.since = readTime(q.Get("since"), "since", errs)
	f.until = readTime(q.Get("until"), "until", errs)
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			errs.Add("page", "A valid integer from 1 to "+strconv.Itoa(maxPage)+" is required.")
		}
		f.page = n
	}
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			errs.Add("page_size", "A valid integer from 1 to "+strconv.Itoa(maxPageSize)+" is required.")
		}
		f.pageSize = n
	}
	for name, values := range q {
		if len(values) > 1 {
			errs.Add(name, "Give this parameter once.")
		}
	}
	return f, errs
}

func readID(v, name string, errs httpx.FieldErrors) *int64 {
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		errs.Add(name, httpx.MsgNotInteger)
		return nil
	}
	return &n
}

func readTime(v, name string, errs httpx.FieldErrors) *time.Time {
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		errs.Add(name, "Enter an RFC 3339 timestamp such as 2025-01-31T08:15:00Z.")
		return nil
	}
	t = t.UTC()
	return &t
}

func (f *auditFilter) apply(q *bun.SelectQuery) *bun.SelectQuery {
	if len(f.events) > 0 {
		q = q.Where("event IN (?)", bun.In(f.events))
	}
	if f.outcome != "" {
		q = q.Where("outcome = ?", f.outcome)
	}
	if f.subjectType != "" {
		q = q.Where("subject_type = ?", f.subjectType)
	}
	if f.subjectID != nil {
		q = q.Where("subject_id = ?", *f.subjectID)
	}
	if f.actorType != "" {
		q = q.Where("actor_type = ?", f.actorType)
	}
	if f.actorID != nil {
		q = q.Where("actor_id = ?", *f.actorID)
	}
	if f.identifier != "" {
		q = q.Where("lower(identifier) = ?", f.identifier)
	}
	if f.ip != "" {
		q = q.Where("ip = ?", f.ip)
	}
	if f.since != nil {
		q = q.Where("occurred_at >= ?", *f.since)
	}
	if f.until != nil {
		q = q.Where("occurred_at < ?", *f.until)
	}
	return q
}

// eventBody is one audit event in the API.
type eventBody struct {
	ID          int64          `json:"id"`
	OccurredAt  string         `json:"occurred_at"`
	Event       string         `json:"event"`
	Outcome     string         `json:"outcome"`
	ActorType   *string        `json:"actor_type"`
	ActorID     *int64         `json:"actor_id"`
	SubjectType *string        `json:"subject_type"`
	SubjectID   *int64         `json:"subject_id"`
	Identifier  *string        `json:"identifier"`
	IP          *string        `json:"ip"`
	UserAgent   *string        `json:"user_agent"`
	RequestID   *string        `json:"request_id"`
	Details     map[string]any `json:"details"`
}

// Audit serves GET /api/v1/audit/ for superusers: events newest first.
// Filters: event (one name or a comma-separated list), outcome,
// subject_type, subject_id, actor_type, actor_id, identifier, ip, since
// and until (RFC 3339, since inclusive, until exclusive); paging with page
// and page_size (at most 200).
func (h *Handlers) Audit(w http.ResponseWriter, r *http.Request) {
	filter, errs := readAuditFilter(r)
	if !errs.Empty() {
		httpx.JSON(w, http.StatusBadRequest, errs)
		return
	}
	ctx := r.Context()
	count, err := filter.apply(h.db.NewSelect().Model((*audit.Event)(nil))).Count(ctx)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	var rows []audit.Event
	err = filter.apply(h.db.NewSelect().Model(&rows)).
		OrderExpr("occurred_at DESC, id DESC").
		Limit(int64(filter.pageSize)).Offset(int64(filter.page-1) * int64(filter.pageSize)).Scan(ctx)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	results := make([]eventBody, 0, len(rows))
	for _, e := range rows {
		details := e.Details
		if details == nil {
			details = map[string]any{}
		}
		results = append(results, eventBody{ID: e.ID, OccurredAt: httpx.Timestamp(e.OccurredAt), Event: e.Name, Outcome: e.Outcome,
			ActorType: e.ActorType, ActorID: e.ActorID, SubjectType: e.SubjectType, SubjectID: e.SubjectID, Identifier: e.Identifier,
			IP: e.IP, UserAgent: e.UserAgent, RequestID: e.RequestID, Details: details})
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"count": count, "page": filter.page, "page_size": filter.pageSize, "results": results})
}
