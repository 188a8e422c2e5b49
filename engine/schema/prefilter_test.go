package schema

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/streamalert-go/streamalert/engine/payload"
	"github.com/streamalert-go/streamalert/engine/testenv"
	"github.com/streamalert-go/streamalert/schemas"
)

// TestPrefilterChangesNothing classifies every record of the real-sample
// corpora, the shipped examples and StreamAlert's classifier fixtures twice,
// against every log type, with and without the prefilter: the log type,
// the records and the error must be the same.
func TestPrefilterChangesNothing(t *testing.T) {
	shipped, diags := Load(schemas.FS)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	root := testenv.RepoRoot(t)
	dirs := []string{
		filepath.Join(root, "testdata", "real"),
		filepath.Join(root, "examples", "logs"),
		testenv.Shared(t, "realsamples"),
		testenv.Shared(t, "compat/streamalert/classifier"),
	}
	sets := map[string]*Set{"shipped": shipped, "streamalert": loadCompat(t)}
	n, fitted := 0, 0
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(p) == ".md" {
				return err
			}
			fh, err := os.Open(p)
			if err != nil {
				return err
			}
			defer fh.Close()
			return payload.Read(fh, payload.Options{}, func(raw payload.Raw) error {
				if raw.Err != nil {
					return nil
				}
				for name, set := range sets {
					c := NewClassifier(set)
					usePrefilter = true
					got, gotErr := c.Classify(raw.Data, nil)
					usePrefilter = false
					want, wantErr := c.Classify(raw.Data, nil)
					usePrefilter = true
					n++
					if gotErr == nil {
						fitted++
					}
					if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
						t.Errorf("%s:%d (%s schemas): error %v with the prefilter, %v without", p, raw.Line, name, gotErr, wantErr)
						continue
					}
					if len(got) != len(want) {
						t.Errorf("%s:%d (%s schemas): %d records with the prefilter, %d without", p, raw.Line, name, len(got), len(want))
						continue
					}
					for i := range got {
						if got[i].Type != want[i].Type || !reflect.DeepEqual(got[i].Data, want[i].Data) {
							t.Errorf("%s:%d (%s schemas): record %d differs: %s with the prefilter, %s without", p, raw.Line, name, i, got[i].Type.Name, want[i].Type.Name)
						}
					}
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if fitted < 1000 {
		t.Fatalf("only %d of %d classifications fitted: the corpus is missing", fitted, n)
	}
	t.Logf("%d classifications compared, %d fitted", n, fitted)
}
