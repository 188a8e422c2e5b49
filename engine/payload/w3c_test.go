package payload

import (
	"bytes"
	"testing"
)

// TestW3CDirectives: a CloudFront standard access log file starts with
// "#Version: 1.0" and "#Fields: ..." (Amazon CloudFront Developer Guide,
// "Standard logging (access logs)"); they are not records. Line numbers of
// the records are kept; a "#" line after the first record is a record.
func TestW3CDirectives(t *testing.T) {
	const data = "#Version: 1.0\n#Fields: date time x-edge-location\n2019-12-04\t21:02:31\tLAX1\n\n#Fields: again\n"
	var got []Raw
	err := Read(bytes.NewReader([]byte(data)), Options{}, func(r Raw) error {
		got = append(got, Raw{Data: append([]byte(nil), r.Data...), Line: r.Line})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Line != 3 || string(got[0].Data) != "2019-12-04\t21:02:31\tLAX1" || got[1].Line != 5 {
		t.Fatalf("records %+v", got)
	}
	for _, s := range []string{"#Version: 1.0", "#Fields: date", "#Software: Microsoft Internet Information Services 10.0", "#Date: 2002-05-02 17:42:15"} {
		if !IsW3CDirective([]byte(s)) {
			t.Errorf("%q not taken for a directive", s)
		}
	}
	for _, s := range []string{"# a comment", "#version: 1.0", "2019-12-04 #Fields:", ""} {
		if IsW3CDirective([]byte(s)) {
			t.Errorf("%q taken for a directive", s)
		}
	}
}
