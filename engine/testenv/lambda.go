package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Lambda is one function running under the Lambda Runtime Interface
// Emulator, started by StartLambda. The emulator serves one invocation at a
// time; Invoke may be called from several goroutines, and they queue there.
type Lambda struct {
	// URL is the emulator's invoke endpoint: POST the event JSON to it.
	URL string

	log lockedBuffer
}

// StartLambda runs bootstrap (a Lambda function binary, such as one built
// with `CGO_ENABLED=0 go build -tags lambda.norpc`) under the emulator from
// LambdaRIE, on free loopback ports, with the test's environment plus env
// ("NAME=value" entries; the function sees them as its configuration, as the
// AWS_ENDPOINT_URL_* variables that point the SDK at local servers). It
// returns once the emulator accepts connections; the function itself starts
// on the first invocation. The emulator and the function are stopped when t
// ends. A missing emulator skips t locally and fails it under CI, as Missing.
func StartLambda(t testing.TB, bootstrap string, env ...string) *Lambda {
	t.Helper()
	rie := LambdaRIE(t)
	abs, err := filepath.Abs(bootstrap)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(abs); err != nil || info.Mode().Perm()&0o111 == 0 {
		t.Fatalf("StartLambda: %s is not an executable file (%v)", bootstrap, err)
	}
	invoke, api := freeAddr(t), freeAddr(t)
	l := &Lambda{URL: "http://" + invoke + "/2015-03-31/functions/function/invocations"}
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", invoke,
		"--runtime-api-address", api,
		abs)
	cmd.Dir = filepath.Dir(abs)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &l.log, &l.log
	// Its own process group, so stopping it also stops the function it runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("StartLambda: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("StartLambda: the emulator exited: %v\n%s", cmd.ProcessState, l.Log())
		default:
		}
		if c, err := net.DialTimeout("tcp", invoke, time.Second); err == nil {
			c.Close()
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("StartLambda: the emulator did not listen on %s in 10 s\n%s", invoke, l.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Invoke sends event to the function and returns its response body. An
// answer other than 200 OK is an error holding the status and the body; a
// function error the emulator reports with 200 (an errorMessage/errorType
// object) is returned as the body, for the caller to check.
func (l *Lambda) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.URL, bytes.NewReader(event))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("invoke: reading the response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("invoke: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// Log returns everything the emulator and the function have written to
// stdout and stderr so far (the function's logs are there). The emulator
// relays the function's output asynchronously: a line written during an
// invocation may appear a moment after Invoke returns, so poll for it.
func (l *Lambda) Log() string { return l.log.String() }

// freeAddr returns a loopback address with a port nothing listened on a
// moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// lockedBuffer is a bytes.Buffer safe for a process's writes and a test's
// reads at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
