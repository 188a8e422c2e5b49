package outputs

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamalert-go/streamalert/engine/config"
)

func TestSecretsCacheTTL(t *testing.T) {
	calls := 0
	s := NewSecrets(time.Minute, map[string]Resolver{"env": ResolverFunc(func(_ context.Context, name string) (string, error) {
		calls++
		return "value-of-" + name, nil
	})})
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	for range 3 {
		if v, err := s.Get(context.Background(), "env:A"); err != nil || v != "value-of-A" {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	wantEq(t, "lookups within the TTL", calls, 1)
	now = now.Add(2 * time.Minute)
	s.Get(context.Background(), "env:A")
	wantEq(t, "lookups after the TTL", calls, 2)
}

func TestDefaultResolvers(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "token")
	os.WriteFile(f, []byte("fileSECRET\n"), 0o600)
	t.Setenv("TEST_SECRET_ENV", "envSECRET")
	s := NewSecrets(0, DefaultResolvers(testAWSConfig))
	for ref, want := range map[string]string{"env:TEST_SECRET_ENV": "envSECRET", "file:" + f: "fileSECRET"} {
		if v, err := s.Get(context.Background(), ref); err != nil || v != want {
			t.Errorf("Get(%s) = %q, %v", ref, v, err)
		}
	}
	for _, ref := range []string{"env:TEST_SECRET_MISSING", "file:" + filepath.Join(dir, "nope"), "vault:x", "env:"} {
		_, err := s.Get(context.Background(), ref)
		if err == nil || !IsPermanent(err) {
			t.Errorf("Get(%s) = %v, want a permanent error", ref, err)
		}
	}
}

// ssm: and secretsmanager: go through the real SDK clients; a local
// server checks the JSON protocol requests.
func TestAWSSecretResolvers(t *testing.T) {
	srv := newRecorder(t)
	srv.Config.Handler = httpRespond(func(r recorded) (int, string) {
		switch r.Header.Get("X-Amz-Target") {
		case "AmazonSSM.GetParameter":
			var in struct {
				Name           string
				WithDecryption bool
			}
			json.Unmarshal(r.Body, &in)
			if in.Name != "/streamalert/slack" || !in.WithDecryption {
				return 400, `{"__type":"ValidationException","message":"bad request"}`
			}
			return 200, `{"Parameter":{"Name":"/streamalert/slack","Type":"SecureString","Value":"ssmSECRETvalue"}}`
		case "secretsmanager.GetSecretValue":
			return 200, `{"Name":"pd","SecretString":"{\"routing_key\":\"smSECRETkey\"}"}`
		}
		return 400, `{"__type":"UnknownOperationException"}`
	})
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	s := NewSecrets(0, DefaultResolvers(testAWSConfig))
	for ref, want := range map[string]string{"ssm:/streamalert/slack": "ssmSECRETvalue", "secretsmanager:pd#routing_key": "smSECRETkey"} {
		if v, err := s.Get(context.Background(), ref); err != nil || v != want {
			t.Errorf("Get(%s) = %q, %v", ref, v, err)
		}
	}
	if _, err := s.Get(context.Background(), "secretsmanager:pd#missing"); err == nil || strings.Contains(err.Error(), "smSECRETkey") {
		t.Errorf("missing JSON key: %v", err)
	}
}

func TestRedact(t *testing.T) {
	s := NewSecrets(0, map[string]Resolver{"env": ResolverFunc(func(_ context.Context, n string) (string, error) {
		return map[string]string{
			"URL": "https://hooks.example.com/services/T0001/B0001/xoxbSECRETtoken1234?code=querySECRET99",
			"KEY": "plainSECRETkey",
		}[n], nil
	})})
	s.Get(context.Background(), "env:URL")
	s.Get(context.Background(), "env:KEY")
	for _, in := range []string{
		`Post "https://hooks.example.com/services/T0001/B0001/xoxbSECRETtoken1234?code=querySECRET99": EOF`,
		`404 no such path /services/T0001/B0001/xoxbSECRETtoken1234`,
		`token xoxbSECRETtoken1234 invalid`,
		`query code=querySECRET99`,
		`auth plainSECRETkey`,
		`quoted "plainSECRETkey"`,
	} {
		out := s.Redact(in)
		for _, secret := range []string{"xoxbSECRETtoken1234", "querySECRET99", "plainSECRETkey"} {
			if strings.Contains(out, secret) {
				t.Errorf("Redact(%q) = %q: still has %q", in, out, secret)
			}
		}
		if !strings.Contains(out, Redacted) {
			t.Errorf("Redact(%q) = %q: no marker", in, out)
		}
	}
	// Ordinary words are not secrets.
	wantEq(t, "plain text", s.Redact("services are fine"), "services are fine")
}

// A webhook URL with a token in its path must not leak through Go's
// *url.Error (which embeds the full URL), a response body that echoes the
// path, or the result's error.
func TestSecretNeverInErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	echo := newRecorder(t)
	echo.Config.Handler = httpRespond(func(r recorded) (int, string) { return 404, "no_service: " + r.Path })
	const token = "zq7SECRETwebhookTOKEN0123456789"
	cases := map[string]string{
		"connection refused": "http://" + closed + "/services/T1/B1/" + token,
		"echoed in body":     echo.URL + "/services/T1/B1/" + token,
		"bad URL":            "http://[::1/services/" + token,
	}
	for name, url := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv("TEST_SLACK_URL", url)
			d, _ := newDispatcher(t, yamlOf("outputs:", "  slack:", "    s: {webhook_url: env:TEST_SLACK_URL}"), Options{})
			r := d.Deliver(context.Background(), "slack:s", sampleAlert("slack:s"))
			if r.Err == nil {
				t.Fatal("delivery succeeded")
			}
			msg := r.Err.Error()
			if strings.Contains(msg, token) {
				t.Errorf("error leaks the token: %s", msg)
			}
			for e := r.Err; e != nil; e = errors.Unwrap(e) {
				if strings.Contains(e.Error(), token) {
					t.Errorf("wrapped error leaks the token: %v", e)
				}
			}
			out, _ := json.Marshal(map[string]string{"error": msg})
			if strings.Contains(string(out), token) {
				t.Errorf("JSON leaks the token: %s", out)
			}
			// The Output's own error (before the dispatcher) is clean too.
			o, _ := d.Output("slack:s")
			if err := o.Send(context.Background(), sampleAlert()); err == nil || strings.Contains(d.Secrets().Redact(err.Error()), token) {
				t.Errorf("Send error: %v", err)
			} else if name != "echoed in body" && strings.Contains(err.Error(), token) {
				t.Errorf("raw Send error carries the URL: %v", err)
			}
		})
	}
}

