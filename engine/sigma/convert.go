package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/lint"
	"github.com/streamalert-go/streamalert/engine/schema"
	"gopkg.in/yaml.v3"
)

// Options configures a Converter.
type Options struct {
	// Schemas are the schemas converted rules are linted against; required.
	Schemas *schema.Set
	// Mappings maps logsources and fields; nil means Shipped().
	Mappings *Mappings
}

// Converter turns Sigma rules into StreamAlert rule files. It remembers the
// rule names it handed out, so the rules of one run have unique names; it is
// not safe for concurrent use.
type Converter struct {
	set   *schema.Set
	maps  *Mappings
	names map[string]bool
	// fields records, for the rule being converted, where each record path
	// came from in the Sigma file, to put lint's findings there.
	fields []fieldOrigin
}

type fieldOrigin struct {
	path string // "record.a.b", without ?. and ??
	node *yaml.Node
}

// NewConverter returns a Converter with opts.
func NewConverter(opts Options) *Converter {
	m := opts.Mappings
	if m == nil {
		m = Shipped()
	}
	return &Converter{set: opts.Schemas, maps: m, names: map[string]bool{}}
}

// Result is the outcome of one Sigma rule (one YAML document of a file).
type Result struct {
	// Pos is where the Sigma rule starts (its first key).
	Pos diag.Pos
	// Title and ID are the Sigma rule's.
	Title, ID string
	// Logsource is the Sigma rule's logsource; Source the mapping entry
	// that served it, nil when none does.
	Logsource Logsource
	Source    *Source
	// Name and YAML are the converted rule, formatted and lint-clean, when
	// Refusal is nil.
	Name string
	YAML []byte
	// Refusal says why the rule was not converted, at its Sigma file
	// position.
	Refusal *diag.Diagnostic
}

// Converted reports whether the rule was converted.
func (r Result) Converted() bool { return r.Refusal == nil }

// refusal codes.
const (
	codeUnsupported = "sigma-unsupported"
	codeUnmapped    = "sigma-unmapped"
	codeInvalid     = "sigma-invalid"
	codeLint        = "sigma-lint"
)

// posError is a problem at a node of the Sigma file.
type posError struct {
	n    *yaml.Node
	code string
	msg  string
}

func (e *posError) Error() string { return e.msg }

func errAt(n *yaml.Node, code, format string, args ...any) error {
	return &posError{n: n, code: code, msg: fmt.Sprintf(format, args...)}
}

// Convert converts every Sigma rule of src (a Sigma YAML file, which may hold
// several documents) named file in positions. It returns one Result per
// document; a file that is not YAML gives one refused Result.
func (c *Converter) Convert(file string, src []byte) []Result {
	var out []Result
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d := diag.YAMLSyntax(file, err)
			out = append(out, Result{Pos: d.Pos, Refusal: &d})
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		out = append(out, c.convertDoc(file, doc.Content[0]))
	}
	if len(out) == 0 {
		d := diag.Diagnostic{Pos: diag.Pos{File: file}, Code: codeInvalid, Message: "no Sigma rule in the file"}
		out = append(out, Result{Pos: d.Pos, Refusal: &d})
	}
	return out
}

