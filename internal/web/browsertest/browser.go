// Package browsertest drives authd's pages in headless Chromium with
// chromedp, against a real authd started by apptest, and writes a screenshot
// of every step as a test artifact.
//
// Chromium is found through AUTHD_TEST_CHROMIUM (usually /usr/bin/chromium);
// without it the tests skip, or fail under CI=true. Screenshots go to
// $AUTHD_TEST_ARTIFACTS/browser/<test>/, else to test-artifacts/browser/<test>/
// at the module root (ignored by git).
package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/testenv"
)

// stepTimeout bounds one browser step, so a missing element fails the test
// with its selector instead of hanging until the test binary's deadline.
const stepTimeout = 45 * time.Second

// toastRecorder runs in every document the browser opens and reports each
// toast to the test through the __authdToast binding. A test thus finds a
// toast even when its page navigated away before the next poll.
const toastRecorder = `new MutationObserver(records => {
	for (const record of records) {
		for (const node of record.addedNodes) {
			if (node.classList && node.classList.contains("toast") && window.__authdToast) {
				window.__authdToast(node.className + "|" + node.textContent);
			}
		}
	}
}).observe(document, {childList: true, subtree: true});`

// Browser is one headless Chromium with a fresh profile, pointed at a test
// server.
type Browser struct {
	T      *testing.T
	Server *apptest.Server
	ctx    context.Context
	shots  string // the test's artifact folder
	label  string // prefix of this browser's screenshot files
	step   int

	mu       sync.Mutex
	problems []string // server errors, script exceptions and CSP violations seen by the listener
	toasts   []string // "<class names>|<text>" of every toast shown, oldest first
}

// Start launches Chromium for the test. The browser stops when the test
// ends; any 5xx response, uncaught script exception or Content-Security-Policy
// violation seen meanwhile fails the test.
func Start(t *testing.T, s *apptest.Server) *Browser {
	t.Helper()
	return StartAs(t, s, "browser")
}

// StartAs is Start for tests with several browsers (several people): label
// prefixes this browser's screenshot files.
func StartAs(t *testing.T, s *apptest.Server, label string) *Browser {
	t.Helper()
	path := testenv.Require(t, testenv.Chromium, "Chromium")
	b := &Browser{T: t, Server: s, shots: artifactDir(t, label), label: label}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithListener(b.listen))
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium at %s: %v", path, err)
	}
	if _, err := chromedp.Call(ctx, runtime.AddBinding, runtime.AddBindingParams{Name: "__authdToast"}); err != nil {
		t.Fatalf("add the toast binding: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: toastRecorder}); err != nil {
		t.Fatalf("install the toast recorder: %v", err)
	}

	b.ctx = ctx
	t.Cleanup(b.checkProblems)
	return b
}

// listen runs on the tab's event loop: it must return fast and run no
// command.
func (b *Browser) listen(ev any) {
	switch ev := ev.(type) {
	case *network.EventResponseReceived:
		if ev.Response.Status >= 500 {
			b.problem(fmt.Sprintf("%s answered %d: a 5xx in a test is a bug", ev.Response.URL, ev.Response.Status))
		}
		if ev.Response.Status == 404 && strings.Contains(ev.Response.URL, "/static/") {
			b.problem(fmt.Sprintf("missing static asset %s", ev.Response.URL))
		}
	case *runtime.EventExceptionThrown:
		text := ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil && ev.ExceptionDetails.Exception.Description != "" {
			text = ev.ExceptionDetails.Exception.Description
		}
		b.problem("uncaught script exception: " + text)
	case *runtime.EventBindingCalled:
		if ev.Name == "__authdToast" {
			b.mu.Lock()
			b.toasts = append(b.toasts, ev.Payload)
			b.mu.Unlock()
		}
	case *log.EventEntryAdded:
		if strings.Contains(ev.Entry.Text, "Content Security Policy") {
			b.problem("CSP violation: " + ev.Entry.Text)
		}
	}
}

func (b *Browser) problem(text string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, text)
}

func (b *Browser) checkProblems() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.T.Error(p)
	}
}

// artifactDir returns the screenshot folder of a test, without the files
// an earlier run left for the same browser label.
func artifactDir(t *testing.T, label string) string {
	root := os.Getenv("AUTHD_TEST_ARTIFACTS")
	if root == "" {
		root = filepath.Join(moduleRoot(), "test-artifacts")
	}
	name := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_")
	dir := filepath.Join(root, "browser", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create artifact folder: %v", err)
	}
	stale, _ := filepath.Glob(filepath.Join(dir, label+"-*.png"))
	for _, f := range stale {
		os.Remove(f)
	}
	return dir
}

func moduleRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// Do runs actions with the step timeout and fails the test on error.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.Shot("failed-" + what)
		b.T.Fatalf("%s: %v (at %s)", what, err, b.Location())
	}
}

