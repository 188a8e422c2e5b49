package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/streamalert-go/streamalert/engine/testenv"
)

// TestPlaygroundBrowser drives the real page in a headless Chromium, as an
// analyst would: it types a rule with a misspelt field, sees the diagnostic
// at its line (listed, and marked in the editor's gutter), clicks it and
// fixes the name where the cursor lands, pastes a record and sees the alert.
// With -update it saves the screenshots the README shows.
func TestPlaygroundBrowser(t *testing.T) {
	browser := testenv.Chromium(t)
	s := startPlayground(t, "--addr", "127.0.0.1:0")
	base := s.listenAddr()
	ctx, step, waitJS := newTab(t, browserContext(t, browser), s)

	step("open the page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#rule")))

	// Type the rule, with "hostIdentifier" misspelt on line 6.
	typo := playgroundRule("hostIdentifer")
	step("type the rule", chromedp.Click(chromedp.CSS("#rule")), chromedp.SendKeys(chromedp.CSS("#rule"), typo))
	waitJS("the diagnostic at line 6", `(() => {
		const li = document.querySelector("#diagnostics li.error");
		const gutter = document.querySelectorAll("#rule-editor .gutter div");
		const mark = document.querySelector('#rule-editor .marks .line.error[data-line="6"]');
		return !!li && li.textContent.startsWith("rule.yaml:6:39: unknown field \"record.hostIdentifer\"") &&
			li.textContent.includes('did you mean "hostIdentifier"') &&
			gutter.length >= 6 && gutter[5].className === "error" && !!mark &&
			document.getElementById("status").dataset.state === "problems";
	})()`)
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#rule"))); got != typo {
		t.Fatalf("the editor holds %q, want what was typed, %q", got, typo)
	}
	screenshot(t, ctx, "playground-diagnostic.png")

	// Click the diagnostic: the cursor lands on the misspelt name; move past
	// "hostIdentif" and type the missing "i".
	step("go to the diagnostic", chromedp.Click(chromedp.CSS("#diagnostics li.error")))
	waitJS("the cursor at 6:39", `document.activeElement.id === "rule" &&
		document.getElementById("rule").value.slice(0, document.getElementById("rule").selectionStart).split("\n").length === 6 &&
		document.getElementById("rule").value.slice(document.getElementById("rule").selectionStart).startsWith("hostIdentifer")`)
	for range len("hostIdentif") {
		step("move right", chromedp.KeyEvent(kb.ArrowRight))
	}
	step("fix the typo", chromedp.KeyEvent("i"))
	waitJS("a clean lint", `document.querySelector("#diagnostics li.error") === null &&
		document.getElementById("rule").value.includes("record.hostIdentifier != ") &&
		document.querySelector("#rule-editor .marks .line.error") === null &&
		document.getElementById("status").dataset.state === "clean"`)

	// Paste a record of an unauthorized user.
	step("paste the record", chromedp.Focus(chromedp.CSS("#record")), func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: playgroundRecord("mallory")})
		return chromedp.Void{}, err
	})
	waitJS("the alert", `(() => {
		const pre = document.querySelector("#alerts pre.alert");
		if (!pre) return false;
		const a = JSON.parse(pre.textContent);
		return a.rule_name === "playground_unknown_user" && a.log_source === "osquery:differential" &&
			a.record.columns.user === "mallory" && a.outputs[0] === "slack:security" &&
			document.getElementById("logtype").textContent === "osquery:differential" &&
			document.getElementById("status").dataset.state === "fired";
	})()`)
	waitJS("the explain tree", `(() => {
		const head = document.querySelector("#explain .rule-head.fired");
		const clauses = [...document.querySelectorAll("#explain .tree li")].map((li) => li.firstChild.textContent + " = " + li.children[1].textContent);
		return !!head && head.textContent === "playground_unknown_user fires" &&
			clauses.includes('matcher osquery_added: record.action == "added" = true') &&
			clauses.includes('record.columns.user = "mallory"');
	})()`)
	screenshot(t, ctx, "playground-alert.png")

	// An authorized user: the alert goes away and the rule stays quiet.
	step("select the record", chromedp.Focus(chromedp.CSS("#record")), chromedp.Evaluate[chromedp.Void](`document.getElementById("record").select()`))
	step("paste another record", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: playgroundRecord("alice")})
		return chromedp.Void{}, err
	})
	waitJS("no alert", `document.querySelector("#alerts pre.alert") === null &&
		document.getElementById("record").value.includes('"alice"') &&
		document.getElementById("status").dataset.state === "quiet" &&
		document.querySelector("#explain .rule-head.quiet").textContent === "playground_unknown_user does not fire"`)
	screenshot(t, ctx, "playground-quiet.png")

	// Tab indents in the editor; Escape, then Tab, moves on.
	step("tab at the end of the rule", chromedp.Focus(chromedp.CSS("#rule")),
		chromedp.Evaluate[chromedp.Void](`(() => { const a = document.getElementById("rule"); a.setSelectionRange(a.value.length, a.value.length); })()`),
		chromedp.KeyEvent(kb.Tab))
	waitJS("two spaces", `document.getElementById("rule").value.endsWith("severity: high\n  ") && document.activeElement.id === "rule"`)
	step("escape, tab", chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent(kb.Tab))
	waitJS("focus moved on", `document.activeElement.id !== "rule" && document.getElementById("rule").value.endsWith("severity: high\n  ")`)

	// Both panes emptied: the result goes back to how the page started.
	for _, id := range []string{"#rule", "#record"} {
		step("empty "+id, chromedp.Focus(chromedp.CSS(id)),
			chromedp.Evaluate[chromedp.Void](`document.activeElement.select()`), chromedp.KeyEvent(kb.Backspace))
	}
	waitJS("an empty result", `document.getElementById("status").dataset.state === "idle" &&
		document.querySelector("#diagnostics li.none").textContent === "nothing checked yet" &&
		document.querySelector("#alerts pre") === null && document.querySelector("#rule-editor .marks .line") === null`)
}

