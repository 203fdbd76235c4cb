package identity

import (
	"context"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

func TestNormalizePhone(t *testing.T) {
	cases := map[string]string{
		"+15551234567":    "+15551234567",
		"09171234567":     "+639171234567",
		"0917-123-4567":   "+639171234567",
		"+63 917 1234567": "+639171234567",
	}
	for in, want := range cases {
		if got, ok := NormalizePhone(in); !ok || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "12345", "+1555", "0817123456", "abc", "+1555123456789012345", "091712345678"} {
		if got, ok := NormalizePhone(bad); ok {
			t.Errorf("NormalizePhone(%q) = %q, want rejected", bad, got)
		}
	}
}

func TestValidUsername(t *testing.T) {
	for _, good := range []string{"a", "john.doe", "x@y+z-w_v", "José"} {
		if !ValidUsername(good) {
			t.Errorf("%q rejected", good)
		}
	}
	for _, bad := range []string{"", "has space", "semi;colon", string(make([]byte, 151))} {
		if ValidUsername(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCompanyIDFormat(t *testing.T) {
	if FormatCompanyID(1) != "MA0001" || FormatCompanyID(12345) != "MA12345" {
		t.Error("FormatCompanyID pads wrongly")
	}
	if n, ok := CompanyNumber("MA0042"); !ok || n != 42 {
		t.Errorf("CompanyNumber(MA0042) = %d, %v", n, ok)
	}
	if _, ok := CompanyNumber("MB0042"); ok {
		t.Error("CompanyNumber accepted MB0042")
	}
}

func TestNextCompanyIDSpansBothTables(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		_, err := db.ExecContext(ctx, `INSERT INTO employees (email, email_normalized, password, company_id, company_number, created_at, updated_at) VALUES ('e@x.com', 'e@x.com', '!', 'MA0041', 41, ?, ?)`, storagetest.Epoch, storagetest.Epoch)
		if err != nil {
			t.Fatal(err)
		}
		id, n, err := NextCompanyID(ctx, db)
		if err != nil || id != "MA0042" || n != 42 {
			t.Errorf("NextCompanyID = %q, %d, %v; want MA0042", id, n, err)
		}
	})
}

func TestNextCompanyIDConcurrentWritersDiffer(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 10)
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
					id, n, err := NextCompanyID(ctx, tx)
					if err != nil {
						return err
					}
					_, err = tx.ExecContext(ctx, `INSERT INTO users (email, email_normalized, password, company_id, company_number, date_joined, updated_at) VALUES (?, ?, '!', ?, ?, ?, ?)`,
						id+"@x.com", id+"@x.com", id, n, storagetest.Epoch, storagetest.Epoch)
					return err
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent company id: %v", err)
			}
		}
		var distinct int
		if err := db.QueryRow("SELECT COUNT(DISTINCT company_id) FROM users").Scan(&distinct); err != nil || distinct != 10 {
			t.Errorf("distinct company ids = %d (%v), want 10", distinct, err)
		}
	})
}
