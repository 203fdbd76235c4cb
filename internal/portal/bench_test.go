package portal_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/storage"
)

// BenchmarkImport measures users/import/ with 1,000 rows without
// passwords per operation, each row created in its own transaction.
func BenchmarkImport(b *testing.B) {
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		b.Run(driver, func(b *testing.B) {
			s := apptest.New(b, driver, nil)
			newUser(b, s, "root@example.com", true, nil)
			c := login(b, s, "root@example.com")
			batch := 0
			for b.Loop() {
				var file strings.Builder
				file.WriteString("email,first_name,last_name,status\n")
				for i := range 1000 {
					fmt.Fprintf(&file, "user%d.%d@example.com,First,Last,Approved\n", batch, i)
				}
				batch++
				resp := c.Post("/superadmin/api/users/import/", apptest.Multipart(nil, apptest.File{Field: "file", Name: "users.csv", Data: []byte(file.String())}))
				if resp.Status != http.StatusOK || resp.Get("created") != float64(1000) {
					b.Fatalf("import answered %d: %.300s", resp.Status, resp.Body)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/1000, "ms/row")
		})
	}
}
