package schema

import (
	"bytes"
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Classifier classifies raw records against a Set. Safe for concurrent use;
// the zero value is not usable, use NewClassifier.
type Classifier struct {
	set      *Set
	skipNorm func(*LogType) bool // types whose records need no Normalized
}

// WithoutNormalization returns a copy of c that leaves Record.Normalized nil
// for records of the log types skip reports (no rule reads their normalized
// values): normalization is a tenth of a record's cost.
func (c *Classifier) WithoutNormalization(skip func(*LogType) bool) *Classifier {
	out := *c
	out.skipNorm = skip
	return &out
}

// NewClassifier returns a Classifier for set.
func NewClassifier(set *Set) *Classifier { return &Classifier{set: set} }

// Classify parses raw (one record as read by package payload) against the
// candidate log types (all of the Set's when cands is nil). One raw record can
// yield several records (json_path such as "Records[*]"); a candidate fits
// only when every record it extracts fits its schema.
//
// A record must fit exactly one candidate. When several fit, the one with
// the best configured priority wins (0 is the highest; no priority ranks
// last); among equal priorities the one that leaves fewer of the record's
// keys undeclared wins (only open types, undeclared_keys: keep, and a root
// schema {} leave any: an open type never takes a record from a closed type
// of the same priority that declares all of it); then the schema with more
// declared keys (counted at every depth) wins, being the more specific.
// Candidates still equal on all three are ambiguous. The order of cands and
// of files never matters. A
// record that is a JSON object or array is only tried against log types that
// read JSON (never split as csv, kv or syslog text).
//
// When no candidate fits, or the fit is ambiguous, err is a *ClassifyError
// saying why: "not valid JSON: ...", "no schema matched: closest X:
// missing key "a", extra key "b"" (X has the fewest problems), or
// "ambiguous: matches a, b".
func (c *Classifier) Classify(raw []byte, cands []*LogType) ([]Record, error) {
	if cands == nil && c != nil && c.set != nil {
		cands = c.set.order
	}
	if len(cands) == 0 {
		return nil, &ClassifyError{Reason: "no candidate log types"}
	}
	in := &input{raw: bytes.TrimRight(raw, "\r\n")}
	if len(bytes.TrimSpace(in.raw)) == 0 {
		return nil, &ClassifyError{Reason: "empty record"}
	}
	type fit struct {
		t          *LogType
		recs       []map[string]any
		undeclared int // keys kept without a declaration (open types)
	}
	var fits []fit
	var closest *LogType
	var closestChk *check
	allNotJSON := true
	// A JSON object is checked only against the candidates it may fit.
	var maskBuf [4]uint64
	var mask []uint64
	var pre *prefilter
	var objKeys int
	if c != nil && c.set != nil && c.set.pre != nil && usePrefilter && startsObject(in.raw) {
		if m, ok := in.doc0().(map[string]any); ok {
			pre, objKeys = c.set.pre, len(m)
			mask = pre.mask(m, maskBuf[:0])
		}
	}
	bestPriority := 0 // the best (lowest) priority of fits, once there is one
	for _, t := range cands {
		if t == nil {
			continue
		}
		if usePrefilter && len(fits) > 0 && t.priority > bestPriority {
			// Fits rank by priority first: a candidate of a worse priority
			// than a fit already found can neither win nor tie.
			continue
		}
		if pre != nil && !pre.may(mask, t, objKeys) {
			continue
		}
		if usePrefilter && t.readsJSONDoc() {
			if _, err := in.json(); err != nil {
				continue // not JSON: no JSON type fits (the slow path says why)
			}
		}
		recs, chk := t.parse(in, checkFast)
		if chk.ok() {
			if len(fits) == 0 || t.priority < bestPriority {
				bestPriority = t.priority
			}
			fits = append(fits, fit{t, recs, chk.undeclared})
		}
	}
	if len(fits) == 0 { // the slow path: which candidate came closest?
		for _, t := range cands {
			if t == nil {
				continue
			}
			_, chk := t.parse(in, checkCount)
			allNotJSON = allNotJSON && chk.notJSON
			if closest == nil || chk.rank() < closestChk.rank() ||
				chk.rank() == closestChk.rank() && candidateCompare(t, closest) < 0 {
				closest, closestChk = t, chk
			}
		}
	}
	switch {
	case len(fits) == 0 && closest == nil:
		return nil, &ClassifyError{Reason: "no candidate log types"}
	case len(fits) == 0 && allNotJSON:
		return nil, &ClassifyError{Reason: "not valid JSON: " + in.docErr.Error()}
	case len(fits) == 0:
		_, closestChk = closest.parse(in, checkDescribe) // again, to say why
		return nil, &ClassifyError{Reason: fmt.Sprintf("no schema matched: closest %s: %s", closest.Name, closestChk)}
	}
	rank := func(a, b fit) int {
		return cmp.Or(cmp.Compare(a.t.priority, b.t.priority), cmp.Compare(a.undeclared, b.undeclared), cmp.Compare(b.t.keyCount, a.t.keyCount))
	}
	slices.SortFunc(fits, func(a, b fit) int { return cmp.Or(rank(a, b), strings.Compare(a.t.Name, b.t.Name)) })
	if len(fits) > 1 && rank(fits[0], fits[1]) == 0 {
		var names []string
		for _, f := range fits {
			if rank(f, fits[0]) == 0 {
				names = append(names, f.t.Name)
			}
		}
		return nil, &ClassifyError{Reason: "ambiguous: matches " + strings.Join(names, ", ")}
	}
	best := fits[0]
	out := make([]Record, len(best.recs))
	for i, data := range best.recs {
		out[i] = Record{Type: best.t, Data: data}
		if c.skipNorm == nil || !c.skipNorm(best.t) {
			out[i].Normalized = best.t.normalize(data)
		}
	}
	return out, nil
}

// input is one raw record, decoded as JSON at most once for all candidates.
type input struct {
	raw     []byte
	str     string // raw as a string (see text)
	hasText bool
	decoded bool
	doc     any
	docErr  error
}

// isJSONDocument reports whether the record is a JSON object or array.
func (in *input) isJSONDocument() bool {
	b := bytes.TrimLeft(in.raw, " \t\r\n")
	if len(b) == 0 || (b[0] != '{' && b[0] != '[') {
		return false
	}
	doc, err := in.json()
	if err != nil {
		return false
	}
	switch doc.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// usePrefilter is false only in tests that compare classification with and
// without the prefilter.
var usePrefilter = true

// text is the record as a string, converted once for every text parser.
func (in *input) text() string {
	if !in.hasText {
		in.str, in.hasText = string(in.raw), true
	}
	return in.str
}

// readsJSONDoc reports whether t decodes the raw record as JSON.
func (t *LogType) readsJSONDoc() bool {
	return t.Parser == "json" || t.jsonPath != nil || t.jsonRegexKey != "" || t.envelope != nil
}

// startsObject reports whether b starts (after white space) with '{'.
func startsObject(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

// doc0 is the decoded document, nil when it is not valid JSON.
func (in *input) doc0() any {
	doc, _ := in.json()
	return doc
}

func (in *input) json() (any, error) {
	if !in.decoded {
		in.decoded = true
		in.doc, in.docErr = decodeJSON(in.raw)
	}
	return in.doc, in.docErr
}

// fatal records a parser-level failure: it ranks the candidate far from
// any record that parsed but had schema problems.
func (c *check) fatal(format string, args ...any) {
	c.addf(format, args...)
	c.fatals++
}

// parse runs t's parser and schema checks on in, working as mode says.
func (t *LogType) parse(in *input, mode checkMode) ([]map[string]any, *check) {
	chk := &check{mode: mode}
	var items []any
	var envelope map[string]any
	needJSON := t.readsJSONDoc()
	if needJSON {
		doc, err := in.json()
		if err != nil {
			chk.fatal("not valid JSON: %v", err)
			chk.notJSON = true
			return nil, chk
		}
		if t.envelope != nil {
			m, ok := doc.(map[string]any)
			if !ok {
				chk.fatal("the document is %s, not an object with envelope keys", describe(doc))
				return nil, chk
			}
			envelope, _ = chk.mapping(m, t.envelope, t.optEnvFlags, EnvelopeKey, true)
		}
		items = t.extract(doc, chk)
		if items == nil {
			return nil, chk
		}
	}
	var recs []map[string]any
	for i, item := range items {
		sub := chk
		if len(items) > 1 {
			sub = &check{mode: mode}
		}
		var m map[string]any
		if t.Parser == "json" {
			var ok bool
			if m, ok = item.(map[string]any); !ok {
				sub.fatal("record is %s, not an object", describe(item))
			}
		} else if s, ok := item.(string); ok {
			m = textParse(t, s, sub)
		} else {
			sub.fatal("%s parser needs a string, json_path gave %s", t.Parser, describe(item))
		}
		if m != nil {
			recs = append(recs, t.finish(m, envelope, sub))
		}
		if sub != chk {
			chk.undeclared += sub.undeclared
		}
		if sub != chk && !sub.ok() {
			chk.count += sub.count
			chk.fatals += sub.fatals
			if mode == checkDescribe {
				chk.problems = append(chk.problems, fmt.Sprintf("record %d: %s", i+1, sub))
				chk.described += sub.count
			}
		}
		if chk.done() {
			return nil, chk
		}
	}
	if !needJSON {
		if in.isJSONDocument() {
			// A JSON document is never read as csv, kv or syslog text: a
			// JSON line would otherwise split into columns by accident.
			chk.fatal("a JSON document, not %s text", t.Parser)
			return nil, chk
		}
		if m := textParse(t, in.text(), chk); m != nil {
			recs = append(recs, t.finish(m, nil, chk))
		}
	}
	return recs, chk
}

// extract applies json_path or json_regex_key to doc (or returns the
// document itself). nil means failure, recorded in chk.
func (t *LogType) extract(doc any, chk *check) []any {
	switch {
	case t.jsonPath != nil:
		res, err := jmesSearch(t, doc)
		if err != nil {
			chk.fatal("json_path %q: %v", t.jsonPathSrc, err)
			return nil
		}
		list, isList := res.([]any)
		if !isList {
			list = []any{res}
		}
		if empty(res) {
			chk.fatal("json_path %q found no records", t.jsonPathSrc)
			return nil
		}
		if !t.embeddedJSON {
			return list
		}
		out := make([]any, len(list))
		for i, e := range list {
			if m, isObject := e.(map[string]any); isObject {
				// Already decoded: some exporters write the embedded event
				// as an object, others as a string (AKS's properties.log).
				out[i] = m
				continue
			}
			s, ok := e.(string)
			if !ok {
				chk.fatal("embedded_json: json_path %q gave %s, not a JSON string or object", t.jsonPathSrc, describe(e))
				return nil
			}
			v, err := decodeJSON([]byte(s))
			if err != nil {
				chk.fatal("embedded_json: %s is not valid JSON: %v", quoteShort(s), err)
				return nil
			}
			out[i] = v
		}
		return out
	case t.jsonRegexKey != "":
		m, _ := doc.(map[string]any)
		s, _ := m[t.jsonRegexKey].(string)
		if s == "" {
			chk.fatal("json_regex_key: no string %q in the document", t.jsonRegexKey)
			return nil
		}
		blob := jsonBlob.FindString(s)
		if blob == "" {
			chk.fatal("json_regex_key: no JSON document in %q", t.jsonRegexKey)
			return nil
		}
		v, err := decodeJSON([]byte(blob))
		if err != nil {
			chk.fatal("json_regex_key: %s is not valid JSON: %v", quoteShort(blob), err)
			return nil
		}
		return []any{v}
	}
	return []any{doc}
}

// jsonBlob finds a JSON object or list inside a string, as StreamAlert's
// json_regex_key does: from the first '{' to the last '}' (or '[' to ']')
// on one line, with a ':' or ',' inside.
var jsonBlob = regexp.MustCompile(`\{.+[:,].+\}|\[.+[,:].+\]`)

// jmesSearch runs the compiled json_path; a panic inside the JMESPath
// library on odd input becomes an error.
func jmesSearch(t *LogType, doc any) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("search failed: %v", r)
		}
	}()
	return t.jsonPath.Search(doc)
}

