package outputs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// DefaultSecretTTL is how long a resolved secret is reused before it is
// looked up again (so rotated secrets are picked up without a restart).
const DefaultSecretTTL = 5 * time.Minute

// Redacted replaces every secret in redacted text.
const Redacted = "[REDACTED]"

// SecretSchemes are the reference prefixes a secret setting may use.
var SecretSchemes = []string{"env", "file", "ssm", "secretsmanager"}

// A Resolver looks up the secret named by the part of a reference after its
// scheme ("NAME" for "env:NAME"). Its errors must not contain the value.
type Resolver interface {
	Resolve(ctx context.Context, name string) (string, error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(ctx context.Context, name string) (string, error)

// Resolve calls f.
func (f ResolverFunc) Resolve(ctx context.Context, name string) (string, error) { return f(ctx, name) }

// Secrets resolves secret references and caches the values for a TTL. It
// remembers every value it has resolved so Redact can remove them from text.
// It is safe for concurrent use; the zero value is not usable (NewSecrets).
type Secrets struct {
	ttl       time.Duration
	now       func() time.Time
	resolvers map[string]Resolver

	mu    sync.Mutex
	cache map[string]cachedSecret
	known map[string]bool // values and fragments to redact
	order []string        // known, longest first
}

type cachedSecret struct {
	value   string
	expires time.Time
}

// NewSecrets returns a Secrets using resolvers keyed by scheme ("env",
// "file", "ssm", "secretsmanager"). ttl <= 0 means DefaultSecretTTL.
func NewSecrets(ttl time.Duration, resolvers map[string]Resolver) *Secrets {
	if ttl <= 0 {
		ttl = DefaultSecretTTL
	}
	return &Secrets{ttl: ttl, now: time.Now, resolvers: resolvers,
		cache: map[string]cachedSecret{}, known: map[string]bool{}}
}

// DefaultResolvers returns resolvers for env:, file:, ssm: (Parameter Store,
// decrypted) and secretsmanager: ("name" or "name#json-key"). The AWS
// clients are built on first use from awsConfig.
func DefaultResolvers(awsConfig func(context.Context) (aws.Config, error)) map[string]Resolver {
	var (
		once   sync.Once
		ssmC   *ssm.Client
		smC    *secretsmanager.Client
		cfgErr error
	)
	clients := func(ctx context.Context) error {
		once.Do(func() {
			cfg, err := awsConfig(ctx)
			if err != nil {
				cfgErr = fmt.Errorf("aws config: %w", err)
				return
			}
			ssmC = ssm.NewFromConfig(cfg)
			smC = secretsmanager.NewFromConfig(cfg)
		})
		return cfgErr
	}
	return map[string]Resolver{
		"env": ResolverFunc(func(_ context.Context, name string) (string, error) {
			v, ok := os.LookupEnv(name)
			if !ok || v == "" {
				return "", fmt.Errorf("environment variable %s is not set", name)
			}
			return v, nil
		}),
		"file": ResolverFunc(func(_ context.Context, name string) (string, error) {
			b, err := os.ReadFile(name)
			if err != nil {
				return "", fmt.Errorf("read secret file: %w", err)
			}
			v := strings.TrimRight(string(b), "\r\n")
			if v == "" {
				return "", fmt.Errorf("secret file %s is empty", name)
			}
			return v, nil
		}),
		"ssm": ResolverFunc(func(ctx context.Context, name string) (string, error) {
			if err := clients(ctx); err != nil {
				return "", err
			}
			out, err := ssmC.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
			if err != nil {
				return "", fmt.Errorf("ssm GetParameter %s: %w", name, err)
			}
			if out.Parameter == nil || aws.ToString(out.Parameter.Value) == "" {
				return "", fmt.Errorf("ssm parameter %s is empty", name)
			}
			return aws.ToString(out.Parameter.Value), nil
		}),
		"secretsmanager": ResolverFunc(func(ctx context.Context, name string) (string, error) {
			if err := clients(ctx); err != nil {
				return "", err
			}
			id, key, hasKey := strings.Cut(name, "#")
			out, err := smC.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
			if err != nil {
				return "", fmt.Errorf("secretsmanager GetSecretValue %s: %w", id, err)
			}
			v := aws.ToString(out.SecretString)
			if hasKey {
				var m map[string]any
				if err := json.Unmarshal([]byte(v), &m); err != nil {
					return "", fmt.Errorf("secret %s is not a JSON object, cannot select key %q", id, key)
				}
				s, ok := m[key].(string)
				if !ok {
					return "", fmt.Errorf("secret %s has no string key %q", id, key)
				}
				v = s
			}
			if v == "" {
				return "", fmt.Errorf("secret %s is empty", name)
			}
			return v, nil
		}),
	}
}

// IsSecretRef reports whether s has the form "scheme:rest" with a known
// secret scheme and a non-empty rest.
func IsSecretRef(s string) bool {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || rest == "" {
		return false
	}
	for _, k := range SecretSchemes {
		if scheme == k {
			return true
		}
	}
	return false
}

// Get returns the value of the reference ref, from the cache when it was
// resolved less than the TTL ago. Errors name the reference, never a value.
func (s *Secrets) Get(ctx context.Context, ref string) (string, error) {
	now := s.now()
	s.mu.Lock()
	if c, ok := s.cache[ref]; ok && now.Before(c.expires) {
		s.mu.Unlock()
		return c.value, nil
	}
	s.mu.Unlock()

	scheme, name, _ := strings.Cut(ref, ":")
	r, ok := s.resolvers[scheme]
	if !ok || name == "" {
		return "", Permanent(fmt.Errorf("secret reference %q: want one of %s followed by a name", ref, strings.Join(SecretSchemes, ":, ")+":"))
	}
	v, err := r.Resolve(ctx, name)
	if err != nil {
		err = fmt.Errorf("secret %s: %w", ref, err)
		if scheme == "env" || scheme == "file" {
			err = Permanent(err) // will not fix itself between retries
		}
		return "", err
	}
	s.mu.Lock()
	s.cache[ref] = cachedSecret{value: v, expires: now.Add(s.ttl)}
	s.learn(v)
	s.mu.Unlock()
	return v, nil
}

// minFragment is the shortest fragment of a secret that Redact removes on
// its own; shorter pieces would redact ordinary words.
const minFragment = 8

// learn records v and the fragments of it that could appear alone in an
// error: for a URL, its path, query and password. Callers hold s.mu.
func (s *Secrets) learn(v string) {
	add := func(f string) { s.addFragment(f, v, minFragment) }
	add(v)
	if u, err := url.Parse(v); err == nil && u.Host != "" {
		add(u.Host) // a secret URL's host may be the secret (a token subdomain)
		add(u.Hostname())
		add(u.EscapedPath())
		add(u.Path)
		add(u.RawQuery)
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		for _, seg := range strings.Split(u.Path, "/") {
			// Short segments are words like "services"; tokens are longer.
			s.addFragment(seg, v, 2*minFragment)
		}
	}
	sort.SliceStable(s.order, func(i, j int) bool { return len(s.order[i]) > len(s.order[j]) })
}

// addFragment records f for redaction (with its quoted and query-escaped
// forms) unless it is shorter than min and not the whole secret.
func (s *Secrets) addFragment(f, whole string, min int) {
	if f == "" || (len(f) < min && f != whole) || s.known[f] {
		return
	}
	for _, g := range []string{f, strconv.Quote(f)[1 : len(strconv.Quote(f))-1], url.QueryEscape(f)} {
		if !s.known[g] {
			s.known[g] = true
			s.order = append(s.order, g)
		}
	}
}

// Redact returns text with every resolved secret (and every long fragment
// of a secret URL) replaced by [REDACTED].
func (s *Secrets) Redact(text string) string {
	if s == nil {
		return text
	}
	s.mu.Lock()
	order := s.order
	s.mu.Unlock()
	for _, f := range order {
		if strings.Contains(text, f) {
			text = strings.ReplaceAll(text, f, Redacted)
		}
	}
	return text
}

// redactedError carries a redacted message. It keeps the original error's
// retry classification but does not unwrap to it, so no caller can reach the
// unredacted text through errors.Unwrap.
type redactedError struct {
	msg       string
	permanent bool
}

func (e *redactedError) Error() string { return e.msg }

// RedactError returns err with its message redacted (nil for nil).
func (s *Secrets) RedactError(err error) error {
	if err == nil {
		return nil
	}
	var re *redactedError
	if errors.As(err, &re) && s.Redact(re.msg) == re.msg {
		return err
	}
	return &redactedError{msg: s.Redact(err.Error()), permanent: IsPermanent(err)}
}
