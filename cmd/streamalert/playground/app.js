// The rule playground's page: sends the rule and the record to
// POST /api/check as the analyst types (debounced), and shows what comes
// back. Plain JavaScript, no build step, nothing loaded from elsewhere.
"use strict";

(function () {
  const DEBOUNCE_MS = 300;
  const RULE_FILE = "rule.yaml";

  const $ = (id) => document.getElementById(id);
  const ruleArea = $("rule");
  const recordArea = $("record");
  const statusEl = $("status");
  const resultEl = $("result");
  const tokenBox = $("token-box");
  const tokenInput = $("token");
  const EMPTY_RESULT = resultEl.innerHTML;

  // The token, when the server needs one: from the address (#token=...,
  // never sent to the server as part of a URL) or typed into the page.
  let token = "";
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) {
    // Kept for this tab only, and taken out of the address bar.
    token = fromHash;
    sessionStorage.setItem("playground-token", token);
    history.replaceState(null, "", location.pathname + location.search);
  } else {
    token = sessionStorage.getItem("playground-token") || "";
  }
  tokenInput.value = token;
  tokenInput.addEventListener("change", () => {
    token = tokenInput.value.trim();
    sessionStorage.setItem("playground-token", token);
    schedule(0);
  });

  // ---- editors: a textarea with a line-number gutter and line marks ----

  function makeEditor(area) {
    const root = area.closest(".editor");
    const gutter = root.querySelector(".gutter");
    const marks = root.querySelector(".marks");
    let diags = [];
    function render() {
      const lines = area.value.split("\n").length;
      const byLine = new Map();
      for (const d of diags) {
        const prev = byLine.get(d.line);
        if (!prev || d.severity === "error") byLine.set(d.line, d);
      }
      gutter.textContent = "";
      for (let i = 1; i <= Math.max(lines, 1); i++) {
        const div = document.createElement("div");
        div.textContent = String(i);
        const d = byLine.get(i);
        if (d) {
          div.className = d.severity;
          div.title = d.message;
        }
        gutter.appendChild(div);
      }
      marks.textContent = "";
      const inner = document.createElement("div");
      inner.className = "inner";
      for (const d of diags) {
        if (!d.line) continue;
        const line = document.createElement("div");
        line.className = "line " + d.severity;
        line.dataset.line = String(d.line);
        line.style.top = "calc(var(--pad) + " + (d.line - 1) + " * var(--line))";
        inner.appendChild(line);
        if (d.col) {
          const col = document.createElement("div");
          col.className = "col " + d.severity;
          col.style.top = line.style.top;
          col.style.left = "calc(var(--pad) + " + (d.col - 1) + "ch)";
          inner.appendChild(col);
        }
      }
      marks.appendChild(inner);
      sync();
    }
    function sync() {
      gutter.scrollTop = area.scrollTop;
      const inner = marks.firstChild;
      if (inner) inner.style.transform = "translate(" + -area.scrollLeft + "px," + -area.scrollTop + "px)";
    }
    // Tab indents (YAML wants spaces); Escape, then Tab, leaves the editor.
    let escaped = false;
    area.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { escaped = true; return; }
      if (e.key === "Tab" && !escaped && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        document.execCommand("insertText", false, "  "); // keeps undo working
      }
      escaped = false;
    });
    area.addEventListener("scroll", sync);
    area.addEventListener("input", render);
    render();
    return {
      mark(ds) { diags = ds; render(); },
      // goTo puts the cursor at line:col and scrolls it into view.
      goTo(line, col) {
        const lines = area.value.split("\n");
        let off = 0;
        for (let i = 0; i < Math.min(line - 1, lines.length); i++) off += lines[i].length + 1;
        off += Math.max((col || 1) - 1, 0);
        area.focus();
        area.setSelectionRange(off, off);
        const lh = parseFloat(getComputedStyle(area).lineHeight) || 20;
        area.scrollTop = Math.max(0, (line - 3) * lh);
        sync();
      },
      render,
    };
  }

  const ruleEditor = makeEditor(ruleArea);

  // ---- checking ----

  let timer = 0;
  let seq = 0;
  let inflight = null;

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(check, delay === undefined ? DEBOUNCE_MS : delay);
  }
  ruleArea.addEventListener("input", () => schedule());
  recordArea.addEventListener("input", () => schedule());

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  async function check() {
    const mine = ++seq;
    if (inflight) inflight.abort();
    inflight = new AbortController();
    if (ruleArea.value.trim() === "" && recordArea.value.trim() === "") {
      resultEl.innerHTML = EMPTY_RESULT; // the page's own markup, as loaded
      ruleEditor.mark([]);
      setStatus("idle", "type a rule and a record");
      return;
    }
    setStatus("checking", "checking…");
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    let resp, body;
    try {
      resp = await fetch("api/check", {
        method: "POST",
        headers,
        body: JSON.stringify({ rule: ruleArea.value, record: recordArea.value }),
        signal: inflight.signal,
      });
      body = await resp.json();
    } catch (e) {
      if (e.name === "AbortError") return;
      if (mine === seq) setStatus("error", "the playground server did not answer: " + e.message);
      return;
    }
    if (mine !== seq) return; // a newer check is on its way
    tokenBox.hidden = resp.status !== 401 && !token;
    if (resp.status === 401) {
      tokenBox.hidden = false;
      setStatus("error", token ? "wrong token: type the right one" : "this playground needs a token: type it in");
      tokenInput.focus();
      return;
    }
    if (!resp.ok) {
      setStatus("error", "error " + resp.status + ": " + (body && body.error));
      return;
    }
    show(body);
    resultEl.dataset.seq = String(mine);
  }

  // ---- rendering a result ----

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function posText(p) {
    let s = p.file || "";
    if (p.line) s += ":" + p.line;
    if (p.line && p.col) s += ":" + p.col;
    return s;
  }

  function show(r) {
    const diags = r.diagnostics || [];
    const errors = diags.filter((d) => d.severity === "error").length;

    // Diagnostics, and their marks in the rule editor.
    const list = $("diagnostics");
    list.textContent = "";
    if (diags.length === 0) list.appendChild(el("li", "clean", "no problems: lint is clean"));
    for (const d of diags) {
      const li = el("li", d.severity);
      li.dataset.line = String(d.pos.line || 0);
      li.appendChild(el("span", "pos", posText(d.pos) + ": "));
      if (d.severity === "warning") li.appendChild(el("span", "sev", "warning: "));
      li.appendChild(el("span", "msg", d.message));
      if (d.code) li.appendChild(el("span", "code-name", " [" + d.code + "]"));
      if (d.snippet) li.appendChild(el("pre", "", d.snippet));
      if (d.pos.file === RULE_FILE && d.pos.line) {
        li.title = "go to line " + d.pos.line;
        li.addEventListener("click", () => ruleEditor.goTo(d.pos.line, d.pos.col));
      }
      list.appendChild(li);
    }
    ruleEditor.mark(diags.filter((d) => d.pos.file === RULE_FILE && d.pos.line)
      .map((d) => ({ line: d.pos.line, col: d.pos.col, severity: d.severity, message: d.message })));

    // The rule's own tests, as ruleck test prints them.
    const tl = $("tests");
    tl.textContent = "";
    const tests = r.tests || [];
    if (tests.length === 0) tl.appendChild(el("li", "none", r.rule ? "the rule has no tests" : "no rule loaded"));
    for (const tc of tests) {
      const li = el("li", tc.passed ? "pass" : "fail");
      li.appendChild(el("span", "verdict", tc.passed ? "ok   " : "FAIL "));
      let text = posText(tc.pos) + " " + tc.description;
      if (!tc.passed) text += tc.error ? ": " + tc.error : ": trigger " + tc.trigger + ", fired " + tc.fired;
      li.appendChild(el("span", "", text));
      if (tc.pos.line) li.addEventListener("click", () => ruleEditor.goTo(tc.pos.line, tc.pos.col));
      tl.appendChild(li);
    }
    const failed = tests.filter((tc) => !tc.passed).length;

    // Log type.
    const lt = $("logtype");
    if (r.log_type) {
      lt.className = "ok";
      lt.textContent = r.log_type;
    } else if (r.classify_error) {
      lt.className = "bad";
      lt.textContent = "fits no log type" + (r.candidates && r.candidates.length ? " of " + r.candidates.join(", ") : "") + ": " + r.classify_error;
    } else {
      lt.className = "none";
      lt.textContent = recordArea.value.trim() ? "not classified (the rule did not load)" : "no record yet";
    }

    // Explain.
    const ex = $("explain");
    ex.textContent = "";
    if (r.explain) renderExplain(ex, r.explain);
    else if (r.explain_error) ex.appendChild(el("p", "bad", "explain failed: " + r.explain_error));
    else if (errors) ex.appendChild(el("p", "none", "fix the rule's errors to see why it fires or not"));
    else if (!recordArea.value.trim()) ex.appendChild(el("p", "none", "paste a record to see why the rule fires or not"));
    else ex.appendChild(el("p", "none", "nothing to explain: the record did not classify as a log type of the rule"));

    // Alerts.
    const al = $("alerts");
    al.textContent = "";
    const alerts = r.alerts || [];
    if (alerts.length === 0) al.appendChild(el("p", "none", "no alert" + (r.rule_errors ? " (rule error: " + r.rule_errors.join("; ") + ")" : "")));
    for (const a of alerts) al.appendChild(el("pre", "alert", JSON.stringify(a, null, 2)));

    if (errors) setStatus("problems", errors + (errors === 1 ? " error" : " errors"));
    else if (failed) setStatus("problems", failed + " of " + tests.length + (tests.length === 1 ? " test fails" : " tests fail"));
    else if (!r.rule) setStatus("clean", "no rule in the editor" + (ruleArea.value.trim() ? " (it holds a library file or nothing)" : ""));
    else if (alerts.length) setStatus("fired", "the rule fires: " + alerts.length + (alerts.length === 1 ? " alert" : " alerts"));
    else if (r.log_type) setStatus("quiet", "lint clean; the rule does not fire on this record");
    else setStatus("clean", "lint clean" + (diags.length ? " (" + diags.length + (diags.length === 1 ? " warning)" : " warnings)") : ""));
  }

  // renderExplain draws explain's reports (one per record the raw record
  // yielded): the candidates' reasons when it fits no log type, and per
  // rule its req_subkeys, matchers and condition as a tree of clauses, each
  // with the value it evaluated to.
  function renderExplain(root, reports) {
    for (const rep of Array.isArray(reports) ? reports : [reports]) {
      if (rep.index) root.appendChild(el("p", "why", "record " + rep.index));
      if (!rep.log_type) {
        root.appendChild(el("p", "why", "fits no log type: " + (rep.error || "")));
        const ul = el("ul", "tree");
        for (const c of (rep.rejected || []).slice(0, 5)) ul.appendChild(el("li", "", c.log_type + ": " + c.reason));
        root.appendChild(ul);
      }
      for (const rr of rep.rules || []) {
        root.appendChild(el("p", "rule-head " + (rr.fired ? "fired" : "quiet"), rr.name + (rr.fired ? " fires" : " does not fire")));
        if (rr.why) root.appendChild(el("p", "why", rr.why));
        for (const h of rr.holds || []) root.appendChild(el("p", "why", h));
        const ul = el("ul", "tree");
        for (const k of rr.req_subkeys || []) {
          const li = el("li", "", "req_subkeys " + k.key + "." + k.subkey);
          li.appendChild(el("span", "val " + (k.present ? "true" : "false"), k.present ? "present" : "missing"));
          ul.appendChild(li);
        }
        for (const m of rr.matchers || []) ul.appendChild(node(m, "matcher " + (m.name ? m.name + ": " : "")));
        if (rr.condition) ul.appendChild(node(rr.condition, "condition: "));
        root.appendChild(ul);
      }
      if ((rep.rules || []).length === 0 && rep.log_type) root.appendChild(el("p", "none", "no rule applies to " + rep.log_type));
    }
  }

  function valueText(n) {
    if (n.error) return ["err", "error: " + n.error];
    if (!n.evaluated) return ["skip", "not evaluated"];
    const v = n.value;
    if (v === true) return ["true", "true"];
    if (v === false) return ["false", "false"];
    return ["", JSON.stringify(v === undefined ? null : v)];
  }

  function node(n, label) {
    const li = el("li");
    const expr = el("span", "expr", (label || "") + n.expr);
    if (n.line && (!n.file || n.file === RULE_FILE)) {
      expr.title = RULE_FILE + ":" + n.line + (n.col ? ":" + n.col : "");
      expr.addEventListener("click", () => ruleEditor.goTo(n.line, n.col));
    } else if (n.file) {
      expr.title = n.file + (n.line ? ":" + n.line : "");
    }
    li.appendChild(expr);
    const [cls, text] = valueText(n);
    li.appendChild(el("span", "val " + cls, text));
    if (n.children && n.children.length) {
      const ul = el("ul");
      for (const c of n.children) ul.appendChild(node(c));
      li.appendChild(ul);
    }
    return li;
  }

  // ---- the example ----

  const EXAMPLE_RULE = [
    "name: osquery_invalid_user",
    "description: Catch unauthorized user logins",
    "log_types: [osquery:differential]",
    "matchers: [osquery_added]",
    "condition: |",
    "  glob(record.name, [\"logged_in_users\", \"*_logged_in_users\"])",
    "  && not (record.columns.user in lists.authorized_users)",
    "  && not in_cidr(record.columns.host, lists.corp_networks)",
    "outputs: [slack:security]",
    "severity: high",
    "",
  ].join("\n");
  const EXAMPLE_RECORD = JSON.stringify({
    name: "pack_incident-response_logged_in_users", hostIdentifier: "web-1.prod.example.com",
    calendarTime: "Tue Mar  5 11:00:01 2024 UTC", unixTime: 1709636401, epoch: 0, counter: 13, numerics: false,
    decorations: { hostname: "web-1.prod.example.com" },
    columns: { type: "user", user: "mallory", tty: "pts/3", host: "198.51.100.23", time: "1709636380", pid: "22190" },
    action: "added",
  });
  $("example").addEventListener("click", () => {
    ruleArea.value = EXAMPLE_RULE;
    recordArea.value = EXAMPLE_RECORD;
    ruleEditor.render();
    schedule(0);
  });

  if (ruleArea.value || recordArea.value) schedule(0);
})();
