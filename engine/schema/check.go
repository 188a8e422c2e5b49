package schema

import (
	"encoding/json"
	"fmt"
)

// Check checks a record already in parsed form — what this log type's parser
// and json_path extract, with envelope keys under "streamalert:envelope_keys"
// when the type has them — against the schema exactly as classification
// does (closed key sets, type coercion, log patterns), and returns it as a
// Record with values coerced and normalized values filled. Rule tests written
// as `record:` go through it, so a test record that could never be
// classified fails instead of passing. data is not modified; values may be
// any JSON-encodable Go values (YAML-decoded ints included). The error says
// every problem, as a *ClassifyError.
func (t *LogType) Check(data map[string]any) (Record, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return Record{}, &ClassifyError{Reason: fmt.Sprintf("record cannot be encoded: %v", err)}
	}
	doc, err := decodeJSON(b) // the value types classified records hold
	if err != nil {
		return Record{}, &ClassifyError{Reason: fmt.Sprintf("record cannot be decoded: %v", err)}
	}
	m := doc.(map[string]any)
	chk := &check{mode: checkDescribe}
	var envelope map[string]any
	if t.envelope != nil {
		env, _ := m[EnvelopeKey].(map[string]any)
		if env == nil {
			env = map[string]any{}
		}
		delete(m, EnvelopeKey)
		envelope, _ = chk.mapping(env, t.envelope, t.optEnvFlags, EnvelopeKey, true)
	}
	rec := t.finish(m, envelope, chk)
	if !chk.ok() {
		return Record{}, &ClassifyError{Reason: fmt.Sprintf("does not fit %s: %s", t.Name, chk)}
	}
	return Record{Type: t, Data: rec, Normalized: t.normalize(rec)}, nil
}
