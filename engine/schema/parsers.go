package schema

import (
	"strings"
	"unicode/utf8"
)

// The csv and kv parsers (syslog: parsers_syslog.go) build a flat (or, for nested csv, nested)
// map of strings from one line; finish then checks and coerces it as for
// JSON. The line splitting itself lives in parse_csv.go and parse_kv.go.
func init() {
	textParsers["csv"] = csvRecord
	textParsers["kv"] = kvRecord
}

// csvRecord maps the columns of one CSV line to the schema's keys in
// declaration order; a key declared as a mapping is itself a CSV-encoded
// column, split the same way.
//
// With header_line the record is two lines, the header naming the columns
// and the values (package payload yields the lines of a VPC flow log file
// so): columns map to keys by name, "-" in a name becoming "_"
// (account-id: account_id), in any order and any subset.
func csvRecord(t *LogType, text string, chk *check) map[string]any {
	if t.headerLine {
		return csvWithHeader(t, text, chk)
	}
	return csvColumns(t, text, t.Schema, "", chk)
}

func csvWithHeader(t *LogType, text string, chk *check) map[string]any {
	header, line, ok := strings.Cut(text, "\n")
	if !ok {
		chk.fatal("no header line: header_line types take the lines of a file whose first line names the columns")
		return nil
	}
	delim, _ := utf8.DecodeRuneInString(t.delimiter)
	names, err := splitCSV(strings.TrimRight(header, "\r"), delim, t.quote, t.escape)
	if err != nil {
		chk.fatal("not a valid CSV header: %v", err)
		return nil
	}
	cols, err := splitCSV(line, delim, t.quote, t.escape)
	if err != nil {
		chk.fatal("not valid CSV: %v", err)
		return nil
	}
	if len(cols) != len(names) {
		chk.fatal("CSV has %d columns, its header names %d", len(cols), len(names))
		return nil
	}
	m := make(map[string]any, len(cols))
	for i, name := range names {
		if t.hasNull && cols[i] == t.nullValue {
			continue
		}
		m[strings.ReplaceAll(name, "-", "_")] = cols[i]
	}
	return m
}

func csvColumns(t *LogType, text string, f *Field, prefix string, chk *check) map[string]any {
	delim, _ := utf8.DecodeRuneInString(t.delimiter)
	if chk.mode == checkFast && prefix == "" {
		// Without splitting: a line has at most one column more than it
		// has delimiters, and exactly that many when it quotes nothing.
		quote := t.quote
		if quote == 0 {
			quote = '"'
		}
		d := delim
		if d == 0 {
			d = ','
		}
		n := strings.Count(trimLineEnd(text), string(d)) + 1
		if n < len(f.Keys) || n != len(f.Keys) && !strings.ContainsRune(text, quote) && (t.escape == 0 || !strings.ContainsRune(text, t.escape)) {
			chk.fatal("CSV does not have %d columns", len(f.Keys))
			return nil
		}
	}
	cols, err := splitCSV(text, delim, t.quote, t.escape)
	where := "CSV"
	if prefix != "" {
		where = "nested CSV in key " + quoteShort(prefix)
	}
	if err != nil {
		chk.fatal("not valid %s: %v", where, err)
		return nil
	}
	if len(cols) != len(f.Keys) {
		chk.fatal("%s has %d columns, want %d", where, len(cols), len(f.Keys))
		return nil
	}
	m := make(map[string]any, len(cols))
	for i, k := range f.Keys {
		if k.Field.Kind != KindMapping {
			if !t.hasNull || cols[i] != t.nullValue {
				m[k.Name] = cols[i]
			}
			continue
		}
		sub := csvColumns(t, cols[i], k.Field, chk.path(prefix, k.Name), chk)
		if sub == nil {
			return nil
		}
		m[k.Name] = sub
	}
	return m
}

// kvRecord splits "k1=v1 k2='v 2'" into a map. A key given twice keeps its
// last value, as StreamAlert does: auditd writes msg=audit(TIME:SERIAL):
// first and the interesting msg='op=... res=...' after it.
//
// A Linux audit record (type=... msg=audit(...) among the first words) with
// the default delimiter and separator is read as auditd writes it, which is
// not strictly key=value: see parseAuditd.
func kvRecord(t *LogType, text string, chk *check) map[string]any {
	if t.delimiter == " " && t.separator == "=" && isAuditdLine(text) {
		m, err := parseAuditd(text)
		if err != nil {
			chk.fatal("not a valid audit record: %v", err)
			return nil
		}
		return m
	}
	pairs, err := splitKV(text, t.delimiter, t.separator)
	if err != nil {
		chk.fatal("not valid key/value text: %v", err)
		return nil
	}
	if len(pairs) == 0 {
		chk.fatal("no key/value pairs")
		return nil
	}
	m := make(map[string]any, len(pairs))
	for _, p := range pairs {
		m[p.Key] = p.Value
	}
	return m
}
