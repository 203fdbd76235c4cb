package portal

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
)

// exportColumns are the columns of users/export/, in order.
var exportColumns = []string{"id", "email", "username", "first_name", "middle_name", "last_name", "suffix",
	"phone_number", "company_id", "department", "status", "is_active", "is_staff", "is_superuser", "is_locked",
	"otp_enabled", "date_joined", "last_login"}

// exportBatch is the number of users read per query while streaming.
const exportBatch = 500

// formulaPrefixes start the cells a spreadsheet would run as a formula.
const formulaPrefixes = "=+-@"

// safeCell prefixes a cell that a spreadsheet would read as a formula with
// an apostrophe, so opening the export runs nothing.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune(formulaPrefixes, rune(s[0])) {
		return "'" + s
	}
	return s
}

func textCell(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func boolCell(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func timeCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return httpx.PythonTimestamp(*t)
}

// ExportUsers serves GET /superadmin/api/users/export/: every user as a CSV
// attachment, streamed in batches ordered by id.
func (h *Handlers) ExportUsers(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := h.Now().UTC()
	var first []model.User
	if err := h.DB.NewSelect().Model(&first).OrderExpr("id").Limit(exportBatch).Scan(ctx); err != nil {
		httpx.ServerError(w, r, err)
		return
	}

	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="users_export_`+now.Format("20060102_150405")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")

	out := csv.NewWriter(w)
	out.Write(exportColumns)
	count := 0
	for batch := first; len(batch) > 0; {
		if err := h.writeRows(r, out, batch, now); err != nil {
			h.Logger.ErrorContext(ctx, "export users", "error", err, "rows_written", count)
			return
		}
		count += len(batch)
		if len(batch) < exportBatch {
			break
		}
		last := batch[len(batch)-1].ID
		batch = nil
		if err := h.DB.NewSelect().Model(&batch).Where("id > ?", last).OrderExpr("id").Limit(exportBatch).Scan(ctx); err != nil {
			h.Logger.ErrorContext(ctx, "export users", "error", err, "rows_written", count)
			return
		}
	}
	out.Flush()

	_, actor := caller(r)
	event := audit.Event{Name: "portal.export", Details: map[string]any{"count": count}}
	if err := audit.Record(ctx, h.DB, h.Now(), withActor(event, actor)); err != nil {
		h.Logger.ErrorContext(ctx, "record a user export", "error", err)
	}
}

func (h *Handlers) writeRows(r *http.Request, out *csv.Writer, users []model.User, now time.Time) error {
	ids := make([]int64, len(users))
	for i := range users {
		ids[i] = users[i].ID
	}
	totp, err := totpUsers(r.Context(), h.DB, ids)
	if err != nil {
		return err
	}
	for i := range users {
		u := &users[i]
		row := []string{
			strconv.FormatInt(u.ID, 10), u.Email, textCell(u.Username), u.FirstName, textCell(u.MiddleName), u.LastName,
			textCell(u.Suffix), textCell(u.PhoneNumber), textCell(u.CompanyID), textCell(u.Department), u.Status,
			boolCell(u.IsActive), boolCell(u.IsStaff), boolCell(u.IsSuperuser), boolCell(lockedAt(u, now)),
			boolCell(u.OTPEnabled || totp[u.ID]), timeCell(&u.DateJoined), timeCell(u.LastLogin),
		}
		for j := range row {
			row[j] = safeCell(row[j])
		}
		if err := out.Write(row); err != nil {
			return err
		}
	}
	out.Flush()
	return out.Error()
}
