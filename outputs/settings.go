package outputs

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/streamalert-go/streamalert/engine/config"
	"github.com/streamalert-go/streamalert/engine/diag"
)

// Secret is a setting that holds a secret reference ("env:NAME", ...), or,
// for settings that allow it, a plain literal value that is not secret.
type Secret struct {
	Ref     string // the reference, or the literal when Literal is set
	Literal bool
}

// IsZero reports whether the setting was absent.
func (s Secret) IsZero() bool { return s.Ref == "" }

// settings reads one descriptor's settings, collecting every problem as a
// diagnostic at the descriptor's position.
type settings struct {
	out   config.Output
	used  map[string]bool
	diags *diag.List
}

func newSettings(out config.Output, diags *diag.List) *settings {
	return &settings{out: out, used: map[string]bool{}, diags: diags}
}

func (s *settings) errorf(key, format string, args ...any) {
	prefix := fmt.Sprintf("outputs.%s.%s", s.out.Service, s.out.Descriptor)
	if key != "" {
		prefix += "." + key
	}
	s.diags.Errorf(s.out.Pos, "output-setting", "%s: %s", prefix, fmt.Sprintf(format, args...))
}

func (s *settings) raw(key string) (any, bool) {
	s.used[key] = true
	v, ok := s.out.Settings[key]
	if ok && v == nil {
		return nil, false
	}
	return v, ok
}

// str returns a string setting; def when absent.
func (s *settings) str(key string, required bool, def string) string {
	v, ok := s.raw(key)
	if !ok {
		if required {
			s.errorf(key, "missing required setting")
		}
		return def
	}
	switch x := v.(type) {
	case string:
		if x == "" && required {
			s.errorf(key, "must not be empty")
		}
		if IsSecretRef(x) {
			s.errorf(key, "is not a secret setting; give the value itself")
		}
		return x
	case int, int64, float64, bool:
		return fmt.Sprint(x)
	}
	s.errorf(key, "must be a string, got %T", v)
	return def
}

// oneOf returns a string setting restricted to allowed values.
func (s *settings) oneOf(key, def string, allowed ...string) string {
	v := s.str(key, false, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	s.errorf(key, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	return def
}

// secret returns a setting that must be a secret reference.
func (s *settings) secret(key string, required bool) Secret {
	return s.secretish(key, required, false)
}

// secretOrLiteral returns a setting that may be a secret reference or a
// plain value (used for URLs that may or may not embed a token).
func (s *settings) secretOrLiteral(key string, required bool) Secret {
	return s.secretish(key, required, true)
}

func (s *settings) secretish(key string, required, literalOK bool) Secret {
	v, ok := s.raw(key)
	if !ok {
		if required {
			s.errorf(key, "missing required secret setting (a reference: %s)", refForms())
		}
		return Secret{}
	}
	str, isStr := v.(string)
	switch {
	case !isStr:
		s.errorf(key, "must be a secret reference (%s), got %T", refForms(), v)
	case IsSecretRef(str):
		return Secret{Ref: str}
	case literalOK && str != "":
		return Secret{Ref: str, Literal: true}
	default:
		// Never echo the value: it may be a pasted secret.
		s.errorf(key, "must be a secret reference (%s), not an inline value", refForms())
	}
	return Secret{}
}

func refForms() string { return "env:NAME, file:PATH, ssm:/path or secretsmanager:name" }

// httpURL returns a URL setting that must be absolute http(s); def when
// absent. The trailing slash is removed so paths can be appended.
func (s *settings) httpURL(key string, required bool, def string) string {
	v := s.str(key, required, def)
	if v == "" {
		return v
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		s.errorf(key, "must be an absolute http(s) URL, got %q", v)
		return def
	}
	return strings.TrimRight(v, "/")
}

// strList returns a list of strings (a single string is a list of one).
func (s *settings) strList(key string) []string {
	v, ok := s.raw(key)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			str, ok := e.(string)
			if !ok {
				s.errorf(key, "must be a list of strings, found %T", e)
				return nil
			}
			out = append(out, str)
		}
		return out
	}
	s.errorf(key, "must be a list of strings, got %T", v)
	return nil
}

// strMap returns a mapping of strings to strings.
func (s *settings) strMap(key string) map[string]string {
	v, ok := s.raw(key)
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		s.errorf(key, "must be a mapping of strings, got %T", v)
		return nil
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		str, ok := e.(string)
		if !ok {
			s.errorf(key+"."+k, "must be a string, got %T", e)
			continue
		}
		out[k] = str
	}
	return out
}

// duration returns a duration setting such as "5s"; def when absent.
func (s *settings) duration(key string, def time.Duration) time.Duration {
	v, ok := s.raw(key)
	if !ok {
		return def
	}
	str, _ := v.(string)
	d, err := time.ParseDuration(str)
	if err != nil || d <= 0 {
		s.errorf(key, "must be a positive duration such as \"10s\", got %v", v)
		return def
	}
	return d
}

// done reports every setting that no accessor asked for.
func (s *settings) done() {
	var unknown []string
	for k := range s.out.Settings {
		if !s.used[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	known := make([]string, 0, len(s.used))
	for k := range s.used {
		known = append(known, k)
	}
	sort.Strings(known)
	for _, k := range unknown {
		s.errorf(k, "unknown setting (known: %s)", strings.Join(known, ", "))
	}
}
