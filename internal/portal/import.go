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
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/passwords"
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
// rows are reported and skipped while good rows stay. Rows are written one
// after another in file order while a worker pool hashes their passwords
// ahead of them.
//
// Once the file is read, the request gets importTimeLimit in place of
// serve's 60 s write timeout. When the client closes the connection or the
// limit passes, the import stops before its next row: the rows created
// until then stay, and no later row is written.
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

	ctx, cancel := h.importContext(w, r)
	defer cancel()
	_, actor := caller(r)
	result, err := h.importRows(ctx, actor, rows, sendInvites)
	h.auditImport(ctx, actor, len(rows), result)
	switch {
	case err == nil:
	case r.Context().Err() != nil:
		h.Logger.WarnContext(ctx, "user import stopped: the client closed the request",
			"rows", len(rows), "created", result.created, "stopped_at_row", result.stoppedAt)
		return
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		// The rows created so far stay, so the answer reports them like
		// any other partial import, with the stop as the last row error.
		h.Logger.WarnContext(ctx, "user import stopped at its time limit",
			"limit", h.importTimeLimit(), "rows", len(rows), "created", result.created, "stopped_at_row", result.stoppedAt)
		result.rowErrors = append(result.rowErrors, fmt.Sprintf("Row %d: "+msgImportTimeLimit, result.stoppedAt, h.importTimeLimit()))
	default:
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{
		"message": fmt.Sprintf("%d users imported successfully", result.created), "created": result.created, "errors": result.rowErrors,
	})
}

// Time limits of one users/import/ request once its file is read. serve's
// 60 s write timeout covers every other route, but 10,000 rows with
// passwords cost about 250 s of CPU time at the default argon2id cost, as
// measured on a 2 vCPU AMD EPYC. That is about 2 minutes on two idle cores
// and 4 on one. importTimeLimit allows 60 ms a row for a full file.
// importResponseTime is the time left after it to write the response that
// reports the stop.
// msgImportTimeLimit ends the errors of an import stopped by
// importTimeLimit. It takes the row number and the limit.
const msgImportTimeLimit = "the import stopped here at its time limit of %s; this row and the rows after it were not imported, so upload them again"

const (
	importTimeLimit    = 10 * time.Minute
	importResponseTime = 30 * time.Second
)

// SetImportTimeLimit replaces importTimeLimit for this server, so that
// tests can reach the limit without a file of minutes.
func (h *Handlers) SetImportTimeLimit(limit time.Duration) {
	h.importLimit.Store(int64(limit))
}

// importTimeLimit returns the time limit of one import.
func (h *Handlers) importTimeLimit() time.Duration {
	if limit := h.importLimit.Load(); limit > 0 {
		return time.Duration(limit)
	}
	return importTimeLimit
}

// importContext moves the write deadline of the connection to
// importTimeLimit plus importResponseTime from now and returns the request
// context, bounded by importTimeLimit. The read deadline needs no change:
// once the body has been read to its end, net/http (Go 1.26) clears it and
// watches for the client closing the connection, which cancels the request
// context. importContext reads what is left of the body first, at most an
// epilogue after the closing boundary, so that this watch is on. The
// deadline is wall-clock time, not h.Now, as sockets use.
func (h *Handlers) importContext(w http.ResponseWriter, r *http.Request) (context.Context, context.CancelFunc) {
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		h.Logger.WarnContext(r.Context(), "user import: reading the rest of the request body failed", "error", err)
	}
	limit := time.Now().Add(h.importTimeLimit())
	if err := http.NewResponseController(w).SetWriteDeadline(limit.Add(importResponseTime)); err != nil {
		h.Logger.WarnContext(r.Context(), "user import: extending the write deadline failed, the server's write timeout applies", "error", err)
	}
	return context.WithDeadline(r.Context(), limit)
}

