package sigma

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzConvert feeds arbitrary bytes to the converter, seeded with the Sigma
// fixtures: it never panics, and every result is either a rule or a
// refusal with a position and a reason.
func FuzzConvert(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "sigma", "*", "*", "*.yml"))
	more, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "sigma", "*", "*", "*", "*.yml"))
	for _, p := range append(files, more...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("title: x\nlogsource: {product: aws, service: cloudtrail}\ndetection: {sel: {eventName|re: '('}, condition: 'sel and (not'}\n"))
	set := shippedSchemas(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewConverter(Options{Schemas: set})
		for _, r := range c.Convert("f.yml", data) {
			if r.Converted() == (len(r.YAML) == 0) {
				t.Fatalf("converted %v with %d bytes of rule", r.Converted(), len(r.YAML))
			}
			if !r.Converted() && (r.Refusal.Message == "" || r.Refusal.Pos.File != "f.yml") {
				t.Fatalf("refusal without reason or file: %+v", r.Refusal)
			}
		}
	})
}
