package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/streamalert-go/streamalert/cmd/internal/benchgen"
	"github.com/streamalert-go/streamalert/cmd/internal/cli"
	"github.com/streamalert-go/streamalert/engine/diag"
)

const benchUsage = `usage: streamalert bench [--quick] [--format text|json] [--work DIR] [--only NAME,...]

Generates seeded corpora (osquery, sshd, CloudTrail S3 objects, VPC flow,
GitHub audit) and detection sets of 1,000 and 10,000 rules, then runs the
real "streamalert run" on each, in a child process, on one core (GOMAXPROCS=1,
pinned with taskset when it exists) and on all cores, and prints records/s,
MB/s, allocations per record, peak RSS, start-up to first alert and the time
to load (read, lint, compile) the rules. --quick runs small corpora (CI uses
it to keep the harness working; its figures mean little).
`

// benchWorkload is one row of the benchmark.
type benchWorkload struct {
	Name    string `json:"name"`
	Corpus  string `json:"corpus"`
	Records int    `json:"records"`
	Rules   int    `json:"generated_rules"` // 0: the shipped rules
	PerObj  int    `json:"events_per_object,omitempty"`
	quick   int
	quickR  int
}

var benchWorkloads = []benchWorkload{
	{Name: "osquery", Corpus: "osquery", Records: 1_000_000, quick: 3000},
	{Name: "sshd", Corpus: "sshd", Records: 500_000, quick: 3000},
	{Name: "cloudtrail", Corpus: "cloudtrail", Records: 300_000, PerObj: 500, quick: 3000},
	{Name: "cloudtrail-1-object", Corpus: "cloudtrail", Records: 300_000, PerObj: 300_000, quick: 3000},
	{Name: "vpcflow", Corpus: "vpcflow", Records: 500_000, quick: 3000},
	{Name: "github", Corpus: "github", Records: 300_000, quick: 3000},
	{Name: "osquery+1k rules", Corpus: "osquery", Records: 300_000, Rules: 1000, quick: 2000, quickR: 100},
	{Name: "osquery+10k rules", Corpus: "osquery", Records: 100_000, Rules: 10000, quick: 1000, quickR: 1000},
}

// benchResult is one run of one workload.
type benchResult struct {
	Workload      string  `json:"workload"`
	Cores         int     `json:"cores"`
	Rules         int     `json:"generated_rules"`
	Raw           uint64  `json:"raw_records"`
	Records       uint64  `json:"records"`
	Unclassified  uint64  `json:"unclassified"`
	Alerts        uint64  `json:"alerts"`
	Bytes         int64   `json:"bytes"`
	Seconds       float64 `json:"seconds"` // processing: first record to the end of the run
	RecordsPerSec float64 `json:"records_per_sec"`
	MBPerSec      float64 `json:"mb_per_sec"`
	AllocsPerRec  float64 `json:"allocs_per_record"`
	PeakRSSMiB    float64 `json:"peak_rss_mib"`
	LoadMillis    float64 `json:"load_ms"`           // read + lint + compile rules and schemas
	FirstAlertMs  float64 `json:"first_alert_ms"`    // process start to the first alert
	WallSeconds   float64 `json:"wall_seconds"`      // the whole child process
	CPUSeconds    float64 `json:"cpu_seconds"`       // user + system
	Speedup       float64 `json:"speedup,omitempty"` // all cores vs one, same workload
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("streamalert bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "small corpora and rule sets (keeps the harness working in CI)")
	format := fs.String("format", "text", "output `FORMAT`: text or json")
	work := fs.String("work", "", "generate into `DIR` and keep it (default: a temporary folder, removed after)")
	only := fs.String("only", "", "comma-separated workload `NAMES` to run (default: all)")
	seed := fs.Uint64("seed", 1, "generator `SEED`")
	cmd := &cli.Command{Name: "streamalert bench", Usage: benchUsage, Flags: fs}
	rest, exit, ok := cmd.Parse(args, stdout, stderr)
	if !ok {
		return exit
	}
	if len(rest) > 0 {
		return cmd.Fail(stderr, fmt.Sprintf("unexpected argument %q", rest[0]))
	}
	if *format != "text" && *format != "json" {
		return cmd.Fail(stderr, fmt.Sprintf("--format %q: want text or json", *format))
	}
	wls := benchWorkloads
	if *only != "" {
		wls = nil
		var names []string
		for _, w := range benchWorkloads {
			names = append(names, w.Name)
		}
		for _, n := range splitList(*only) {
			i := -1
			for j, w := range benchWorkloads {
				if w.Name == n {
					i = j
				}
			}
			if i < 0 {
				msg := fmt.Sprintf("--only: unknown workload %q (known: %s)", n, strings.Join(names, ", "))
				if s := diag.Suggest(n, names); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				return cmd.Fail(stderr, msg)
			}
			wls = append(wls, benchWorkloads[i])
		}
	}
	dir := *work
	if dir == "" {
		d, err := os.MkdirTemp("", "streamalert-bench-")
		if err != nil {
			fmt.Fprintf(stderr, "streamalert bench: %v\n", err)
			return 2
		}
		defer os.RemoveAll(d)
		dir = d
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "streamalert bench: %v\n", err)
		return 2
	}
	cpu := cpuModel()
	var results []benchResult
	for _, w := range wls {
		n, rules := w.Records, w.Rules
		if *quick {
			n, rules = w.quick, w.quickR
		}
		per := w.PerObj
		if *quick && per > n {
			per = n
		}
		corpus, err := benchgen.Write(filepath.Join(dir, fmt.Sprintf("%s-%d-%d", w.Corpus, n, per)), w.Corpus, n, per, *seed)
		if err != nil {
			fmt.Fprintf(stderr, "streamalert bench: generating %s: %v\n", w.Corpus, err)
			return 2
		}
		var ruleDir string
		if rules > 0 {
			ruleDir = filepath.Join(dir, fmt.Sprintf("rules-%d", rules))
			if _, err := os.Stat(ruleDir); err != nil {
				if err := benchgen.Rules(ruleDir, rules, *seed); err != nil {
					fmt.Fprintf(stderr, "streamalert bench: generating rules: %v\n", err)
					return 2
				}
			}
		}
		label := w.Name
		if rules > 0 {
			label = fmt.Sprintf("%s+%d rules", w.Corpus, rules)
		}
		w.Name = label
		var one benchResult
		for _, cores := range []int{1, runtime.NumCPU()} {
			if ctx.Err() != nil {
				return 2
			}
			r, err := benchRun(ctx, exe, dir, w, corpus, ruleDir, rules, cores)
			if err != nil {
				fmt.Fprintf(stderr, "streamalert bench: %s on %d cores: %v\n", w.Name, cores, err)
				return 2
			}
			if cores == 1 {
				one = r
			} else if one.RecordsPerSec > 0 {
				r.Speedup = r.RecordsPerSec / one.RecordsPerSec
			}
			results = append(results, r)
			if runtime.NumCPU() == 1 {
				break
			}
		}
	}
	if *format == "json" {
		out := struct {
			CPU     string        `json:"cpu"`
			Cores   int           `json:"cores"`
			Quick   bool          `json:"quick"`
			Go      string        `json:"go"`
			Results []benchResult `json:"results"`
		}{cpu, runtime.NumCPU(), *quick, runtime.Version(), results}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return 2
		}
		return 0
	}
	fmt.Fprintf(stdout, "%s, %d cores, %s%s\n", cpu, runtime.NumCPU(), runtime.Version(), map[bool]string{true: " (--quick: small corpora, figures not meaningful)"}[*quick])
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tcores\trecords\talerts\trecords/s\tMB/s\tallocs/rec\tpeak RSS MiB\tload ms\tfirst alert ms\tspeedup\t")
	for _, r := range results {
		sp := ""
		if r.Speedup > 0 {
			sp = fmt.Sprintf("%.2fx", r.Speedup)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%.1f\t%.1f\t%.0f\t%.0f\t%.0f\t%s\t\n", r.Workload, r.Cores, r.Records, r.Alerts,
			r.RecordsPerSec, r.MBPerSec, r.AllocsPerRec, r.PeakRSSMiB, r.LoadMillis, r.FirstAlertMs, sp)
	}
	tw.Flush()
	return 0
}