// TestCheckSecretsNamesEveryMissingOne: a configuration whose secrets are
// unset fails at start-up, naming each missing reference (and the output
// and setting holding it), never a value; resolvable ones are cached.
func TestCheckSecretsNamesEveryMissingOne(t *testing.T) {
	yaml := `outputs:
  slack:
    security: {webhook_url: "env:TEST_CHECK_SLACK"}
  webhook:
    siem:
      url: https://siem.example/in
      signing_secret: env:TEST_CHECK_SIGNING
      headers: {X-Api-Key: "env:TEST_CHECK_KEY", X-Plain: "plain"}
  opsgenie:
    oncall: {api_key: "env:TEST_CHECK_SLACK", tags: ["env:prod"]}
`
	cfg, diags := config.Load([]byte(yaml), "streamalert.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	refs := SecretRefs(cfg)
	var got []string
	for _, r := range refs {
		got = append(got, r.Output+" "+r.Setting+" "+r.Ref)
	}
	want := []string{
		"opsgenie:oncall api_key env:TEST_CHECK_SLACK",
		"slack:security webhook_url env:TEST_CHECK_SLACK",
		"webhook:siem headers.X-Api-Key env:TEST_CHECK_KEY",
		"webhook:siem signing_secret env:TEST_CHECK_SIGNING",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("SecretRefs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	t.Setenv("TEST_CHECK_SIGNING", "sigVALUE-1234567")
	lookups := 0
	env := DefaultResolvers(testAWSConfig)["env"]
	s := NewSecrets(0, map[string]Resolver{"env": ResolverFunc(func(ctx context.Context, name string) (string, error) {
		lookups++
		return env.Resolve(ctx, name)
	})})
	err := s.Check(context.Background(), refs)
	var me *MissingSecretsError
	if !errors.As(err, &me) {
		t.Fatalf("Check = %v, want *MissingSecretsError", err)
	}
	if names := strings.Join(me.Names(), " "); names != "env:TEST_CHECK_KEY env:TEST_CHECK_SLACK" {
		t.Errorf("Names = %s", names)
	}
	msg := err.Error()
	for _, want := range []string{
		"3 secret reference(s)",
		"streamalert.yaml:3:5: outputs.slack.security.webhook_url: secret env:TEST_CHECK_SLACK: environment variable TEST_CHECK_SLACK is not set",
		"outputs.opsgenie.oncall.api_key: secret env:TEST_CHECK_SLACK",
		"outputs.webhook.siem.headers.X-Api-Key: secret env:TEST_CHECK_KEY",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "sigVALUE") || strings.Contains(msg, "SIGNING") {
		t.Errorf("error mentions the resolvable secret:\n%s", msg)
	}
	if lookups != 3 {
		t.Errorf("%d look-ups, want 3 (a shared reference is looked up once)", lookups)
	}
	// The resolved one is cached: no further look-up.
	if v, err := s.Get(context.Background(), "env:TEST_CHECK_SIGNING"); err != nil || v != "sigVALUE-1234567" || lookups != 3 {
		t.Errorf("Get after Check = %q, %v, %d look-ups", v, err, lookups)
	}
	t.Setenv("TEST_CHECK_SLACK", "https://hooks.example/T0/B0/abcdefgh12345678")
	t.Setenv("TEST_CHECK_KEY", "key-0123456789")
	if err := s.Check(context.Background(), refs); err != nil {
		t.Fatalf("all set: %v", err)
	}
	if SecretRefs(nil) != nil {
		t.Error("SecretRefs(nil) is not empty")
	}
}
