package browsertest

import (
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/storage"
)

func TestAPIDocsShowRequestBodies(t *testing.T) {
	s := apptest.New(t, storage.SQLite, nil)
	b := Start(t, s)
	b.Open("/api/docs/")
	b.WaitFor("the operations", `document.querySelectorAll("details.op").length > 100`)
	// The sign-in operation's body is a shared component referenced with
	// $ref; the page must resolve it and list the credential fields.
	body := Eval[string](b, `(() => {
		const op = [...document.querySelectorAll("details.op")].find(d => d.dataset.search.startsWith("/api/v1/users/login/api/ "));
		if (!op) return "";
		op.open = true;
		return op.querySelector(".body").textContent;
	})()`)
	b.Shot("login-operation")
	for _, want := range []string{"Request body", `"email"`, `"password"`, `"remember_me"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the sign-in operation lacks %s; its text: %.400s", want, body)
		}
	}
}