// benchRun runs `run` once in a child process and reads its --stats.
func benchRun(ctx context.Context, exe, dir string, w benchWorkload, c benchgen.Corpus, ruleDir string, rules, cores int) (benchResult, error) {
	statsFile := filepath.Join(dir, "stats.json")
	_ = os.Remove(statsFile)
	args := []string{"run", "--stats", statsFile, "--dead-letter", os.DevNull}
	if ruleDir != "" {
		args = append(args, "--rules", ruleDir)
	}
	args = append(args, c.Files...)
	name := exe
	if cores == 1 {
		if ts, err := exec.LookPath("taskset"); err == nil {
			args = append([]string{"-c", "0", exe}, args...)
			name = ts
		}
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(cores), benchChildEnv+"=1")
	cmd.Stdout = io.Discard
	var errBuf strings.Builder
	cmd.Stderr = &errBuf
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return benchResult{}, fmt.Errorf("%v: %s", err, lastLinesOf(errBuf.String(), 5))
	}
	data, err := os.ReadFile(statsFile)
	if err != nil {
		return benchResult{}, err
	}
	var st runStatsFile
	if err := json.Unmarshal(data, &st); err != nil {
		return benchResult{}, err
	}
	r := benchResult{Workload: w.Name, Cores: cores, Rules: rules, Raw: st.Raw, Records: st.Records,
		Unclassified: st.Unclassified, Alerts: st.Alerts, Bytes: c.Bytes, WallSeconds: wall.Seconds(),
		LoadMillis: float64(st.LoadDuration) / 1e6}
	if st.FirstRecord > 0 {
		r.Seconds = float64(st.EndNanos-st.FirstRecord) / 1e9
	}
	if r.Seconds > 0 {
		r.RecordsPerSec = float64(st.Records) / r.Seconds
		r.MBPerSec = float64(c.Bytes) / 1e6 / r.Seconds
	}
	if st.Records > 0 {
		r.AllocsPerRec = float64(st.Mallocs) / float64(st.Records)
	}
	if st.FirstAlert > 0 {
		r.FirstAlertMs = float64(st.FirstAlert-start.UnixNano()) / 1e6
	}
	if ps := cmd.ProcessState; ps != nil {
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			r.PeakRSSMiB = float64(ru.Maxrss) / 1024 // KiB on Linux
			r.CPUSeconds = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
		}
	}
	if st.Raw == 0 {
		return r, errors.New("the run read no records")
	}
	return r, nil
}

// benchChildEnv marks a child started by bench (tests use it to run the
// test binary as streamalert).
const benchChildEnv = "STREAMALERT_BENCH_CHILD"

func lastLinesOf(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// cpuModel is the CPU's model name from /proc/cpuinfo, or GOARCH.
func cpuModel() string {
	fh, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
