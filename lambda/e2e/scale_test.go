package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/streamalert-go/streamalert/lambda/awstest"
)

// peakRSS returns the peak resident set (VmHWM) of the process running exe.
func peakRSS(t testing.TB, exe string) string {
	t.Helper()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		if p, err := os.Readlink(d + "/exe"); err == nil && p == exe {
			b, _ := os.ReadFile(d + "/status")
			for _, l := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(l, "VmHWM:") {
					return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
				}
			}
		}
	}
	return "unknown"
}

// BenchmarkScale measures what the README states: a cold start with 1,000
// rules from S3 and a 1 GiB JSON-lines object streamed from S3, with the
// function's peak RSS. A measurement, not a check, so a benchmark (it runs
// its body once, about two minutes): `go test ./lambda/e2e -run '^$' -bench
// Scale -benchtime 1x -v` with the servers of up.sh.
func BenchmarkScale(b *testing.B) {
	for range b.N {
		scaleOnce(b)
	}
}

func scaleOnce(t testing.TB) {
	env := awstest.Setup(t, false)
	dir := t.TempDir()
	rulesBin := filepath.Join(dir, "rules", "bootstrap")
	build(t, "./lambda/rules", rulesBin)
	rulesBucket, s3c := awstest.Bucket(t)
	logsBucket, _ := awstest.Bucket(t)
	alertsQueue, _ := awstest.Queue(t, 30*time.Second)
	deadQueue, _ := awstest.Queue(t, 30*time.Second)

	// 1,000 generated rules, uploaded as `aws s3 cp --recursive` would.
	for i := range 1000 {
		body := fmt.Sprintf("name: gen_%04d\ndescription: generated\nlog_types: [osquery:differential]\ncondition: record.name == \"pack_%04d\" && record.action == \"added\"\nseverity: low\n", i, i)
		awstest.Put(t, s3c, rulesBucket, fmt.Sprintf("rules.d/gen/gen_%04d.yaml", i), []byte(body))
	}
	f := startFunction(t, rulesBin, append(env.List(), "RULES_BUCKET="+rulesBucket,
		"ALERTS_QUEUE_URL="+alertsQueue, "DEAD_LETTER_QUEUE_URL="+deadQueue))
	start := time.Now()
	f.invoke(t, kinesisEvent(osqueryRecord("added")), nil)
	t.Logf("cold start with 1,000 rules from S3: first invocation answered after %s; %s",
		time.Since(start).Round(time.Millisecond), grepLine(f.Log(), "ruleset live"))

	// A 1 GiB JSON-lines object, gzip-compressed, streamed from S3.
	pr, pw := io.Pipe()
	var lines, raw int64
	go func() {
		zw := gzip.NewWriter(pw)
		bw := bufio.NewWriterSize(zw, 1<<20)
		for raw < 1<<30 {
			l := fmt.Sprintf(`{"name":"pack_%04d","hostIdentifier":"host-%d.example.com","calendarTime":"Mon May  6 09:15:02 2024 UTC","unixTime":%d,"epoch":0,"counter":%d,"numerics":false,"decorations":{"host_uuid":"%x"},"columns":{"pid":"%d","path":"/usr/bin/prog%d","cmdline":"prog --flag %d"},"action":"removed"}`+"\n",
				lines%5000, lines%977, 1714986902+lines, lines, lines*7919, lines%65536, lines%113, lines)
			bw.WriteString(l)
			raw += int64(len(l))
			lines++
		}
		bw.Flush()
		zw.Close()
		pw.Close()
	}()
	tmp := filepath.Join(dir, "big.json.gz")
	fh, _ := os.Create(tmp)
	io.Copy(fh, pr)
	fh.Close()
	st, _ := os.Stat(tmp)
	multipartUpload(t, s3c, logsBucket, "big.json.gz", tmp)
	before := peakRSS(t, rulesBin)
	start = time.Now()
	f.invoke(t, s3Event(logsBucket, "big.json.gz"), nil)
	el := time.Since(start)
	t.Logf("S3 object: %d records, %d MiB JSON lines, %d MiB gzip: %s (%.0f records/s, %.0f MiB/s); bootstrap peak RSS %s (after the cold start: %s)",
		lines, raw>>20, st.Size()>>20, el.Round(time.Millisecond), float64(lines)/el.Seconds(), float64(raw>>20)/el.Seconds(), peakRSS(t, rulesBin), before)
	if got := grepLine(f.Log(), `"Records":`); !strings.Contains(got, strconv.FormatInt(lines, 10)) {
		t.Errorf("records metric %q, want %d", got, lines)
	}
}

func grepLine(s, sub string) string {
	var last string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			last = l
		}
	}
	return last
}

// multipartUpload uploads a file in 8 MiB parts (the local server takes at
// most 11 MiB a request, as S3 takes 5 GiB).
func multipartUpload(t testing.TB, c *s3.Client, bucket, key, file string) {
	t.Helper()
	ctx := context.Background()
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var parts []s3types.CompletedPart
	buf := make([]byte, 8<<20)
	for n := int32(1); ; n++ {
		k, err := io.ReadFull(fh, buf)
		if k > 0 {
			out, perr := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
				PartNumber: aws.Int32(n), Body: bytes.NewReader(buf[:k]), ContentLength: aws.Int64(int64(k))})
			if perr != nil {
				t.Fatal(perr)
			}
			// Unquoted: the local server does not decode the &#34; Go writes for a quote.
			parts = append(parts, s3types.CompletedPart{ETag: aws.String(strings.Trim(aws.ToString(out.ETag), `"`)), PartNumber: aws.Int32(n)})
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
}
