package engine

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamalert-go/streamalert/engine/schema"
)

// Bundle is a loaded set of schemas with the rules compiled against them.
// It is immutable; a reload builds a new Bundle and swaps it in whole.
type Bundle struct {
	Schemas    *schema.Set
	Classifier *schema.Classifier
	Rules      *Ruleset
	Loaded     time.Time

	cands sync.Map // joined --logs/source names → []*schema.LogType (or error)
}

// NewBundle ties schemas and a ruleset built against them together.
func NewBundle(set *schema.Set, rs *Ruleset) *Bundle {
	return &Bundle{Schemas: set, Classifier: schema.NewClassifier(set), Rules: rs, Loaded: time.Now().UTC()}
}

// candidates resolves log family/type names once per bundle and caches them.
func (b *Bundle) candidates(names []string) ([]*schema.LogType, error) {
	if len(names) == 0 {
		return nil, nil
	}
	key := strings.Join(names, ",")
	if v, ok := b.cands.Load(key); ok {
		if err, bad := v.(error); bad {
			return nil, err
		}
		return v.([]*schema.LogType), nil
	}
	lts, err := b.Schemas.Resolve(names)
	if err != nil {
		b.cands.Store(key, err)
		return nil, err
	}
	b.cands.Store(key, lts)
	return lts, nil
}

// Processor runs raw records through classification and evaluation against
// the current Bundle and keeps the counts. Swap replaces the bundle
// atomically: a record in flight finishes on the bundle it started with.
// Safe for concurrent use.
type Processor struct {
	bundle atomic.Pointer[Bundle]
	stats  Stats
}

// NewProcessor returns a Processor serving b.
func NewProcessor(b *Bundle) *Processor {
	p := &Processor{}
	p.bundle.Store(b)
	return p
}

// Bundle returns the bundle in service.
func (p *Processor) Bundle() *Bundle { return p.bundle.Load() }

// Swap puts b in service and returns the previous bundle.
func (p *Processor) Swap(b *Bundle) *Bundle { return p.bundle.Swap(b) }

// Stats returns the live counters.
func (p *Processor) Stats() *Stats { return &p.stats }

// Result is what became of one raw record.
type Result struct {
	Records []schema.Record
	Alerts  []Alert
	// Err says why the raw record did not classify (nil when it did). The
	// caller writes such records to its dead-letter sink.
	Err error
}

// Process classifies raw and evaluates every record it yields. logs limits
// the candidate log types (families or exact names); nil means all. rejected,
// when non-nil, is a reason decided before classification (oversize, bad
// UTF-8) and is counted as unclassified.
func (p *Processor) Process(raw []byte, rejected error, src Source, logs []string) Result {
	b := p.bundle.Load()
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
		alerts := b.Rules.Evaluate(r, src)
		for _, a := range alerts {
			p.stats.alert(a.RuleName)
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
