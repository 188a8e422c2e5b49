package payload

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func sha(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// Issue 12 item 11: oversize records were dead-lettered with only a 1 KiB
// prefix and could not be replayed. They are kept whole up to a generous
// cap (DefaultOversizeKeep), and beyond it their exact length and SHA-256
// identify the whole record.
func TestOversizeRecordIsKeptWholeNotAs1KiBPrefix(t *testing.T) {
	whole := `{"big":"` + strings.Repeat("é", 300<<10) + `"}` // 600 KiB, over a 64 KiB limit and the read buffer
	for name, in := range map[string]string{"LF": whole + "\nnext\n", "CRLF": whole + "\r\nnext\r\n", "last line": "next\n" + whole} {
		for rname, read := range map[string]func(string) ([]rec, error){
			"Read":   func(s string) ([]rec, error) { return collect(t, Read, []byte(s), Options{MaxRecordSize: 64 << 10}) },
			"Stream": func(s string) ([]rec, error) { return collect(t, Stream, []byte(s), Options{MaxRecordSize: 64 << 10}) },
		} {
			got, err := read(in)
			if err != nil || len(got) != 2 {
				t.Fatalf("%s %s: %d records, %v", rname, name, len(got), err)
			}
			r := got[0]
			if name == "last line" {
				r = got[1]
			}
			oe, ok := errors.AsType[*OversizeError](r.Err)
			if !ok || r.Data != whole {
				t.Fatalf("%s %s: kept %d of %d bytes (%v), want the whole record", rname, name, len(r.Data), len(whole), r.Err)
			}
			if oe.Size != int64(len(whole)) || oe.Kept != len(whole) || oe.SHA256 != sha(whole) || oe.Limit != 64<<10 {
				t.Errorf("%s %s: %+v, want size %d, sha256 %s", rname, name, *oe, len(whole), sha(whole))
			}
		}
	}

	// Past the cap: the start is kept, length and digest are the whole's.
	huge := strings.Repeat("x", 3<<20) + "\r"
	got, err := collect(t, Stream, []byte(huge+"\r\nafter\n"), Options{OversizeKeep: 1 << 20})
	if err != nil || len(got) != 2 {
		t.Fatalf("%d records, %v", len(got), err)
	}
	oe, ok := errors.AsType[*OversizeError](got[0].Err)
	if !ok || len(got[0].Data) != 1<<20 || oe.Kept != 1<<20 || oe.Size != int64(len(huge)) || oe.SHA256 != sha(huge) {
		t.Fatalf("kept %d bytes, error %v; want 1 MiB kept, size %d and the digest of the whole line (its own CR included)", len(got[0].Data), got[0].Err, len(huge))
	}
	if !strings.Contains(oe.Error(), "first 1048576 bytes kept") || !strings.Contains(oe.Error(), sha(huge)) {
		t.Errorf("message %q", oe)
	}

	// A multi-line document over the limit is kept as the payload it is.
	doc := "{\n" + strings.Repeat("  \"k\": 1,\n", 1000) + "  \"z\": 2\n}\n"
	got, err = collect(t, Read, []byte(doc), Options{MaxRecordSize: 1000})
	if err != nil || len(got) != 1 || got[0].Data != doc {
		t.Fatalf("document: %d records, %v", len(got), err)
	}
	if oe, ok := errors.AsType[*OversizeError](got[0].Err); !ok || oe.SHA256 != sha(doc) || oe.Size != int64(len(doc)) {
		t.Fatalf("document error %v", got[0].Err)
	}
}