// empty is Python's falsiness for a json_path result, as StreamAlert tests it.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case string:
		return x == ""
	}
	return false
}

// finish checks and coerces one extracted record, applies log_patterns and
// attaches the envelope.
func (t *LogType) finish(m map[string]any, envelope map[string]any, chk *check) map[string]any {
	rec, changed := m, false
	if chk.mode == checkFast {
		// The keys fewest types require first: most candidates fail here.
		for _, k := range t.required {
			if _, ok := m[k]; !ok {
				chk.addf("missing key %q", k)
				return m
			}
		}
	}
	if t.Schema.Kind == KindMapping {
		rec, changed = chk.mapping(m, t.Schema, t.optFlags, "", false)
	} else { // a root {} accepts any object as it is, declaring none of it
		chk.undeclared += len(m)
	}
	for _, p := range t.patterns {
		if chk.done() {
			break
		}
		src := rec
		if p.envelope {
			src = envelope
		}
		v, ok := valueAt(src, p.path)
		if chk.mode != checkDescribe {
			// Count without formatting: only the described check says why.
			switch v.(type) {
			case nil, map[string]any, []any:
				chk.count++
				continue
			}
			s := scalarString(v)
			if !slices.ContainsFunc(p.globs, func(re *regexp.Regexp) bool { return re.MatchString(s) }) {
				chk.count++
			}
			continue
		}
		name := strings.Join(p.path, ".")
		if p.envelope {
			name = EnvelopeKey + "." + name
		}
		switch v.(type) {
		case nil, map[string]any, []any:
			if ok {
				chk.addf("key %q: %s cannot match log pattern %s", name, describe(v), strings.Join(p.src, " or "))
			} else {
				chk.addf("log pattern key %q is missing", name)
			}
			continue
		}
		s := scalarString(v)
		if !slices.ContainsFunc(p.globs, func(re *regexp.Regexp) bool { return re.MatchString(s) }) {
			chk.addf("key %q: %s does not match log pattern %s", name, quoteShort(s), strings.Join(p.src, " or "))
		}
	}
	if t.envelope != nil {
		if !changed {
			rec = cloneMap(rec)
		}
		rec[EnvelopeKey] = envelope
	}
	return rec
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// textParsers holds the csv, kv and syslog record builders (parsers.go).
var textParsers = map[string]func(t *LogType, text string, chk *check) map[string]any{}

// textParse runs t's text parser on one line.
func textParse(t *LogType, text string, chk *check) map[string]any {
	fn := textParsers[t.Parser]
	if fn == nil {
		chk.fatal("parser %q is not available", t.Parser)
		return nil
	}
	return fn(t, strings.TrimRight(text, "\r\n"), chk)
}