// auditImport records the portal.import event of an import, also one that
// stopped early, because the rows it created stay.
func (h *Handlers) auditImport(ctx context.Context, actor *outbox.Actor, rows int, result importResult) {
	details := map[string]any{"rows": rows, "created": result.created, "errors": len(result.rowErrors)}
	if result.stoppedAt != 0 {
		details["stopped_at_row"] = result.stoppedAt
	}
	event := audit.Event{Name: "portal.import", Details: details}
	if err := audit.Record(context.WithoutCancel(ctx), h.DB, h.Now(), withActor(event, actor)); err != nil {
		h.Logger.ErrorContext(ctx, "record a user import", "error", err)
	}
}

// importResult is the outcome of importRows.
type importResult struct {
	created   int
	rowErrors []string // "Row <n>: <message>" of each rejected row, in row order
	stoppedAt int      // the row at which an error stopped the import, or 0
}

// plannedRow is a data row after the checks that need no database: the
// account to create, or the message that rejects the row.
type plannedRow struct {
	number  int
	user    *newUser
	message string
	// emailTaken is set when an account had the row's e-mail address
	// before the import wrote any row.
	emailTaken bool
}

// planRows validates rows like users/create/ without the database and
// rejects each repeat of an e-mail address within the file.
func planRows(rows []csvRow, sendInvites bool) []plannedRow {
	planned := make([]plannedRow, len(rows))
	firstRow := map[string]int{}
	for i, row := range rows {
		planned[i].number = row.number
		input, formula := rowInput(row)
		if formula != "" {
			planned[i].message = formula
			continue
		}
		n, problem := readNewUser(input, "send_invite", false)
		if problem != nil {
			planned[i].message = problemMessage(problem)
			continue
		}
		n.sendInvite = sendInvites
		key := model.NormalizeEmail(n.fields.Email)
		if first, seen := firstRow[key]; seen {
			planned[i].message = fmt.Sprintf(msgDuplicateRow, first)
			continue
		}
		firstRow[key] = row.number
		planned[i].user = n
	}
	return planned
}

// importRows creates the accounts of rows in row order, each in its own
// transaction, and reports the rejected rows. An error other than a row's
// validation stops the import before the next row, and so does the end of
// ctx.
//
// NOTE: with AUTHD_PASSWORD_BREACH_CHECK on, each row with a password also
// waits for one range-API request inside its transaction, one row after
// another, which importTimeLimit does not allow for.
func (h *Handlers) importRows(ctx context.Context, actor *outbox.Actor, rows []csvRow, sendInvites bool) (importResult, error) {
	result := importResult{rowErrors: []string{}}
	planned := planRows(rows, sendInvites)
	if err := h.markTakenEmails(ctx, planned); err != nil {
		if len(planned) > 0 {
			result.stoppedAt = planned[0].number
		}
		return result, err
	}
	hashes := h.hashPasswords(ctx, planned)
	defer hashes.stop()

	for i, row := range planned {
		if err := ctx.Err(); err != nil {
			result.stoppedAt = row.number
			return result, fmt.Errorf("import row %d: %w", row.number, err)
		}
		if row.message != "" {
			result.rowErrors = append(result.rowErrors, fmt.Sprintf("Row %d: %s", row.number, row.message))
			continue
		}
		if hashes.results[i] != nil {
			hash, err := hashes.wait(ctx, i)
			switch {
			case err == nil:
				row.user.fields.PasswordHash = hash
			case errors.Is(err, passwords.ErrTooLong):
				// CreateUser handles the row as without a precomputed hash:
				// the policy rejects the password, or it fails the same way.
			default:
				result.stoppedAt = row.number
				return result, fmt.Errorf("import row %d: hash the password: %w", row.number, err)
			}
		}
		// The stop is checked between rows only. A row's transaction runs to
		// its end, because a deadline that fires during the commit can
		// report a failure for a row that was in fact written, and the
		// created count would then be wrong.
		err := h.DB.InTx(context.WithoutCancel(ctx), func(ctx context.Context, tx bun.Tx) error {
			_, err := h.create(ctx, tx, actor, row.user)
			return err
		})
		var rowProblem *httpx.Problem
		switch {
		case errors.As(err, &rowProblem):
			result.rowErrors = append(result.rowErrors, fmt.Sprintf("Row %d: %s", row.number, problemMessage(rowProblem)))
		case err != nil:
			result.stoppedAt = row.number
			return result, fmt.Errorf("import row %d: %w", row.number, err)
		default:
			result.created++
		}
	}
	return result, nil
}