// browserContext starts a headless Chromium for the test; its tabs are
// chromedp.NewContext(ctx).
func browserContext(t *testing.T, browser string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.WindowSize(1500, 860),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	return ctx
}

// newTab opens a tab (its own sessionStorage) and returns it with step,
// which runs actions or fails the test showing the page and the server's
// output, and waitJS, which waits until a JavaScript expression is true.
func newTab(t *testing.T, browser context.Context, s *session) (context.Context, func(string, ...chromedp.Action[chromedp.Void]), func(string, string)) {
	ctx, cancelTab := chromedp.NewContext(browser)
	t.Cleanup(cancelTab)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("status").textContent + "\n" + document.getElementById("result").innerText`))
			t.Fatalf("%s: %v\npage:\n%s\nserver:\n%s", what, err, status, s.dump())
		}
	}
	waitJS := func(what, expr string) {
		t.Helper()
		step(what, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))(ctx, tg)
			return chromedp.Void{}, err
		})
	}
	return ctx, step, waitJS
}

// TestPlaygroundBrowserToken serves the playground on all interfaces with a
// token: the page asks for it, works once it is typed, and takes it from
// the address (#token=...), which it then clears from the address bar.
func TestPlaygroundBrowserToken(t *testing.T) {
	browser := browserContext(t, testenv.Chromium(t))
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeFile(t, tokenFile, "br0wser-token\n")
	s := startPlayground(t, "--addr", "0.0.0.0:0", "--token-file", tokenFile)
	base := strings.Replace(s.listenAddr(), "0.0.0.0", "127.0.0.1", 1)
	fired := `document.getElementById("status").dataset.state === "fired" && document.querySelector("#alerts pre.alert") !== null`

	t.Run("typed", func(t *testing.T) {
		_, step, waitJS := newTab(t, browser, s)
		step("open the page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#rule")))
		step("load the example", chromedp.Click(chromedp.CSS("#example")))
		waitJS("the token asked for", `!document.getElementById("token-box").hidden &&
			document.getElementById("status").textContent === "this playground needs a token: type it in"`)
		step("type a wrong token", chromedp.SendKeys(chromedp.CSS("#token"), "nope\t"))
		waitJS("the token refused", `document.getElementById("status").textContent === "wrong token: type the right one"`)
		step("type the token", chromedp.Evaluate[chromedp.Void](`document.getElementById("token").value = ""`),
			chromedp.SendKeys(chromedp.CSS("#token"), "br0wser-token\t"))
		waitJS("the example checked", fired)
	})
	t.Run("address", func(t *testing.T) {
		_, step, waitJS := newTab(t, browser, s)
		step("open the page", chromedp.Navigate(base+"/#token=br0wser-token"), chromedp.WaitVisible(chromedp.CSS("#rule")))
		waitJS("the token out of the address", `location.hash === ""`)
		step("load the example", chromedp.Click(chromedp.CSS("#example")))
		waitJS("the example checked", fired)
	})
}

// screenshot saves the page as examples/playground/NAME with -update.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if !*update {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(testenv.RepoRoot(t), "examples", "playground", name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", p)
}
