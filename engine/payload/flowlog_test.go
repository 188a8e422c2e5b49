package payload

import (
	"bytes"
	"testing"
)

// TestFlowLogHeader: a flow log file from S3 starts with its format as a
// header line (a custom format from the Amazon VPC User Guide, "Flow log
// record examples", awsdocs/amazon-vpc-user-guide @ fca1889b); the header is
// not a record and names the columns of every line after it.
func TestFlowLogHeader(t *testing.T) {
	const header = "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status"
	const line = "3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1566848875 1566848933 ACCEPT 2 OK"
	var got []Raw
	err := Read(bytes.NewReader([]byte(header+"\n"+line+"\n\n"+line+"\n")), Options{}, func(r Raw) error {
		r.Data = append([]byte(nil), r.Data...)
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Line != 2 || got[1].Line != 4 {
		t.Fatalf("records %+v", got)
	}
	for _, r := range got {
		if string(r.Data) != header+"\n"+line {
			t.Errorf("line %d: %q", r.Line, r.Data)
		}
	}

	// Not headers: a data line, prose, a repeated field, one word.
	for _, s := range []string{line, "start the end of the action", "srcaddr dstaddr srcaddr", "version", "version  srcaddr"} {
		if IsFlowLogHeader([]byte(s)) {
			t.Errorf("%q taken for a header", s)
		}
	}
	// A header only counts as the first line.
	got = nil
	_ = Read(bytes.NewReader([]byte(line+"\n"+header+"\n")), Options{}, func(r Raw) error {
		got = append(got, Raw{Data: append([]byte(nil), r.Data...), Line: r.Line})
		return nil
	})
	if len(got) != 2 || string(got[1].Data) != header {
		t.Errorf("header after the first line: %+v", got)
	}
}
