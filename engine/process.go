package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamalert-go/streamalert/engine/diag"
	"github.com/streamalert-go/streamalert/engine/rule"
	"github.com/streamalert-go/streamalert/engine/schema"
)

// Bundle is a loaded set of schemas with the rules compiled against them.
// It is immutable; a reload builds a new Bundle and swaps it in whole.
type Bundle struct {
	Schemas    *schema.Set
	Classifier *schema.Classifier
	Rules      *Ruleset
	Loaded     time.Time

	candMu   sync.RWMutex
	cands    map[string]resolved // joined --logs/source names → Resolve's result
	inflight atomic.Int64        // records being processed on this bundle
	digests  atomic.Pointer[map[string]string]
}

// NewBundle ties schemas and a ruleset built against them together.
// Records of log types no rule reads normalized values of are not
// normalized (classification without rules normalizes every record).
func NewBundle(set *schema.Set, rs *Ruleset) *Bundle {
	c := schema.NewClassifier(set)
	if rs != nil {
		c = c.WithoutNormalization(func(t *schema.LogType) bool {
			tr := rs.byType[t.Name]
			return tr == nil || !tr.readsNormalized
		})
	}
	return &Bundle{Schemas: set, Classifier: c, Rules: rs, Loaded: time.Now().UTC()}
}

// candidates resolves log family/type names once per bundle and caches them.
// It runs per record: the cache lookup builds its key in a stack buffer, and
// a map index with string(bytes) does not allocate.
func (b *Bundle) candidates(names []string) ([]*schema.LogType, error) {
	if len(names) == 0 {
		return nil, nil
	}
	var buf [128]byte
	key := buf[:0]
	for i, n := range names {
		if i > 0 {
			key = append(key, ',')
		}
		key = append(key, n...)
	}
	b.candMu.RLock()
	c, ok := b.cands[string(key)]
	b.candMu.RUnlock()
	if !ok {
		c.types, c.err = b.Schemas.Resolve(names)
		// Only names that resolve are cached, and only so many: the names
		// may come from a client (an HTTP X-Log-Type header), and a cache
		// of whatever it sends would grow without end.
		if c.err == nil && len(key) <= maxCandidateKey {
			b.candMu.Lock()
			if b.cands == nil {
				b.cands = map[string]resolved{}
			}
			if len(b.cands) < maxCandidateEntries {
				b.cands[string(key)] = c
			}
			b.candMu.Unlock()
		}
	}
	return c.types, c.err
}

// The candidate cache's bounds: at most maxCandidateEntries resolved name
// lists of at most maxCandidateKey bytes each. Lists past them are resolved
// on every record (correct, only slower); real configurations have a few.
const (
	maxCandidateEntries = 256
	maxCandidateKey     = 1024
)

// resolved is a cached Resolve result (always a successful one).
type resolved struct {
	types []*schema.LogType
	err   error
}

// RuleDigests returns, for every rule (enabled or not), a digest of its
// definition: every key of the rule file except positions, the source of
// each library matcher it uses, and the values of the lists its expressions
// name. Two bundles give a rule the same digest exactly when its definition
// is the same, whatever moved in the files around it. Nil rules, nil map.
// Computed once per bundle; the map is shared, do not modify it.
func (b *Bundle) RuleDigests() map[string]string {
	if b == nil || b.Rules == nil {
		return nil
	}
	if d := b.digests.Load(); d != nil {
		return *d
	}
	rs := b.Rules
	out := make(map[string]string, len(rs.compiled))
	for name, cr := range rs.compiled {
		out[name] = ruleDigest(cr, rs.lists)
	}
	b.digests.Store(&out)
	return out
}

// ruleDefinition is what a rule's digest covers (positions left out).
type ruleDefinition struct {
	Rule     rule.Rule
	Local    map[string]string // rule-local matcher name → source
	Matchers map[string]string // every matcher used → source
	Cond     string
	Lists    map[string][]any // lists named in the rule's expressions
}

var listRef = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