// markTakenEmails sets emailTaken on the rows whose e-mail address an
// account already has, so that their passwords are not hashed: CreateUser
// rejects such a row before it needs the hash. Importing a file again after
// an import stopped partway then costs no hash for the rows already created.
func (h *Handlers) markTakenEmails(ctx context.Context, planned []plannedRow) error {
	rowByEmail := map[string]int{} // planRows has rejected repeated addresses
	var emails []string
	for i, row := range planned {
		if row.user != nil && row.user.fields.Password != "" {
			key := model.NormalizeEmail(row.user.fields.Email)
			rowByEmail[key] = i
			emails = append(emails, key)
		}
	}
	// 500 addresses a query keep each statement small.
	for chunk := range slices.Chunk(emails, 500) {
		var taken []string
		err := h.DB.NewSelect().Model((*model.User)(nil)).Column("email_normalized").
			Where("email_normalized IN (?)", bun.In(chunk)).Scan(ctx, &taken)
		if err != nil {
			return fmt.Errorf("look up the e-mail addresses of the file: %w", err)
		}
		for _, email := range taken {
			planned[rowByEmail[email]].emailTaken = true
		}
	}
	return nil
}

// importHashMemory caps the argon2id memory that the hash workers of one
// import hold at once. A hash holds its whole memory cost until it returns
// (19 MiB at the default 19456 KiB), so the cap allows 13 workers at the
// default cost and 4 at 65536 KiB.
const importHashMemory = 256 << 20

// importHashWorkers returns how many passwords one import hashes at once.
// Argon2id is CPU-bound and runs one goroutine per lane, so more than
// GOMAXPROCS / lanes workers would only wait for a CPU while holding their
// memory. importHashMemory bounds the memory. Sign-ins share the Hasher's
// 2 slots per CPU, so they keep at least half of them during an import
// unless GOMAXPROCS is set above the CPU count.
func importHashWorkers(p passwords.Params) int {
	byCPU := runtime.GOMAXPROCS(0) / int(p.Parallelism)
	byMemory := int(importHashMemory / (int64(p.MemoryKiB) << 10))
	return max(1, min(byCPU, byMemory))
}

// hashPool hashes the passwords of an import ahead of the rows' transactions.
type hashPool struct {
	// results has one channel for each planned row with a password, which
	// receives the row's hash or error once, and nil for the other rows.
	results []chan hashResult
	cancel  context.CancelFunc
	workers sync.WaitGroup
}

// hashResult is the outcome of hashing one row's password.
type hashResult struct {
	hash string
	err  error
}

// hashPasswords starts importHashWorkers goroutines that hash the passwords
// of planned in row order, so the rows are hashed in the order importRows
// writes them.
func (h *Handlers) hashPasswords(ctx context.Context, planned []plannedRow) *hashPool {
	ctx, cancel := context.WithCancel(ctx)
	pool := &hashPool{results: make([]chan hashResult, len(planned)), cancel: cancel}
	queue := make(chan int, len(planned))
	for i, row := range planned {
		if row.user != nil && row.user.fields.Password != "" && !row.emailTaken {
			pool.results[i] = make(chan hashResult, 1)
			queue <- i
		}
	}
	close(queue)

	for range importHashWorkers(h.Hasher.Params()) {
		pool.workers.Go(func() {
			for i := range queue {
				if ctx.Err() != nil {
					return
				}
				hash, err := h.Hasher.Hash(ctx, planned[i].user.fields.Password)
				pool.results[i] <- hashResult{hash: hash, err: err}
			}
		})
	}
	return pool
}

// wait returns the hash of planned row i, or ctx's error when ctx ends
// first.
func (p *hashPool) wait(ctx context.Context, i int) (string, error) {
	select {
	case result := <-p.results[i]:
		return result.hash, result.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// stop cancels the hashes not yet started and waits for the workers to
// return. A hash in progress runs to its end, because argon2 cannot be
// interrupted.
func (p *hashPool) stop() {
	p.cancel()
	p.workers.Wait()
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
