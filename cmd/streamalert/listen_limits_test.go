package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// post sends body to base/v1/logs and returns the status and response body.
func post(t *testing.T, client *http.Client, base string, body []byte, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/v1/logs", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(got))
}

// TestListenRefusedRequestChangesNothing: a body over a limit found only
// while reading it (decompressed size, record count) is refused whole,
// before any of its records is processed: no alert, no count, so a client
// that retries does not duplicate alerts.
func TestListenRefusedRequestChangesNothing(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--listen", "127.0.0.1:0",
		"--max-body", "2048", "--max-records", "3")
	base := s.listenAddr()

	// Alerting records first, then enough to pass 16 × 2048 bytes
	// decompressed: today's code alerted on the first ones, then said 413.
	bomb := gzipped(t, strings.Repeat(event("alpha", 1)+"\n", 2)+strings.Repeat(strings.Repeat("z", 1000)+"\n", 40))
	if len(bomb) > 2048 {
		t.Fatalf("test body is %d bytes compressed, over --max-body", len(bomb))
	}
	code, body := post(t, http.DefaultClient, base, bomb, nil)
	if code != 413 || !strings.Contains(body, "nothing was processed") {
		t.Fatalf("decompression limit: %d %s", code, body)
	}
	// Four records, limit three: refused before the first is processed.
	code, body = post(t, http.DefaultClient, base, []byte(strings.Repeat(event("alpha", 2)+"\n", 4)), nil)
	if code != 413 || !strings.Contains(body, "more than 3 records") {
		t.Fatalf("record limit: %d %s", code, body)
	}
	// A truncated gzip body: the complete lines before the cut are not
	// processed either.
	whole := gzipped(t, strings.Repeat(event("alpha", 3)+"\n", 3))
	code, body = post(t, http.DefaultClient, base, whole[:len(whole)-6], nil)
	if code != 400 || !strings.Contains(body, "nothing was processed") {
		t.Fatalf("truncated gzip: %d %s", code, body)
	}
	if got := s.alerts(); len(got) != 0 {
		t.Fatalf("refused requests produced alerts: %v\n%s", got, s.dump())
	}
	// Three records are within the limit.
	code, body = post(t, http.DefaultClient, base, []byte(strings.Repeat(event("alpha", 4)+"\n", 3)), nil)
	if code != 202 || body != `{"accepted":3,"unclassified":0,"alerts":3}` {
		t.Fatalf("within limits: %d %s", code, body)
	}
	s.waitAlerts(3)
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
	if !strings.Contains(s.stderr.String(), "3 raw records, 3 records classified, 0 unclassified, 3 alerts") {
		t.Fatalf("summary counts refused records\n%s", s.dump())
	}
}

// TestListenAcceptedCountsRecords: a document that unpacks into several
// records (json_path) is accepted as that many records, not as one.
func TestListenAcceptedCountsRecords(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	writeFile(t, filepath.Join(schemas, "batch.yaml"), `test:batch:
  parser: json
  schema:
    kind: string
  configuration:
    json_path: "events[*]"
`)
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--listen", "127.0.0.1:0")
	base := s.listenAddr()
	doc := `{"events": [{"kind": "a"}, {"kind": "b"}, {"kind": "c"}]}`
	code, body := post(t, http.DefaultClient, base, []byte(doc), map[string]string{"X-Log-Type": "test:batch"})
	if code != 202 || body != `{"accepted":3,"unclassified":0,"alerts":0}` {
		t.Fatalf("%d %s", code, body)
	}
}

// TestListenNeedsAuthOffLoopback: serving other hosts without a token is
// refused unless asked for explicitly.
func TestListenNeedsAuthOffLoopback(t *testing.T) {
	rules, schemas := testDirs(t, nil)
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "example.com:0"} {
		var out, errb syncBuffer
		code := run(t.Context(), []string{"run", "--rules", rules, "--schemas", schemas, "--listen", addr}, strings.NewReader(""), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), "--token-file") || !strings.Contains(errb.String(), "--insecure-no-auth") {
			t.Errorf("--listen %s: exit %d, stderr %q; want 2 naming --token-file and --insecure-no-auth", addr, code, errb.String())
		}
	}
	for _, addr := range []string{"127.0.0.1:1", "[::1]:1", "localhost:1"} {
		if !isLoopback(addr) {
			t.Errorf("isLoopback(%q) = false", addr)
		}
	}
	// --insecure-no-auth starts it (on all interfaces, port chosen by the system).
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--listen", "0.0.0.0:0", "--insecure-no-auth")
	s.waitStderr(0, `listening on http://`)
	if code := s.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, s.dump())
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool trusting the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "streamalert test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})))
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestListenTLS: --tls-cert/--tls-key serve HTTPS, and plain HTTP is not
// served on that port.
func TestListenTLS(t *testing.T) {
	rules, schemas := testDirs(t, map[string]string{"alpha.yaml": testRule("kind_alpha", "alpha")})
	certFile, keyFile, pool := selfSigned(t)
	s := startRun(t, "--rules", rules, "--schemas", schemas, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
	s.waitStderr(0, `listening on https://\S+`)
	base := regexp.MustCompile(`listening on (https://\S+)`).FindStringSubmatch(s.stderr.String())[1]
	client := &http.Client{Timeout: waitFor, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	code, body := post(t, client, base, []byte(event("alpha", 1)), nil)
	if code != 202 || body != `{"accepted":1,"unclassified":0,"alerts":1}` {
		t.Fatalf("%d %s", code, body)
	}
	resp, err := (&http.Client{Timeout: waitFor}).Get(strings.Replace(base, "https://", "http://", 1) + "/healthz")
	if err == nil {
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP served on the TLS port")
		}
		resp.Body.Close()
	}
	s.waitAlerts(1)

	// Bad key material is an I/O error before anything is served.
	var out, errb syncBuffer
	if code := run(t.Context(), []string{"run", "--rules", rules, "--schemas", schemas, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", certFile}, strings.NewReader(""), &out, &errb); code != 2 || !strings.Contains(errb.String(), "--tls-cert") {
		t.Fatalf("bad key: exit %d, %s", code, errb.String())
	}
	if _, err := os.Stat(certFile); err != nil {
		t.Fatal(err)
	}
}
