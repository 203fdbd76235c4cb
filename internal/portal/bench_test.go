package portal_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/storage"
)

// BenchmarkImport measures users/import/ per row, each row created in its
// own transaction. Without passwords an operation imports 1,000 rows. With
// passwords it imports 200 rows, each hashed at the default argon2id cost
// (19456 KiB, 2 iterations, 1 lane), which dominates the time of a row. An
// operation must stay within the 30 s timeout of the apptest client.
func BenchmarkImport(b *testing.B) {
	defaultArgon2 := map[string]string{"AUTHD_ARGON2_MEMORY_KIB": "19456", "AUTHD_ARGON2_ITERATIONS": "2"}
	variants := []struct {
		name     string
		rows     int
		password string
		env      map[string]string
	}{
		{name: "no-password", rows: 1000},
		{name: "password", rows: 200, password: "Quiet-Meadow-Falcon-7", env: defaultArgon2},
	}
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		for _, variant := range variants {
			b.Run(driver+"/"+variant.name, func(b *testing.B) {
				s := apptest.New(b, driver, variant.env)
				newUser(b, s, "root@example.com", true, nil)
				c := login(b, s, "root@example.com")
				batch := 0
				for b.Loop() {
					var file strings.Builder
					file.WriteString("email,password,first_name,last_name,status\n")
					for i := range variant.rows {
						fmt.Fprintf(&file, "user%d.%d@example.com,%s,First,Last,Approved\n", batch, i, variant.password)
					}
					batch++
					resp := c.Post("/superadmin/api/users/import/", apptest.Multipart(nil, apptest.File{Field: "file", Name: "users.csv", Data: []byte(file.String())}))
					if resp.Status != http.StatusOK || resp.Get("created") != float64(variant.rows) {
						b.Fatalf("import returned %d: %.300s", resp.Status, resp.Body)
					}
				}
				rows := float64(b.N * variant.rows)
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/rows, "ms/row")
				b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
