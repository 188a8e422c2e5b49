package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInCI(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "1": true, "false": false, "": false, "yes": false} {
		t.Setenv("CI", v)
		if got := InCI(); got != want {
			t.Errorf("CI=%q: InCI() = %v, want %v", v, got, want)
		}
	}
}

func TestRepoRoot(t *testing.T) {
	if root := RepoRoot(t); root == "" {
		t.Fatal("empty root")
	}
}

// TestServers checks that the servers up.sh started answer as the AWS
// services they stand in for (fails under CI when they are not there).
func TestServers(t *testing.T) {
	t.Run("fauxqs", func(t *testing.T) {
		resp, err := http.Get(AWSEndpoint(t) + "/health")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ok"`) {
			t.Fatalf("GET /health: %s %s", resp.Status, body)
		}
	})
	t.Run("dynalite", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, DynamoDBEndpoint(t)+"/", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		req.Header.Set("X-Amz-Date", "20260101T000000Z")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"TableNames"`) {
			t.Fatalf("ListTables: %s %s", resp.Status, body)
		}
	})
}

// TestStartLambda runs a Runtime API client built from testdata/echo under
// the emulator: invocations reach it in order, with the environment given.
func TestStartLambda(t *testing.T) {
	LambdaRIE(t)
	bootstrap := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-o", bootstrap, "./testdata/echo")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fn := StartLambda(t, bootstrap, "ECHO_ENV=from-the-test")
	for n := 1; n <= 2; n++ {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		body, err := fn.Invoke(ctx, []byte(fmt.Sprintf(`{"n":%d}`, n)))
		cancel()
		if err != nil {
			t.Fatalf("invoke %d: %v\n%s", n, err, fn.Log())
		}
		var got struct {
			Event struct{ N int }
			Env   string
			Count int
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("invoke %d: %v: %s", n, err, body)
		}
		if got.Event.N != n || got.Env != "from-the-test" || got.Count != n {
			t.Errorf("invoke %d: got %s", n, body)
		}
	}
	// The emulator copies the function's output on its own schedule: the
	// line may come a moment after the response.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(fn.Log(), "echo: invocation 2, 7 bytes"); {
		if time.Now().After(deadline) {
			t.Fatalf("the function's stderr is not in Log():\n%s", fn.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStartLambdaRefusesAMissingBootstrap(t *testing.T) {
	LambdaRIE(t)
	ft := &fatalTB{TB: t}
	func() {
		defer func() { recover() }()
		StartLambda(ft, filepath.Join(t.TempDir(), "nosuch"))
	}()
	if !ft.failed || !strings.Contains(ft.msg, "not an executable file") {
		t.Errorf("StartLambda on a missing file: failed=%v %q", ft.failed, ft.msg)
	}
}

// fatalTB records Fatalf instead of stopping the test; it panics to end the
// call as t.Fatal would.
type fatalTB struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	panic("fatal")
}