func ruleDigest(cr *compiledRule, lists map[string]*rule.List) string {
	r := *cr.rule
	r.File, r.Pos, r.Keys, r.Items = "", diag.Pos{}, nil, nil
	r.Condition = nil
	r.Matchers = nil
	r.Tests = slices.Clone(r.Tests)
	for i := range r.Tests {
		r.Tests[i].Pos, r.Tests[i].Keys = diag.Pos{}, nil
	}
	def := ruleDefinition{Rule: r, Local: map[string]string{}, Matchers: map[string]string{}, Lists: map[string][]any{}}
	var sources []string
	if c := cr.rule.Condition; c != nil {
		def.Cond = c.Source
		sources = append(sources, c.Source)
	}
	for _, m := range cr.rule.Matchers {
		if m.Local != nil {
			def.Local[m.Name] = m.Local.Expr.Source
			sources = append(sources, m.Local.Expr.Source)
		}
	}
	for _, m := range cr.matchers {
		if m.prog != nil {
			src := m.prog.Source().String()
			def.Matchers[m.name] = src
			sources = append(sources, src)
		}
	}
	for _, src := range sources {
		for _, w := range listRef.FindAllString(src, -1) {
			if l, ok := lists[w]; ok {
				def.Lists[w] = l.Values
			}
		}
	}
	data, err := json.Marshal(def)
	if err != nil {
		// A value JSON cannot encode (a NaN in context): fmt prints maps
		// with sorted keys, so this is deterministic too.
		data = fmt.Appendf(nil, "%v", def)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// RuleDiff says how the rules of one bundle differ from another's. Each list
// is sorted by rule name.
type RuleDiff struct {
	Added, Removed, Changed []string
}

// Empty reports whether no rule was added, removed or changed.
func (d RuleDiff) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0
}

// DiffRules compares the rule definitions of two bundles (see RuleDigests).
// Either may be nil or have no rules.
func DiffRules(old, new *Bundle) RuleDiff {
	a, b := old.RuleDigests(), new.RuleDigests()
	var d RuleDiff
	for name, h := range b {
		if oh, ok := a[name]; !ok {
			d.Added = append(d.Added, name)
		} else if oh != h {
			d.Changed = append(d.Changed, name)
		}
	}
	for name := range a {
		if _, ok := b[name]; !ok {
			d.Removed = append(d.Removed, name)
		}
	}
	slices.Sort(d.Added)
	slices.Sort(d.Removed)
	slices.Sort(d.Changed)
	return d
}

// Processor runs raw records through classification and evaluation against
// the current Bundle and keeps the counts. Swap replaces the bundle
// atomically: a record in flight finishes on the bundle it started with.
// Safe for concurrent use.
type Processor struct {
	bundle atomic.Pointer[Bundle]
	stats  Stats

	mu      sync.Mutex
	retired []*Bundle         // swapped out, records may still run on them
	folded  map[string]uint64 // rule error counts of retired bundles that drained
}

// NewProcessor returns a Processor serving b.
func NewProcessor(b *Bundle) *Processor {
	p := &Processor{}
	p.bundle.Store(b)
	return p
}

// Bundle returns the bundle in service.
func (p *Processor) Bundle() *Bundle { return p.bundle.Load() }

// Swap puts b in service and returns the previous bundle. Records already
// being processed finish on the previous bundle; their rule errors still
// count in RuleErrorCounts.
func (p *Processor) Swap(b *Bundle) *Bundle {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.bundle.Swap(b)
	if old != nil && old != b && old.Rules != nil {
		p.retired = append(p.retired, old)
	}
	p.foldLocked()
	return old
}

// InFlight returns the number of records being processed right now.
func (p *Processor) InFlight() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.bundle.Load().inflight.Load()
	for _, b := range p.retired {
		n += b.inflight.Load()
	}
	return n
}

// RuleErrorCounts returns, for every rule, the run-time errors counted since
// the Processor started, over every bundle it has served: the counts only
// grow, across reloads, so they suit a monotonic counter.
func (p *Processor) RuleErrorCounts() map[string]uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.foldLocked()
	out := map[string]uint64{}
	for name, n := range p.folded {
		out[name] += n
	}
	add := func(b *Bundle) {
		if b == nil || b.Rules == nil {
			return
		}
		for name, n := range b.Rules.RuleErrorCounts() {
			out[name] += n
		}
	}
	add(p.bundle.Load())
	for _, b := range p.retired {
		add(b)
	}
	return out
}

