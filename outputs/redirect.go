package outputs

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// RedirectError is a delivery that the server answered with a redirect. The
// outputs never follow one: a redirect, to another host above all, would
// carry the alert and its secret headers (an API key, the HMAC signature)
// to a server the configuration never named. It is permanent: the
// configured URL needs fixing.
type RedirectError struct {
	Service string
	Code    int
	// To is where the server pointed: the Location's scheme and host only
	// (its path may hold a token), or "" when it had none.
	To string
	// OtherHost reports whether To is another host than the one asked.
	OtherHost bool
}

// Error says which redirect was refused, and why.
func (e *RedirectError) Error() string {
	to := "no Location"
	if e.To != "" {
		to = e.To
		if e.OtherHost {
			to += ", another host"
		}
	}
	return fmt.Sprintf("%s: HTTP %d %s: redirect to %s not followed: outputs never follow redirects, "+
		"so that alerts and secret headers go only where the configuration says; set the URL to where it should point",
		e.Service, e.Code, http.StatusText(e.Code), to)
}

// noRedirects makes an http.Client hand back a redirect response instead of
// following it (its headers would go along, to any host).
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// withoutRedirects returns a copy of c that never follows redirects; c
// itself (the caller's) is left as it is.
func withoutRedirects(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = noRedirects
	return &cp
}

// redirectError returns the *RedirectError for a 3xx response to req, or
// nil when resp is no redirect.
func redirectError(service string, req *http.Request, resp *http.Response) error {
	if resp.StatusCode < 300 || resp.StatusCode > 399 || resp.StatusCode == http.StatusNotModified {
		return nil
	}
	e := &RedirectError{Service: service, Code: resp.StatusCode}
	if loc, err := resp.Location(); err == nil {
		e.To = loc.Scheme + "://" + loc.Host
		e.OtherHost = loc.Host != req.URL.Host
	}
	return e
}

// endpoint names where a request went in an error: scheme and host (the
// path or query may hold a token), or nothing at all when the URL is (or
// extends) a secret's value, since its host name may be the secret (a
// webhook URL with a token as a subdomain).
func (b *builder) endpoint(rawURL string, u *url.URL) string {
	if b.secrets.isValue(rawURL) {
		return Redacted
	}
	return u.Scheme + "://" + u.Host
}

// isValue reports whether rawURL is, or starts with, a URL that is the
// value of a secret resolved so far (an output may append a path to a
// secret base URL).
func (s *Secrets) isValue(rawURL string) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cache {
		if c.value == rawURL || strings.Contains(c.value, "://") && strings.HasPrefix(rawURL, c.value) {
			return true
		}
	}
	return false
}