func (c *Converter) convertDoc(file string, root *yaml.Node) Result {
	r := Result{Pos: diag.Pos{File: file, Line: root.Line, Col: root.Column}}
	fail := func(err error) Result {
		d := diag.Diagnostic{Pos: r.Pos, Code: codeInvalid, Message: err.Error()}
		var pe *posError
		if errors.As(err, &pe) {
			d.Code = pe.code
			if pe.n != nil {
				d.Pos = diag.Pos{File: file, Line: pe.n.Line, Col: pe.n.Column}
			}
		}
		r.Refusal = &d
		return r
	}
	if root.Kind != yaml.MappingNode {
		return fail(errAt(root, codeInvalid, "a Sigma rule is a mapping"))
	}
	keys := map[string]*yaml.Node{}
	keyNodes := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		keys[root.Content[i].Value] = root.Content[i+1]
		keyNodes[root.Content[i].Value] = root.Content[i]
	}
	r.Title, r.ID = scalar(keys["title"]), scalar(keys["id"])
	for _, k := range []string{"action", "correlation", "filter"} {
		if n := keyNodes[k]; n != nil {
			what := map[string]string{"action": "rule collections (action: " + scalar(keys[k]) + ")", "correlation": "correlation rules", "filter": "Sigma filters"}[k]
			return fail(errAt(n, codeUnsupported, "%s are not supported", what))
		}
	}
	if r.Title == "" {
		return fail(errAt(root, codeInvalid, "the rule has no title"))
	}
	ls := keys["logsource"]
	if ls == nil || ls.Kind != yaml.MappingNode {
		return fail(errAt(root, codeInvalid, "the rule has no logsource mapping"))
	}
	for i := 0; i+1 < len(ls.Content); i += 2 {
		switch v := ls.Content[i+1].Value; ls.Content[i].Value {
		case "product":
			r.Logsource.Product = v
		case "service":
			r.Logsource.Service = v
		case "category":
			r.Logsource.Category = v
		}
	}
	r.Source = c.maps.Lookup(r.Logsource)
	if r.Source == nil {
		return fail(errAt(keyNodes["logsource"], codeUnmapped, "logsource %s is not mapped to a log type (map it with --map FILE)", r.Logsource))
	}
	det := keys["detection"]
	if det == nil || det.Kind != yaml.MappingNode {
		return fail(errAt(root, codeInvalid, "the rule has no detection mapping"))
	}
	c.fields = c.fields[:0]
	cond, err := c.detection(r.Source, det)
	if err != nil {
		return fail(err)
	}
	name := c.ruleName(r.Title, r.ID)
	src, err := c.render(file, name, r.Source, cond, keys)
	if err != nil {
		return fail(errAt(det, codeInvalid, "%v", err))
	}
	if err := c.lint(name, src); err != nil {
		return fail(errAt(c.origin(err.Error(), det), codeLint, "%v", err))
	}
	c.names[name] = true
	r.Name, r.YAML = name, src
	return r
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

func strList(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if s := scalar(n); s != "" {
			return []string{s}
		}
		return nil
	}
	var out []string
	for _, it := range n.Content {
		if s := strings.TrimSpace(scalar(it)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// detection translates the selections and the condition into one node.
func (c *Converter) detection(src *Source, det *yaml.Node) (*node, error) {
	var names []string
	sels := map[string]*node{}
	var condNode *yaml.Node
	for i := 0; i+1 < len(det.Content); i += 2 {
		k, v := det.Content[i], det.Content[i+1]
		switch k.Value {
		case "condition":
			condNode = v
			continue
		case "timeframe":
			return nil, errAt(k, codeUnsupported, "timeframe is not supported (StreamAlert rules judge one record)")
		}
		n, err := c.selection(src, v)
		if err != nil {
			return nil, err
		}
		names = append(names, k.Value)
		sels[k.Value] = n
	}
	if condNode == nil {
		return nil, errAt(det, codeInvalid, "the detection has no condition")
	}
	var conds []*yaml.Node
	switch condNode.Kind {
	case yaml.ScalarNode:
		conds = []*yaml.Node{condNode}
	case yaml.SequenceNode:
		conds = condNode.Content
	default:
		return nil, errAt(condNode, codeInvalid, "condition must be a string or a list of strings")
	}
	var alts []*node
	for _, cn := range conds {
		if cn.Kind != yaml.ScalarNode {
			return nil, errAt(cn, codeInvalid, "condition must be a string")
		}
		n, err := parseCondition(cn.Value, names, sels)
		if err != nil {
			code := codeInvalid
			var ce *condError
			if errors.As(err, &ce) && (strings.Contains(ce.msg, "not supported")) {
				code = codeUnsupported
			}
			return nil, errAt(cn, code, "%v", err)
		}
		alts = append(alts, n)
	}
	n := join("or", alts)
	if src.Condition != "" {
		n = join("and", []*node{leaf(strings.TrimSpace(src.Condition)), n})
	}
	return n, nil
}

// selection translates one search identifier's value.
func (c *Converter) selection(src *Source, v *yaml.Node) (*node, error) {
	switch v.Kind {
	case yaml.MappingNode:
		return c.fieldMap(src, v)
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return nil, errAt(v, codeInvalid, "empty selection")
		}
		maps, scalars := 0, 0
		for _, it := range v.Content {
			switch it.Kind {
			case yaml.MappingNode:
				maps++
			case yaml.ScalarNode:
				scalars++
			}
		}
		switch {
		case maps == len(v.Content):
			var alts []*node
			for _, it := range v.Content {
				n, err := c.fieldMap(src, it)
				if err != nil {
					return nil, err
				}
				alts = append(alts, n)
			}
			return join("or", alts), nil
		case scalars == len(v.Content):
			return c.keywords(src, v, nil, v.Content)
		}
		return nil, errAt(v, codeUnsupported, "a selection mixing maps and plain values is not supported")
	case yaml.ScalarNode:
		return c.keywords(src, v, nil, []*yaml.Node{v})
	}
	return nil, errAt(v, codeInvalid, "a selection is a map, a list of maps or a list of values")
}

func (c *Converter) keywords(src *Source, at *yaml.Node, mods []string, vals []*yaml.Node) (*node, error) {
	if src.Keywords == nil {
		return nil, errAt(at, codeUnmapped, "keyword search (values without a field) is not mapped for %s", src.Name)
	}
	if !slices.ContainsFunc(mods, func(m string) bool { return slices.Contains(positionMods, m) || m == "re" || m == "cidr" }) {
		mods = append([]string{"contains"}, mods...) // a keyword is found anywhere
	}
	m := matcher{field: *src.Keywords, name: "keywords", mods: mods}
	for _, n := range vals {
		sv, err := value(n)
		if err != nil {
			return nil, err
		}
		m.values = append(m.values, sv)
	}
	s, err := m.translate()
	if err != nil {
		return nil, errAt(at, codeUnsupported, "%v", err)
	}
	return leaf(s), nil
}

func value(n *yaml.Node) (sigmaValue, error) {
	if n.Kind != yaml.ScalarNode {
		return sigmaValue{}, errAt(n, codeUnsupported, "a value must be a scalar, not a %s", kindName(n))
	}
	switch n.Tag {
	case "!!null":
		return sigmaValue{null: true}, nil
	case "!!int", "!!float", "!!bool":
		return sigmaValue{s: n.Value, num: true}, nil
	}
	return sigmaValue{s: n.Value}, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "map"
	case yaml.SequenceNode:
		return "list"
	}
	return "scalar"
}

