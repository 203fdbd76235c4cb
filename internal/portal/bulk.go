package portal

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
)

// maxBulkUsers bounds the ids of one bulk request, which runs in one
// transaction.
const maxBulkUsers = 1000

// bulkActions maps each bulk action to the verb of its message.
var bulkActions = map[string]string{
	"activate": "activated", "deactivate": "deactivated", "approve": "approved", "reject": "rejected",
	"unlock": "unlocked", "lock": "locked", "delete": "deleted",
}

// editOf returns the Edit of a bulk action other than delete.
func editOf(action string) Edit {
	yes, no := true, false
	approved, rejected := model.StatusApproved, model.StatusRejected
	switch action {
	case "activate":
		return Edit{IsActive: &yes}
	case "deactivate":
		return Edit{IsActive: &no}
	case "approve":
		return Edit{Status: &approved}
	case "reject":
		return Edit{Status: &rejected}
	case "lock":
		return Edit{Lock: &yes}
	}
	return Edit{Lock: &no}
}

// readUserIDs reads user_ids: a JSON list of integers (or numeric
// strings), a repeated form field, or one comma-separated form value.
func readUserIDs(in *httpx.Input) ([]int64, *httpx.Problem) {
	raw, ok := in.Raw("user_ids")
	if !ok || raw == nil {
		return nil, nil
	}
	var items []any
	switch v := raw.(type) {
	case []any:
		items = v
	case string:
		if !in.IsForm() {
			return nil, badRequest("user_ids must be a list of integers")
		}
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				items = append(items, part)
			}
		}
	default:
		return nil, badRequest("user_ids must be a list of integers")
	}
	if len(items) > maxBulkUsers {
		return nil, badRequest(fmt.Sprintf("At most %d users can be changed at once", maxBulkUsers))
	}
	var ids []int64
	for _, item := range items {
		id, ok := httpx.AsInt(item)
		if !ok || id < 1 {
			return nil, badRequest("user_ids must be a list of integers")
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Bulk serves POST /superadmin/api/users/bulk/: one action on many users
// in one transaction. The caller's own id is removed and unknown ids are
// skipped, so count is the number of users the action reached.
func (h *Handlers) Bulk(w http.ResponseWriter, r *http.Request) {
	in, problem := decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}

	action, _ := httpx.NewFields(in).String("action", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32})
	if action == "" {
		httpx.WriteProblem(w, badRequest(MsgActionRequired))
		return
	}
	ids, problem := readUserIDs(in)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	if len(ids) == 0 {
		httpx.WriteProblem(w, badRequest(MsgNoUsersSelected))
		return
	}
	verb, known := bulkActions[action]
	if !known {
		httpx.WriteProblem(w, badRequest(MsgInvalidAction))
		return
	}

	me, actor := caller(r)
	if me != nil {
		ids = slices.DeleteFunc(ids, func(id int64) bool { return id == me.ID })
	}
	var reached []*model.User
	var pictures []string
	err := h.DB.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		reached, pictures = nil, nil
		var users []model.User
		if len(ids) > 0 {
			if err := tx.NewSelect().Model(&users).Where("id IN (?)", bun.In(ids)).OrderExpr("id").Scan(ctx); err != nil {
				return err
			}
		}

		for i := range users {
			u := &users[i]
			if action == "delete" {
				picture, err := h.users.Delete(ctx, tx, actor, u)
				if err != nil {
					return err
				}
				pictures = append(pictures, picture)
			} else if _, err := h.users.Apply(ctx, tx, actor, u, editOf(action)); err != nil {
				return err
			}
			reached = append(reached, u)
		}

		affected := make([]int64, len(reached))
		for i, u := range reached {
			affected[i] = u.ID
		}
		event := audit.Event{Name: "portal.bulk_action", Details: map[string]any{"action": action, "count": len(reached), "user_ids": affected}}
		return audit.Record(ctx, tx, h.Now(), withActor(event, actor))
	})
	if err != nil {
		writeError(w, r, err)
		return
	}

	for _, picture := range pictures {
		h.users.DeletePicture(picture)
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": fmt.Sprintf("%d users %s", len(reached), verb), "count": len(reached)})
}
