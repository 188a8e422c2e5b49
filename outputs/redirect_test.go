package outputs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 12 item 13: the webhook client followed a redirect to another host
// and sent it the secret headers (X-Api-Key, the HMAC signature). A
// redirect is a failed delivery with a clear reason, and nothing reaches
// the other host.
func TestRedirectToAnotherHostIsNotFollowedWithSecretHeaders(t *testing.T) {
	for _, code := range []int{301, 302, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			other := newRecorder(t, step{status: 200})
			hook := newRecorder(t, step{status: code, header: map[string]string{"Location": other.URL + "/steal"}})
			t.Setenv("TEST_API_KEY", "apiKEYsecret0123456789")
			t.Setenv("TEST_SIGNING", "signingSECRET0123456789")
			dl := filepath.Join(t.TempDir(), "dead.jsonl")
			d, _ := newDispatcher(t, yamlOf("outputs:", "  webhook:",
				"    w: {url: "+hook.URL+"/hook, signing_secret: env:TEST_SIGNING, headers: {X-Api-Key: env:TEST_API_KEY}}"),
				Options{DeadLetter: NewFileDeadLetter(dl)})
			res, err := d.Dispatch(context.Background(), sampleAlert("webhook:w"))
			if err != nil || len(res) != 1 {
				t.Fatalf("Dispatch: %v, %+v", err, res)
			}
			if n := len(other.requests()); n != 0 {
				t.Fatalf("the other host got %d requests (headers %v)", n, other.requests()[0].Header)
			}
			if len(hook.requests()) != 1 || res[0].Err == nil || res[0].Attempts != 1 {
				t.Fatalf("result %+v: want one attempt, failed for good", res[0])
			}
			msg := res[0].Err.Error()
			for _, want := range []string{fmt.Sprintf("HTTP %d", code), "not followed", other.URL, "another host"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			if strings.Contains(msg, "/steal") {
				t.Errorf("error %q names the Location's path", msg)
			}
			if l := readLetters(t, dl); len(l) != 1 || !strings.Contains(l[0].Error, "not followed") {
				t.Errorf("dead letters %+v", l)
			}
		})
	}
	// The caller's own client is left as it was.
	c := &http.Client{}
	if _, err := New(context.Background(), loadConfig(t, "outputs: {}\n"), Options{HTTPClient: c}); err != nil || c.CheckRedirect != nil {
		t.Errorf("New changed the caller's client (%v)", err)
	}
}

// failingTransport fails every request as a DNS failure does: with the host
// name in the message.
type failingTransport struct{}

func (failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("dial tcp: lookup %s: no such host", r.URL.Hostname())
}

// Issue 12 item 14: a secret in a webhook URL's host name (a token
// subdomain) was printed in errors and in the alert dead letter. A URL that
// comes from a secret reference is redacted whole, everywhere.
func TestSecretInWebhookHostNameIsRedactedEverywhere(t *testing.T) {
	const token = "tok9f8e7d6c5b4a3"
	t.Setenv("TEST_HOOK_URL", "https://"+token+".hooks.example.com/x")
	dl := filepath.Join(t.TempDir(), "dead.jsonl")
	var logs strings.Builder
	d, _ := newDispatcher(t, yamlOf("outputs:", "  webhook:", "    w: {url: env:TEST_HOOK_URL}", "  slack:", "    s: {webhook_url: env:TEST_HOOK_URL}"),
		Options{DeadLetter: NewFileDeadLetter(dl), HTTPClient: &http.Client{Transport: failingTransport{}},
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	res, err := d.Dispatch(context.Background(), sampleAlert("webhook:w", "slack:s"))
	if err != nil || len(res) != 2 {
		t.Fatalf("Dispatch: %v, %+v", err, res)
	}
	for _, r := range res {
		if r.Err == nil || strings.Contains(r.Err.Error(), token) || strings.Contains(r.Err.Error(), "hooks.example.com") {
			t.Errorf("%s: error %v shows the secret URL", r.Output, r.Err)
		}
		if !strings.Contains(r.Err.Error(), Redacted) {
			t.Errorf("%s: error %q does not say it was redacted", r.Output, r.Err)
		}
	}
	raw, _ := os.ReadFile(dl)
	if len(raw) == 0 || strings.Contains(string(raw), token) {
		t.Errorf("dead letter %q shows the secret host", raw)
	}
	if logs.Len() == 0 || strings.Contains(logs.String(), token) {
		t.Errorf("logs %q show the secret host", logs.String())
	}
	// A literal URL is no secret: its scheme and host still say where.
	d2, _ := newDispatcher(t, yamlOf("outputs:", "  webhook:", "    w: {url: 'https://plain.example.com/x'}"),
		Options{HTTPClient: &http.Client{Transport: failingTransport{}}})
	res, _ = d2.Dispatch(context.Background(), sampleAlert("webhook:w"))
	var dummy *RedirectError
	if len(res) != 1 || res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "https://plain.example.com") || errors.As(res[0].Err, &dummy) {
		t.Errorf("literal URL error %v", res[0].Err)
	}
}