// foldLocked adds the final rule error counts of retired bundles no record
// runs on any more to p.folded and drops the bundles, so a long session of
// reloads does not keep every old ruleset alive. Caller holds p.mu.
func (p *Processor) foldLocked() {
	keep := p.retired[:0]
	for _, b := range p.retired {
		if b.inflight.Load() > 0 {
			keep = append(keep, b)
			continue
		}
		if p.folded == nil {
			p.folded = map[string]uint64{}
		}
		for name, n := range b.Rules.RuleErrorCounts() {
			if n > 0 {
				p.folded[name] += n
			}
		}
	}
	clear(p.retired[len(keep):])
	p.retired = keep
}

// acquire returns the bundle in service with its in-flight count raised.
// The second load makes sure the bundle was still in service after the
// count went up, so a bundle seen drained (inflight 0) after it was retired
// is never used again.
func (p *Processor) acquire() *Bundle {
	for {
		b := p.bundle.Load()
		b.inflight.Add(1)
		if p.bundle.Load() == b {
			return b
		}
		b.inflight.Add(-1)
	}
}

// Stats returns the live counters.
func (p *Processor) Stats() *Stats { return &p.stats }

// Result is what became of one raw record.
type Result struct {
	Records []schema.Record
	Alerts  []Alert
	// Err says why the raw record did not classify (nil when it did). The
	// caller writes such records to its dead-letter sink.
	Err error
	// RuleErrors are the rules that failed at run time on these records:
	// they could not judge them, so the caller keeps the raw record in its
	// dead-letter sink for each.
	RuleErrors []RuleError
}

// Process classifies raw and evaluates every record it yields. logs limits
// the candidate log types (families or exact names); nil means all. rejected,
// when non-nil, is a reason decided before classification (oversize, bad
// UTF-8) and is counted as unclassified.
func (p *Processor) Process(raw []byte, rejected error, src Source, logs []string) Result {
	b := p.acquire()
	defer b.inflight.Add(-1)
	p.stats.Raw.Add(1)
	if rejected != nil {
		p.stats.unclassified()
		return Result{Err: rejected}
	}
	cands, err := b.candidates(logs)
	if err != nil {
		p.stats.unclassified()
		return Result{Err: fmt.Errorf("source %s:%s: %w", src.Service, src.Entity, err)}
	}
	recs, err := b.Classifier.Classify(raw, cands)
	if err != nil {
		p.stats.unclassified()
		return Result{Err: err}
	}
	res := Result{Records: recs}
	for _, r := range recs {
		p.stats.classified(r.Type.Name)
		if b.Rules == nil {
			continue
		}
		alerts, ruleErrs := b.Rules.EvaluateAll(r, src)
		res.RuleErrors = append(res.RuleErrors, ruleErrs...)
		if len(alerts) > 0 {
			digests := b.RuleDigests()
			for i := range alerts {
				p.stats.alert(alerts[i].RuleName)
				alerts[i].RuleDigest = digests[alerts[i].RuleName]
			}
		}
		res.Alerts = append(res.Alerts, alerts...)
	}
	return res
}

// Stats are a Processor's counters since it started. All methods are safe
// for concurrent use.
type Stats struct {
	Raw          atomic.Uint64 // raw records seen (including rejected ones)
	Records      atomic.Uint64 // records classified (one raw record may yield several)
	Unclassified atomic.Uint64 // raw records that did not classify
	Alerts       atomic.Uint64

	byLogType sync.Map // string → *atomic.Uint64
	byRule    sync.Map // string → *atomic.Uint64
}

func (s *Stats) unclassified() { s.Unclassified.Add(1) }

func (s *Stats) classified(logType string) {
	s.Records.Add(1)
	counter(&s.byLogType, logType).Add(1)
}

func (s *Stats) alert(rule string) {
	s.Alerts.Add(1)
	counter(&s.byRule, rule).Add(1)
}

func counter(m *sync.Map, key string) *atomic.Uint64 {
	if v, ok := m.Load(key); ok {
		return v.(*atomic.Uint64)
	}
	v, _ := m.LoadOrStore(key, new(atomic.Uint64))
	return v.(*atomic.Uint64)
}

// ByLogType returns a snapshot of classified record counts per log type.
func (s *Stats) ByLogType() map[string]uint64 { return snapshot(&s.byLogType) }

// ByRule returns a snapshot of alert counts per rule.
func (s *Stats) ByRule() map[string]uint64 { return snapshot(&s.byRule) }

func snapshot(m *sync.Map) map[string]uint64 {
	out := map[string]uint64{}
	m.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Uint64).Load()
		return true
	})
	return out
}
