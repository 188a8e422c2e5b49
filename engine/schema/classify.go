package schema

// Classifier classifies raw records against a Set. Safe for concurrent use.
type Classifier struct{ set *Set }

// NewClassifier returns a Classifier for set.
func NewClassifier(set *Set) *Classifier { return &Classifier{set: set} }

// Classify parses raw (one record as read by package payload) against the
// candidate log types (all of the Set's when cands is nil). One raw record can
// yield several records (json_path such as "Records[*]"). When no candidate
// fits, or more than one fits with equal priority, err is a *ClassifyError
// saying why.
func (c *Classifier) Classify(raw []byte, cands []*LogType) ([]Record, error) { panic("TODO") }