// fieldMap translates a map of field → values (an AND).
func (c *Converter) fieldMap(src *Source, m *yaml.Node) (*node, error) {
	if len(m.Content) == 0 {
		return nil, errAt(m, codeInvalid, "empty selection")
	}
	var kids []*node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		parts := strings.Split(k.Value, "|")
		fname, mods := parts[0], parts[1:]
		var vals []*yaml.Node
		switch v.Kind {
		case yaml.SequenceNode:
			vals = v.Content
		default:
			vals = []*yaml.Node{v}
		}
		if fname == "" {
			n, err := c.keywords(src, k, mods, vals)
			if err != nil {
				return nil, err
			}
			kids = append(kids, n)
			continue
		}
		f, ok := src.field(fname)
		if !ok {
			return nil, errAt(k, codeUnmapped, "field %q is not mapped for %s", fname, src.Name)
		}
		if f.Value == "" {
			c.fields = append(c.fields, fieldOrigin{path: plainPath(f.access()), node: k})
		}
		mt := matcher{field: f, name: fname, mods: mods, ref: src.field}
		for _, vn := range vals {
			sv, err := value(vn)
			if err != nil {
				return nil, err
			}
			mt.values = append(mt.values, sv)
		}
		s, err := mt.translate()
		if err != nil {
			return nil, errAt(k, codeUnsupported, "%s: %v", k.Value, err)
		}
		kids = append(kids, leaf(s))
	}
	return join("and", kids), nil
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// ruleName turns a Sigma title into a unique rule name.
func (c *Converter) ruleName(title, id string) string {
	base := strings.Trim(nonName.ReplaceAllString(strings.ToLower(title), "_"), "_")
	if base == "" {
		base = "sigma_rule"
	}
	if !c.names[base] {
		return base
	}
	if short := strings.Trim(nonName.ReplaceAllString(strings.ToLower(id), "_"), "_"); short != "" {
		if len(short) > 8 {
			short = short[:8]
		}
		if n := base + "_" + short; !c.names[n] {
			return n
		}
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s_%d", base, i); !c.names[n] {
			return n
		}
	}
}

// severities maps Sigma levels to rule severities.
var severities = map[string]string{"informational": "info", "low": "low", "medium": "medium", "high": "high", "critical": "critical"}

// tag converts a Sigma tag to the project's convention: ATT&CK tactic names
// with underscores (attack.defense-evasion → attack.defense_evasion),
// lower case.
func tag(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if strings.HasPrefix(t, "attack.") {
		t = strings.ReplaceAll(t, "-", "_")
	}
	return t
}

