package portal

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
)

// Limits of users/import/. The request body limit of multipart uploads
// (5 MiB) bounds the file size.
const maxImportRows = 10000

// importColumns are the columns users/import/ reads; others are ignored.
var importColumns = []string{"email", "username", "password", "first_name", "middle_name", "last_name", "suffix",
	"phone_number", "department", "status", "is_active", "is_staff"}

// formulaChecked are the text columns whose cells may not start like a
// spreadsheet formula. Phone numbers start with + and passwords may start
// with anything.
var formulaChecked = []string{"email", "username", "first_name", "middle_name", "last_name", "suffix", "department", "status"}

// Import errors returned before any row is read.
const (
	MsgNotUTF8      = "File must be UTF-8 encoded text"
	MsgEmptyCSV     = "The CSV file is empty"
	MsgNoEmail      = "The CSV header must contain an email column"
	MsgTooManyRows  = "The CSV file has more than 10000 rows"
	msgInvalidCSV   = "The file is not valid CSV: %s"
	msgFormulaCell  = "%s must not start with =, +, - or @"
	msgDuplicateRow = "Email appears more than once in the file (first on row %d)"
)

// csvRow is one data record of an import: its row number as a spreadsheet
// shows it (the header is row 1) and its cells by column.
type csvRow struct {
	number int
	cells  map[string]string
}

// readCSV validates and parses an uploaded file into its data rows.
func readCSV(data []byte) ([]csvRow, *httpx.Problem) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // the byte order mark spreadsheet programs write
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return nil, badRequest(MsgNotUTF8)
	}

	reader := csv.NewReader(bytes.NewReader(data))
	reader.FieldsPerRecord = -1
	header, err := reader.Read()
	if errors.Is(err, io.EOF) {
		return nil, badRequest(MsgEmptyCSV)
	}
	if err != nil {
		return nil, badRequest(fmt.Sprintf(msgInvalidCSV, err))
	}

	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(header[i]))
	}
	if !slices.Contains(header, "email") {
		return nil, badRequest(MsgNoEmail)
	}

	var rows []csvRow
	for number := 2; ; number++ {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badRequest(fmt.Sprintf(msgInvalidCSV, err))
		}
		if len(rows) == maxImportRows {
			return nil, badRequest(MsgTooManyRows)
		}
		row := csvRow{number: number, cells: map[string]string{}}
		for i, value := range record {
			if i < len(header) && slices.Contains(importColumns, header[i]) {
				row.cells[header[i]] = value
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// rowInput turns a row into request input: empty cells are absent, and an
// apostrophe that an export put before a formula character is removed.
// It returns a message for a cell that still looks like a formula.
func rowInput(row csvRow) (*httpx.Input, string) {
	values := map[string]any{}
	for column, value := range row.cells {
		value = strings.TrimSpace(value)
		if len(value) > 1 && value[0] == '\'' && strings.ContainsRune(formulaPrefixes, rune(value[1])) {
			value = value[1:]
		} else if value != "" && slices.Contains(formulaChecked, column) && strings.ContainsRune(formulaPrefixes, rune(value[0])) {
			return nil, fmt.Sprintf(msgFormulaCell, column)
		}
		if value != "" {
			values[column] = value
		}
	}
	return httpx.NewInput(values), ""
}

// ImportUsers serves POST /superadmin/api/users/import/: every row is
// validated like users/create/ and created in its own transaction, so bad
// rows are reported and skipped while good rows stay.
//
// NOTE: rows run one after another, about 1 ms (SQLite) to 2 ms
// (PostgreSQL) each without a password (BenchmarkImport), plus one argon2id
// hash per password. 10,000 rows with passwords can outlast serve's 60 s
// write timeout: the import still completes, but the client loses the
// response.
func (h *Handlers) ImportUsers(w http.ResponseWriter, r *http.Request) {
	in, problem := decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	file := in.File("file")
	if file == nil {
		httpx.WriteProblem(w, badRequest(MsgNoFile))
		return
	}
	if !strings.HasSuffix(strings.ToLower(file.Filename), ".csv") {
		httpx.WriteProblem(w, badRequest(MsgNotCSV))
		return
	}

	sendInvites, _ := httpx.NewFields(in).Bool("send_invites")
	data, err := readUpload(file)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	rows, problem := readCSV(data)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}

	_, actor := caller(r)
	created, rowErrors, err := h.importRows(r.Context(), actor, rows, sendInvites)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}

	event := audit.Event{Name: "portal.import", Details: map[string]any{"rows": len(rows), "created": created, "errors": len(rowErrors)}}
	if err := audit.Record(r.Context(), h.DB, h.Now(), withActor(event, actor)); err != nil {
		h.Logger.ErrorContext(r.Context(), "record a user import", "error", err)
	}
	httpx.JSON(w, http.StatusOK, map[string]any{
		"message": fmt.Sprintf("%d users imported successfully", created), "created": created, "errors": rowErrors,
	})
}

// importRows creates the accounts of rows and returns how many it created
// and the message of each rejected row. An error other than a row's
// validation stops the import.
func (h *Handlers) importRows(ctx context.Context, actor *outbox.Actor, rows []csvRow, sendInvites bool) (int, []string, error) {
	created := 0
	rowErrors := []string{}
	firstRow := map[string]int{}
	for _, row := range rows {
		input, formula := rowInput(row)
		if formula != "" {
			rowErrors = append(rowErrors, fmt.Sprintf("Row %d: %s", row.number, formula))
			continue
		}
		n, problem := readNewUser(input, "send_invite", false)
		if problem != nil {
			rowErrors = append(rowErrors, fmt.Sprintf("Row %d: %s", row.number, problemMessage(problem)))
			continue
		}
		n.sendInvite = sendInvites
		key := model.NormalizeEmail(n.fields.Email)
		if first, seen := firstRow[key]; seen {
			rowErrors = append(rowErrors, fmt.Sprintf("Row %d: "+msgDuplicateRow, row.number, first))
			continue
		}
		firstRow[key] = row.number
		err := h.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := h.create(ctx, tx, actor, n)
			return err
		})
		var rowProblem *httpx.Problem
		switch {
		case errors.As(err, &rowProblem):
			rowErrors = append(rowErrors, fmt.Sprintf("Row %d: %s", row.number, problemMessage(rowProblem)))
		case err != nil:
			return created, rowErrors, fmt.Errorf("import row %d: %w", row.number, err)
		default:
			created++
		}
	}
	return created, rowErrors, nil
}

// problemMessage returns the message of a portal problem body.
func problemMessage(p *httpx.Problem) string {
	if body, ok := p.Body.(map[string]any); ok {
		if message, ok := body["error"].(string); ok {
			return message
		}
		if detail, ok := body["detail"].(string); ok {
			return detail
		}
	}
	return "Invalid row"
}

// readUpload reads an uploaded file, which the body limit already bounds.
func readUpload(file *multipart.FileHeader) ([]byte, error) {
	f, err := file.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
