package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrPrivateAddress means the request would have connected to a
	// loopback, private, link-local or otherwise non-public address while
	// Options.AllowPrivate was false. The error wrapping it names the address.
	ErrPrivateAddress = errors.New("fetch: address is not public")
	// ErrTooLarge means the decompressed body exceeded the size cap.
	ErrTooLarge = errors.New("fetch: body too large")
	// ErrTooManyRedirects means the redirect chain was longer than
	// Options.MaxRedirects.
	ErrTooManyRedirects = errors.New("fetch: too many redirects")
	// ErrUnsupportedScheme means a URL, given or redirected to, was not
	// http or https.
	ErrUnsupportedScheme = errors.New("fetch: unsupported URL scheme")
	// ErrChallenge means a 2xx response was a bot-challenge page (a
	// cf-mitigated: challenge header, or a known challenge or captcha
	// page) instead of the feed. Non-2xx challenges are a *StatusError
	// with Challenge set, which also matches errors.Is(err, ErrChallenge).
	ErrChallenge = errors.New("fetch: bot challenge instead of the feed")
)

// StatusError is returned by Fetch for any final status that is neither 2xx
// nor 304. Callers branch on Code (404 and 410 mean the feed is gone, 429 and
// 5xx are worth retrying) and on RetryAfter.
type StatusError struct {
	// URL is the URL that answered with Code, after redirects.
	URL string
	// Code is the HTTP status code.
	Code int
	// RetryAfter is when the server asked to be polled again, from a
	// Retry-After header in delta-seconds or HTTP-date form; zero if the
	// header is absent or unparseable.
	RetryAfter time.Time
	// Header is the response header.
	Header http.Header
	// Challenge is true when the response was a bot-challenge page (see
	// ErrChallenge) rather than a plain error.
	Challenge bool
}

// Is reports whether target is ErrChallenge and e is a challenge.
func (e *StatusError) Is(target error) bool {
	return target == ErrChallenge && e.Challenge
}

// Error returns, for example, "fetch https://example.com/feed: HTTP 503
// Service Unavailable".
func (e *StatusError) Error() string {
	if e.Challenge {
		return fmt.Sprintf("fetch %s: HTTP %d %s (bot challenge)", e.URL, e.Code, http.StatusText(e.Code))
	}
	return fmt.Sprintf("fetch %s: HTTP %d %s", e.URL, e.Code, http.StatusText(e.Code))
}

// parseRetryAfter interprets a Retry-After header value relative to now.
// It returns the zero time when v is empty or malformed.
func parseRetryAfter(v string, now time.Time) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return time.Time{}
		}
		secs = min(secs, int64(365*24*time.Hour/time.Second))
		return now.Add(time.Duration(secs) * time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return t
	}
	return time.Time{}
}