func (c *Converter) render(file, name string, src *Source, cond *node, keys map[string]*yaml.Node) ([]byte, error) {
	level := strings.ToLower(scalar(keys["level"]))
	sev, ok := severities[level]
	if level == "" {
		sev, ok = "medium", true
	}
	if !ok {
		return nil, fmt.Errorf("unknown level %q (want informational, low, medium, high or critical)", level)
	}
	title := scalar(keys["title"])
	desc := strings.TrimSpace(scalar(keys["description"]))
	if desc == "" {
		desc = title
	}
	refs, fps := strList(keys["references"]), strList(keys["falsepositives"])
	var b strings.Builder
	b.WriteString(desc)
	fmt.Fprintf(&b, "\n\nConverted from the Sigma rule %q (%s)", title, filepath.Base(file))
	if a := scalar(keys["author"]); a != "" {
		fmt.Fprintf(&b, " by %s", strings.TrimSpace(a))
	}
	b.WriteString(".")
	if len(fps) > 0 {
		b.WriteString("\n\nFalse positives:\n")
		for _, fp := range fps {
			b.WriteString("- " + fp + "\n")
		}
	}
	if len(refs) > 0 {
		b.WriteString("\nReferences:\n")
		for _, r := range refs {
			b.WriteString("- " + r + "\n")
		}
	}
	var tags []string
	for _, t := range strList(keys["tags"]) {
		tags = append(tags, tag(t))
	}
	ctx := &yaml.Node{Kind: yaml.MappingNode}
	addKV := func(m *yaml.Node, k string, v *yaml.Node) {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, v)
	}
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	seq := func(items []string, flow bool) *yaml.Node {
		n := &yaml.Node{Kind: yaml.SequenceNode}
		if flow {
			n.Style = yaml.FlowStyle
		}
		for _, it := range items {
			n.Content = append(n.Content, str(it))
		}
		return n
	}
	for _, kv := range [][2]string{{"sigma_id", scalar(keys["id"])}, {"sigma_title", title}, {"sigma_author", strings.TrimSpace(scalar(keys["author"]))},
		{"sigma_status", scalar(keys["status"])}, {"sigma_file", filepath.Base(file)}, {"sigma_license", "Detection Rule License 1.1"}} {
		if kv[1] != "" {
			addKV(ctx, kv[0], str(kv[1]))
		}
	}
	if len(refs) > 0 {
		addKV(ctx, "references", seq(refs, false))
	}
	if len(fps) > 0 {
		addKV(ctx, "falsepositives", seq(fps, false))
	}
	root := &yaml.Node{Kind: yaml.MappingNode}
	nameKey := &yaml.Node{Kind: yaml.ScalarNode, Value: "name",
		HeadComment: "# Converted by ruleck import sigma from " + filepath.Base(file) + ".\n# Sigma rules are published under the Detection Rule License 1.1."}
	root.Content = append(root.Content, nameKey, str(name))
	d := str(strings.TrimRight(b.String(), "\n"))
	d.Style = yaml.LiteralStyle
	addKV(root, "description", d)
	addKV(root, "log_types", seq(src.LogTypes, true))
	cn := str(cond.expr(true))
	cn.Style = yaml.LiteralStyle
	addKV(root, "condition", cn)
	addKV(root, "severity", str(sev))
	if len(tags) > 0 {
		addKV(root, "tags", seq(tags, true))
	}
	addKV(root, "context", ctx)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return lint.Format(buf.Bytes())
}

// allowed are the lint warnings a converted rule may carry: it has no tests
// and no outputs until the analyst adds them.
var allowed = map[string]bool{"no-outputs": true, "no-tests": true, "weak-tests": true}

// lint checks the converted rule alone against the schemas; any error or
// other warning refuses it.
func (c *Converter) lint(name string, src []byte) error {
	fsys := fstest.MapFS{name + ".yaml": &fstest.MapFile{Data: src}}
	for _, d := range lint.Check(fsys, lint.Options{Schemas: c.set}) {
		if d.Severity == diag.Warning && allowed[d.Code] {
			continue
		}
		return fmt.Errorf("the converted rule does not lint: %s [%s]", d.Message, d.Code)
	}
	return nil
}

var quotedRecord = regexp.MustCompile(`"(record[^"]*)"`)

// plainPath drops the optional chaining of an access ("record.a?.b" →
// "record.a.b"), as lint names fields.
func plainPath(access string) string {
	return strings.ReplaceAll(strings.ReplaceAll(access, "?.[", "["), "?.", ".")
}

// origin returns the Sigma field key that produced the record path a lint
// message names, else def.
func (c *Converter) origin(msg string, def *yaml.Node) *yaml.Node {
	m := quotedRecord.FindStringSubmatch(msg)
	if m == nil {
		return def
	}
	for _, f := range c.fields {
		if f.path == m[1] || strings.HasPrefix(f.path, m[1]+".") || strings.HasPrefix(f.path, m[1]+"[") {
			return f.node
		}
	}
	return def
}
