package schema

import (
	"errors"
	"strings"
)

// AuditdTextKey is the key under which the kv parser keeps the words of a
// Linux audit record that are not key=value pairs ("avc: denied { read }
// for", "auditd normal halt, sending", "user"), in order, joined by one
// space. It is absent when the record has none.
const AuditdTextKey = "text"

// auditdEnrichedSep separates the raw fields of an audit record from the
// interpreted ones that auditd appends with log_format = ENRICHED (the
// default on RHEL 8 and 9): ...key="delete"\x1dARCH=x86_64 SYSCALL=unlinkat
// AUID="root" UID="root" ...
const auditdEnrichedSep = '\x1d'

// isAuditdLine reports whether a kv line is a Linux audit record: one of its
// first three words is type=... and another msg=audit(...) (node=... may
// come first, as auditd writes with name_format set).
func isAuditdLine(line string) bool {
	var typ, msg bool
	for i, w := range strings.SplitN(strings.TrimLeft(line, " "), " ", 4) {
		if i == 3 {
			break
		}
		typ = typ || strings.HasPrefix(w, "type=")
		msg = msg || strings.HasPrefix(w, "msg=audit(")
	}
	return typ && msg
}

// parseAuditd reads one Linux audit record as auditd writes it, which is
// not strictly key=value:
//
//   - words that are not pairs ("user pid=...", "avc:  denied  { read } for
//     pid=...", "auditd normal halt, sending auid=?") are kept, joined by one
//     space, under AuditdTextKey;
//   - "old auid=700 new auid=701" (LOGIN records of older kernels) become
//     old-auid and auid, the names newer kernels write;
//   - the nested msg='op=... acct="alice" res=success' of user-space records
//     is split into its pairs, and msg keeps the record id "audit(TIME:SERIAL):";
//   - with log_format = ENRICHED the interpreted fields after the 0x1D byte
//     (ARCH=x86_64 UID="root" ...) are pairs of their own, under their
//     upper-case names, and never part of the last raw value;
//   - an interpreted value in braces (SADDR={ saddr_fam=inet laddr=10.0.0.1
//     lport=22 }) is one value, braces included;
//   - a value of ? (auditd's "unknown") leaves the key out;
//   - a value quoted with ' or " loses its quotes (auditd does not escape
//     inside them; values with spaces or quotes are hex-encoded instead), and
//     an unterminated quote runs to the end of the line.
//
// A key given twice keeps its last value, as the kv parser does. The result
// maps keys to strings; a line without any pair is an error.
func parseAuditd(line string) (map[string]any, error) {
	raw, enriched, _ := strings.Cut(trimLineEnd(line), string(auditdEnrichedSep))
	out := make(map[string]any, 32)
	var words []string
	auditdFields(raw, out, &words, true)
	if enriched != "" {
		auditdFields(enriched, out, &words, false)
	}
	if len(out) == 0 {
		return nil, errors.New("auditd: no key=value pairs")
	}
	if len(words) > 0 {
		out[AuditdTextKey] = strings.Join(words, " ")
	}
	return out, nil
}

// auditdFields adds the pairs of s to out and its other words to words. top
// is false inside a nested msg='...' and in the enriched part, whose msg
// values are not split again.
func auditdFields(s string, out map[string]any, words *[]string, top bool) {
	pending := "" // "old" or "new" right before a pair
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		end := strings.IndexByte(s[i:], ' ')
		if end < 0 {
			end = len(s)
		} else {
			end += i
		}
		eq := strings.IndexByte(s[i:end], '=')
		if eq <= 0 { // a bare word
			w := s[i:end]
			if pending != "" {
				*words = append(*words, pending)
			}
			pending = ""
			if w == "old" || w == "new" {
				pending = w
			} else {
				*words = append(*words, w)
			}
			i = end
			continue
		}
		key := s[i : i+eq]
		i += eq + 1
		var value string
		quoted := false
		if i < len(s) && (s[i] == '\'' || s[i] == '"') {
			q := s[i]
			close := strings.IndexByte(s[i+1:], q)
			if close < 0 {
				value, i = s[i+1:], len(s)
			} else {
				value = s[i+1 : i+1+close]
				i += close + 2
				// text right after the closing quote, up to the next space, is
				// part of the value, as the kv parser reads it
				if rest := strings.IndexByte(s[i:], ' '); rest != 0 {
					if rest < 0 {
						rest = len(s) - i
					}
					value += s[i : i+rest]
					i += rest
				}
			}
			quoted = q == '\''
		} else if strings.HasPrefix(s[i:], "{ ") {
			// An interpreted SADDR={ saddr_fam=inet laddr=10.0.0.1 lport=22 }
			// (ENRICHED) runs to its closing brace.
			e := strings.Index(s[i:], " }")
			if e < 0 {
				e = len(s) - i
			} else {
				e += 2
			}
			value = s[i : i+e]
			i += e
		} else {
			e := strings.IndexByte(s[i:], ' ')
			if e < 0 {
				e = len(s) - i
			}
			value = s[i : i+e]
			i += e
		}
		switch pending {
		case "old":
			key = "old-" + key
		}
		pending = ""
		if key == "msg" {
			prev, _ := out["msg"].(string)
			hasID := strings.HasPrefix(prev, "audit(")
			if top && quoted {
				// The nested message of a user-space record: its pairs are
				// fields of the record; msg keeps the audit(...) id when the
				// line has one.
				if !hasID {
					out["msg"] = value
				}
				auditdFields(value, out, words, false)
				continue
			}
			if hasID {
				continue // the record id stays
			}
		}
		if value == "?" {
			// auditd writes ? for a value it does not know (pid=? auid=?
			// after shutdown, hostname=? addr=? without a network peer): the
			// key is left out, so rules see nil and integer fields stay
			// integers.
			delete(out, key)
			continue
		}
		out[key] = value
	}
	if pending != "" {
		*words = append(*words, pending)
	}
}
