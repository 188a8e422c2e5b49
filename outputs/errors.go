package outputs

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// ErrUnknownOutput is returned for an output name that the configuration
// does not declare.
var ErrUnknownOutput = errors.New("output not declared in the configuration")

// StatusError is an HTTP response outside 2xx. Body is a short, redacted
// excerpt of the response body for diagnosis.
type StatusError struct {
	Service    string
	Code       int
	RetryAfter time.Duration // from a Retry-After header; 0 when absent
	Body       string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d %s", e.Service, e.Code, http.StatusText(e.Code))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Retryable reports whether the status is worth retrying: 408, 429 and 5xx.
func (e *StatusError) Retryable() bool {
	return e.Code == http.StatusRequestTimeout || e.Code == http.StatusTooManyRequests || e.Code >= 500
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying (bad settings, a payload the
// service rejects). The dispatcher dead-letters it at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// throttleCodes are AWS error codes that mean "slow down" even though the
// HTTP status is 400.
var throttleCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true,
	"TooManyRequestsException": true, "RequestLimitExceeded": true, "SlowDown": true,
	"ProvisionedThroughputExceededException": true, "RequestThrottled": true,
	"RequestThrottledException": true, "LimitExceededException": true,
}

// retryable classifies a delivery error: whether to try again, and how long
// the service asked us to wait (0: use backoff).
func retryable(err error) (bool, time.Duration) {
	if err == nil || IsPermanent(err) {
		return false, 0
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Retryable(), se.RetryAfter
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		code := re.HTTPStatusCode()
		var api smithy.APIError
		if errors.As(err, &api) && throttleCodes[api.ErrorCode()] {
			return true, 0
		}
		if code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 {
			return true, 0
		}
		if code >= 400 {
			return false, 0
		}
	}
	// Network errors, timeouts and anything unknown: try again.
	return true, 0
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
// It returns 0 when the header is absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
