package outputs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// userAgent identifies this product in every HTTP request.
const userAgent = "streamalert-go"

// maxErrorBody is how much of an error response body an error keeps.
const maxErrorBody = 300

// post sends body as JSON to rawURL with the given headers and returns the
// response body of a 2xx response. Errors never contain the URL beyond its
// scheme and host (the path or query may hold a token), and not even those
// when the URL is a secret's value: a permanent *RedirectError for a
// redirect (never followed), a *StatusError for other non-2xx (with
// Retry-After), otherwise the transport's error.
func (b *builder) post(ctx context.Context, rawURL string, hdr http.Header, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		// url.Parse errors quote the whole URL: keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, Permanent(fmt.Errorf("%s: bad URL: %v", b.name, b.secrets.Redact(err.Error())))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	resp, err := b.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error's message carries the full URL
		}
		return nil, fmt.Errorf("%s: POST %s: %w", b.name, b.endpoint(rawURL, req.URL), err)
	}
	defer resp.Body.Close()
	if rerr := redirectError(b.name, req, resp); rerr != nil {
		return nil, Permanent(rerr)
	}
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{Service: b.name, Code: resp.StatusCode,
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), b.now()),
			Body:       b.secrets.Redact(excerpt(data, maxErrorBody))}
	}
	if rerr != nil {
		return nil, fmt.Errorf("%s: read response: %w", b.name, rerr)
	}
	return data, nil
}

func (b *builder) now() time.Time {
	if b.opts != nil && b.opts.Now != nil {
		return b.opts.Now()
	}
	return time.Now()
}

// value returns a Secret setting's value: the literal, or the resolved
// reference.
func (b *builder) value(ctx context.Context, s Secret) (string, error) {
	if s.Literal {
		return s.Ref, nil
	}
	v, err := b.secrets.Get(ctx, s.Ref)
	if err != nil {
		return "", fmt.Errorf("%s: %w", b.name, err)
	}
	return v, nil
}

// excerpt returns at most n bytes of b as valid UTF-8 on one line.
func excerpt(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	return truncate(s, n)
}

// truncate cuts s to at most n bytes at a rune boundary, marking the cut
// with "…" (counted within n).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := n - len(mark)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
