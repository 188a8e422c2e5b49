package payload

import "bytes"

// w3cDirectives are the directive prefixes of the W3C Extended Log File
// Format (#Version:, #Fields:, #Software:, #Date:, #Remark:, #Start-Date:,
// #End-Date:) that start, for example, every CloudFront standard access log
// file ("#Version: 1.0" and "#Fields: date time x-edge-location ...").
var w3cDirectives = [][]byte{
	[]byte("#Version:"), []byte("#Fields:"), []byte("#Software:"), []byte("#Date:"),
	[]byte("#Remark:"), []byte("#Start-Date:"), []byte("#End-Date:"),
}

// IsW3CDirective reports whether line is a directive line of the W3C
// Extended Log File Format (it starts with one of the directive prefixes).
func IsW3CDirective(line []byte) bool {
	for _, d := range w3cDirectives {
		if bytes.HasPrefix(line, d) {
			return true
		}
	}
	return false
}

// withoutW3CDirectives wraps yield for a payload of lines: W3C directive
// lines (IsW3CDirective) before the first record are not records, so the
// header of a CloudFront access log file is neither classified nor
// dead-lettered. A directive after the first record is yielded as a record
// (it is not a header there). Line numbers are kept.
func withoutW3CDirectives(yield func(Raw) error) func(Raw) error {
	header := true
	return func(r Raw) error {
		if header && r.Err == nil && IsW3CDirective(r.Data) {
			return nil
		}
		header = false
		return yield(r)
	}
}
