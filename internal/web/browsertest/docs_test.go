package browsertest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/storage"
)

// maxOperationHeight is the tallest an opened operation may be, in CSS
// pixels. Schemas rendered as raw JSON made one operation 9,300 px tall.
const maxOperationHeight = 3000

// openOperation is a script that opens the operation whose path and
// method start its search text, and returns that element.
func openOperation(method, path string) string {
	return `(() => {
		const op = [...document.querySelectorAll("details.op")].find(d => d.dataset.search.startsWith("` + method + " " + path + ` "));
		if (op) op.open = true;
		return op;
	})()`
}

func TestAPIDocsShowRequestBodies(t *testing.T) {
	s := apptest.New(t, storage.SQLite, nil)
	b := Start(t, s)
	b.Open("/api/docs/")
	b.WaitFor("the operations", `document.querySelectorAll("details.op").length > 100`)

	// The sign-in operation's body is a shared component referenced with
	// $ref, so the page must resolve it and list the credential fields with
	// their types.
	body := Eval[string](b, `(() => {
		const op = `+openOperation("post", "/api/v1/users/login/api/")+`;
		return op ? op.querySelector(".body").innerText : "";
	})()`)
	b.Shot("login-operation")
	for _, want := range []string{"Request body", "Credentials", "email", "password", "remember_me", "boolean", "required"} {
		if !strings.Contains(body, want) {
			t.Errorf("the sign-in operation lacks %q; its text: %.600s", want, body)
		}
	}
	if strings.Contains(body, `"properties"`) {
		t.Errorf("the sign-in operation shows raw JSON Schema: %.600s", body)
	}

	// A property name and its type are separate elements of one row.
	row := Eval[string](b, `(() => {
		const op = `+openOperation("post", "/api/v1/users/login/api/")+`;
		const name = [...op.querySelectorAll(".prop .name")].find(n => n.textContent === "remember_me");
		return name ? name.parentElement.querySelector(".type").textContent : "";
	})()`)
	if row != "boolean" {
		t.Errorf("remember_me has type %q, want boolean", row)
	}

	// Nested objects (the signed-in user, the redirect) start collapsed.
	openNested := Eval[int](b, openOperation("post", "/api/v1/users/login/api/")+`.querySelectorAll("details.nested[open]").length`)
	if openNested != 0 {
		t.Errorf("%d nested objects of the sign-in operation start open, want 0", openNested)
	}

	height := Eval[float64](b, openOperation("post", "/api/v1/users/login/api/")+`.getBoundingClientRect().height`)
	if height <= 0 || height > maxOperationHeight {
		t.Errorf("the opened sign-in operation is %.0f px tall, want at most %d", height, maxOperationHeight)
	}
}

func TestAPIDocsOperationsStayCompact(t *testing.T) {
	s := apptest.New(t, storage.SQLite, nil)
	b := Start(t, s)
	b.Open("/api/docs/")
	b.WaitFor("the operations", `document.querySelectorAll("details.op").length > 100`)

	// Every operation opened with its default view (success responses open,
	// nested objects collapsed) stays short enough to read.
	tallest := Eval[map[string]any](b, `(() => {
		let tallest = {search: "", height: 0};
		for (const op of document.querySelectorAll("details.op")) {
			op.open = true;
			const height = op.getBoundingClientRect().height;
			if (height > tallest.height) tallest = {search: op.dataset.search, height: height};
			op.open = false;
		}
		return tallest;
	})()`)
	height, _ := tallest["height"].(float64)
	t.Logf("tallest opened operation: %q, %.0f px", tallest["search"], height)
	if height > maxOperationHeight {
		t.Errorf("operation %q is %.0f px tall when opened, want at most %d", tallest["search"], height, maxOperationHeight)
	}
}

func TestAPIDocsTagsFollowDocumentOrder(t *testing.T) {
	s := apptest.New(t, storage.SQLite, nil)
	b := Start(t, s)
	b.Open("/api/docs/")
	b.WaitFor("the operations", `document.querySelectorAll("details.op").length > 100`)

	headings := Eval[[]string](b, `[...document.querySelectorAll("section.tag > h2")].map(h => h.textContent)`)
	if len(headings) == 0 {
		t.Fatal("the page shows no tag headings")
	}
	// api/openapi.yaml lists its tags starting with sign-in, tokens, profile.
	for i, want := range []string{"sign-in", "tokens", "profile"} {
		if i >= len(headings) || headings[i] != want {
			t.Errorf("heading %d is %q, want %q; headings: %v", i, headings[min(i, len(headings)-1)], want, headings)
		}
	}
	b.Shot("docs-page")
}

func TestAPIDocsFilterHidesEmptyTags(t *testing.T) {
	s := apptest.New(t, storage.SQLite, nil)
	b := Start(t, s)
	b.Open("/api/docs/")
	b.WaitFor("the operations", `document.querySelectorAll("details.op").length > 100`)

	b.Type("#filter", "token/refresh")
	visibleTags := Eval[[]string](b, `[...document.querySelectorAll("section.tag")].filter(s => !s.hidden && s.offsetHeight > 0).map(s => s.dataset.tag)`)
	if len(visibleTags) == 0 {
		t.Fatal("the filter token/refresh leaves no tag visible")
	}
	for _, tag := range visibleTags {
		shown := Eval[int](b, `[...document.querySelector('section.tag[data-tag="`+tag+`"]').querySelectorAll("details.op")].filter(d => !d.hidden).length`)
		if shown == 0 {
			t.Errorf("tag %q stays visible with no operation matching the filter", tag)
		}
	}
	if Eval[bool](b, `!document.querySelector('section.tag[data-tag="administration"]') || !document.querySelector('section.tag[data-tag="administration"]').hidden`) {
		t.Error("the administration heading stays visible for the filter token/refresh")
	}
	b.Shot("filtered")

	b.Type("#filter", "no-such-operation-anywhere")
	if Eval[bool](b, `document.querySelector(".no-match").hidden`) {
		t.Error("a filter matching nothing shows no message")
	}
	// Type cannot clear a field with an input event, so the script does.
	Eval[bool](b, `(() => { const f = document.querySelector("#filter"); f.value = ""; return f.dispatchEvent(new Event("input")); })()`)
	if hidden := Eval[int](b, `[...document.querySelectorAll("section.tag")].filter(s => s.hidden).length`); hidden != 0 {
		t.Errorf("%d tags stay hidden after the filter is cleared", hidden)
	}
}

func TestAPIDocsFavicon(t *testing.T) {
	s := apptest.New(t, storage.SQLite, nil)
	b := Start(t, s)
	b.Open("/api/docs/")

	icon := Eval[string](b, `document.querySelector('link[rel="icon"]')?.getAttribute("href") ?? ""`)
	if icon != "/favicon.ico" {
		t.Errorf("the page's icon link is %q, want /favicon.ico", icon)
	}

	res, err := http.Get(s.URL + "/favicon.ico")
	if err != nil {
		t.Fatalf("GET /favicon.ico: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /favicon.ico returned %d, want 200", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "image/") {
		t.Errorf("GET /favicon.ico has Content-Type %q, want an image type", ct)
	}
}
