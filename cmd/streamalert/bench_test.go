package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/streamalert-go/streamalert/cmd/internal/benchgen"
)

// TestMain lets `streamalert bench` run this test binary as streamalert: a
// child it starts has benchChildEnv set and runs the command line.
func TestMain(m *testing.M) {
	if os.Getenv(benchChildEnv) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestBenchQuick keeps the harness working: the short mode generates,
// runs the real `run` in child processes and reports sensible figures.
func TestBenchQuick(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "--quick", "--only", "osquery,cloudtrail,osquery+1k rules", "--format", "json"}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Cores   int
		Results []benchResult
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(rep.Results) < 3 {
		t.Fatalf("%d results, want one per workload and core count: %s", len(rep.Results), out.String())
	}
	for _, r := range rep.Results {
		if r.Records == 0 || r.Unclassified != 0 || r.RecordsPerSec <= 0 || r.AllocsPerRec <= 0 || r.PeakRSSMiB <= 0 || r.Alerts == 0 {
			t.Errorf("%s on %d cores: implausible %+v", r.Workload, r.Cores, r)
		}
	}
	// A workload name that does not exist is a usage error.
	if code := run(context.Background(), []string{"bench", "--only", "osquerry"}, nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), `did you mean "osquery"`) {
		t.Errorf("--only osquerry: exit %d, %s", code, errb.String())
	}
}

// TestParallelSameResults runs the generated corpora through `run` with one
// worker and with several, for every ruleset size: the alerts (in order) and
// the dead letters must be the same.
func TestParallelSameResults(t *testing.T) {
	dir := t.TempDir()
	corpora := map[string]int{"osquery": 3000, "sshd": 2000, "cloudtrail": 1500, "vpcflow": 2000, "github": 2000}
	var files []string
	for _, name := range benchgen.Names {
		c, err := benchgen.Write(filepath.Join(dir, name), name, corpora[name], 500, 7)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, c.Files...)
	}
	// A line that is not UTF-8 and a JSON line cut short, for the dead
	// letters.
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte("\xff\xfe not UTF-8\n{\"name\": \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, bad)
	for _, n := range []int{0, 100, 1000, 10000} {
		t.Run(fmt.Sprintf("%d_rules", n), func(t *testing.T) {
			var args []string
			in := files
			if n > 0 {
				rules := filepath.Join(dir, fmt.Sprintf("rules-%d", n))
				if err := benchgen.Rules(rules, n, 7); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--rules", rules)
				if n == 10000 {
					in = []string{filepath.Join(dir, "osquery", "osquery.jsonl"), bad} // the rules are for osquery
				}
			}
			var want []string
			var wantDead []string
			for _, workers := range []string{"1", "4"} {
				dead := filepath.Join(t.TempDir(), "dead.jsonl")
				var out, errb bytes.Buffer
				a := append(append([]string{"run", "--workers", workers, "--dead-letter", dead}, args...), in...)
				if code := run(context.Background(), a, nil, &out, &errb); code != 0 {
					t.Fatalf("--workers %s: exit %d: %s", workers, code, errb.String())
				}
				got := canonicalAlerts(t, out.Bytes())
				gotDead := canonicalAlerts(t, mustRead(t, dead))
				if len(got) == 0 || len(gotDead) != 2 {
					t.Fatalf("--workers %s: %d alerts, %d dead letters: %s", workers, len(got), len(gotDead), errb.String())
				}
				if want == nil {
					want, wantDead = got, gotDead
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("--workers %s: %d alerts differ from --workers 1's %d", workers, len(got), len(want))
					for i := range min(len(got), len(want)) {
						if got[i] != want[i] {
							t.Errorf("first difference, alert %d:\n%s\n%s", i, got[i], want[i])
							break
						}
					}
				}
				if !reflect.DeepEqual(gotDead, wantDead) {
					t.Errorf("--workers %s: dead letters differ:\n%s\n%s", workers, gotDead, wantDead)
				}
			}
		})
	}
}

func mustRead(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// canonicalAlerts returns each JSON line without what differs between two
// runs of the same input: alert ids, wall-clock times, and the times that
// key a merged alert's value differences (compared as a set).
func canonicalAlerts(t *testing.T, data []byte) []string {
	t.Helper()
	var out []string
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		delete(m, "id")
		delete(m, "created")
		delete(m, "time")
		if rec, ok := m["record"].(map[string]any); ok {
			delete(rec, "AlertTimeFirst")
			delete(rec, "AlertTimeLast")
			if vd, ok := rec["ValueDiffs"].(map[string]any); ok {
				// Keyed by each alert's creation time, which on several
				// workers is not the input order: compare them as a set.
				var ordered []string
				for _, v := range vd {
					b, _ := json.Marshal(v)
					ordered = append(ordered, string(b))
				}
				sort.Strings(ordered)
				rec["ValueDiffs"] = ordered
			}
		}
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	return out
}

// TestBigCloudTrailObject: a CloudTrail object of many events (several MiB,
// one line, gzip, as CloudTrail writes them to S3) is read event by event:
// every event classifies and reaches the rules, none is lost as one oversize
// record.
func TestBigCloudTrailObject(t *testing.T) {
	dir := t.TempDir()
	const events = 6000
	c, err := benchgen.Write(dir, "cloudtrail", events, events, 3)
	if err != nil {
		t.Fatal(err)
	}
	if c.Bytes < 4<<20 || len(c.Files) != 1 {
		t.Fatalf("corpus %+v is not one object of several MiB", c)
	}
	var out, errb bytes.Buffer
	stats := filepath.Join(dir, "stats.json")
	if code := run(context.Background(), []string{"run", "--stats", stats, c.Files[0]}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var st runStatsFile
	if err := json.Unmarshal(mustRead(t, stats), &st); err != nil {
		t.Fatal(err)
	}
	if st.Raw != events || st.Records != events || st.Unclassified != 0 || st.Alerts == 0 {
		t.Fatalf("%+v: want %d raw records, all classified, some alerts\n%s", st, events, errb.String())
	}
}