// Run runs one action that returns a value.
func Run[T any](b *Browser, what string, action chromedp.Action[T]) T {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		b.Shot("failed-" + what)
		b.T.Fatalf("%s: %v (at %s)", what, err, b.Location())
	}
	return v
}

// Eval evaluates a script expression in the page.
func Eval[T any](b *Browser, expression string) T {
	b.T.Helper()
	return Run(b, "evaluate "+expression, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
}

// Open navigates to a path of the test server and waits for the load.
func (b *Browser) Open(path string) {
	b.T.Helper()
	b.Do("open "+path, chromedp.Navigate(b.Server.URL+path))
}

// Location returns the current URL, or "" when it cannot be read.
func (b *Browser) Location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// Path returns the current URL without the test server's origin.
func (b *Browser) Path() string { return strings.TrimPrefix(b.Location(), b.Server.URL) }

// WaitVisible waits until an element matching a CSS selector is shown.
func (b *Browser) WaitVisible(selector string) {
	b.T.Helper()
	b.Do("wait for "+selector, chromedp.WaitVisible(chromedp.CSS(selector)))
}

// WaitHidden waits until an element matching a CSS selector is hidden.
func (b *Browser) WaitHidden(selector string) {
	b.T.Helper()
	b.Do("wait for "+selector+" to hide", chromedp.WaitNotVisible(chromedp.CSS(selector)))
}

// Type clears a field and types text. The field is cleared through its
// value property: chromedp.Clear resets only the value attribute, which no
// longer shows once someone has typed into the field.
func (b *Browser) Type(selector, text string) {
	b.T.Helper()
	b.Do("type into "+selector, chromedp.WaitVisible(chromedp.CSS(selector)), chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ""`, selector)),
		chromedp.SendKeys(chromedp.CSS(selector), text))
}

// Click clicks the element matching a CSS selector.
func (b *Browser) Click(selector string) {
	b.T.Helper()
	b.Do("click "+selector, chromedp.WaitVisible(chromedp.CSS(selector)), chromedp.Click(chromedp.CSS(selector)))
}

// Text returns the visible text of the first element matching a selector.
func (b *Browser) Text(selector string) string {
	b.T.Helper()
	return Run(b, "read text of "+selector, chromedp.Text(chromedp.CSS(selector)))
}

// Title returns the document title.
func (b *Browser) Title() string {
	b.T.Helper()
	return Run(b, "read the title", chromedp.Title())
}

// WaitFor polls a boolean script expression until it is true.
func (b *Browser) WaitFor(what, expression string) {
	b.T.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expression))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.Shot("timeout-" + what)
			b.T.Fatalf("timed out waiting for %s (%s) at %s; last error: %v", what, expression, b.Location(), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitPath waits until the browser shows a URL that starts with prefix (a
// path of the test server, or an absolute URL).
func (b *Browser) WaitPath(prefix string) {
	b.T.Helper()
	if strings.HasPrefix(prefix, "/") {
		prefix = b.Server.URL + prefix
	}
	b.WaitFor("location "+prefix, fmt.Sprintf("window.location.href.startsWith(%q)", prefix))
}

// WaitToast waits for a toast of a kind (success, error, warning, info) whose
// text contains want, and consumes it, so a later wait for the same text
// needs a new toast.
func (b *Browser) WaitToast(kind, want string) {
	b.T.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		if b.takeToast(kind, want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Shot("timeout-" + kind + "-toast")
	b.mu.Lock()
	seen := strings.Join(b.toasts, "; ")
	b.mu.Unlock()
	b.T.Fatalf("timed out waiting for a %s toast containing %q at %s; unclaimed toasts: %s", kind, want, b.Location(), seen)
}

func (b *Browser) takeToast(kind, want string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, entry := range b.toasts {
		classes, text, _ := strings.Cut(entry, "|")
		if strings.Contains(" "+classes+" ", " toast ") && strings.Contains(" "+classes+" ", " "+kind+" ") && strings.Contains(text, want) {
			b.toasts = append(b.toasts[:i], b.toasts[i+1:]...)
			return true
		}
	}
	return false
}

// Shot writes a full-page screenshot named after the step.
func (b *Browser) Shot(name string) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	data, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.T.Logf("screenshot %s: %v", name, err)
		return
	}
	b.step++
	file := filepath.Join(b.shots, fmt.Sprintf("%s-%02d-%s.png", b.label, b.step, regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(name, "-")))
	if err := os.WriteFile(file, data, 0o644); err != nil {
		b.T.Logf("write screenshot: %v", err)
	}
}

// Cookies returns the browser's cookies for the test server by name.
func (b *Browser) Cookies() map[string]*network.Cookie {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.Server.URL}})
	if err != nil {
		b.T.Fatalf("read cookies: %v", err)
	}
	out := map[string]*network.Cookie{}
	for _, c := range res.Cookies {
		out[c.Name] = c
	}
	return out
}
