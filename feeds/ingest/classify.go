package ingest

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
	"github.com/tidyfeed/tidyfeed/feeds/schedule"
)

// errInternal marks failures of tidyfeed itself (the store, encoding), which
// are not the feed's fault.
var errInternal = errors.New("ingest: internal failure")

// internalError wraps an error of our own so that classify sees it; its
// message is the wrapped one's.
type internalError struct{ err error }

func (e internalError) Error() string        { return e.err.Error() }
func (e internalError) Unwrap() []error      { return []error{e.err, errInternal} }
func internal(err error) error               { return internalError{err} }
func (e internalError) Is(target error) bool { return target == errInternal }

// classify decides, in one place, what kind of failure err is for planning.
func classify(ctx context.Context, err error) schedule.Failure {
	var se *fetch.StatusError
	switch {
	case ctx.Err() != nil, errors.Is(err, errInternal):
		return schedule.FailInternal // shutting down, or our own failure
	case errors.Is(err, fetch.ErrChallenge):
		return schedule.FailChallenge
	case errors.Is(err, parse.ErrNotFeed) && challengeTitle(err.Error()):
		return schedule.FailChallenge
	case errors.As(err, &se):
		switch {
		case se.Code == 410:
			return schedule.FailGone
		case se.Code == 404:
			return schedule.FailNotFound
		case (se.Code == 429 || se.Code == 503) && !se.RetryAfter.IsZero():
			return schedule.FailRetryAfter
		}
	}
	return schedule.FailTemporary
}

// challengeWords are found in the titles of bot-challenge and captcha pages
// that parse reports as "HTML page (title ...)".
var challengeWords = []string{"just a moment", "attention required", "captcha", "are you a robot",
	"are you human", "verify you are human", "security check", "checking your browser", "ddos", "access denied", "bot verification"}

// challengeTitle reports whether a parse.ErrNotFeed message names an HTML
// page whose title is a bot challenge's.
func challengeTitle(msg string) bool {
	msg = strings.ToLower(msg)
	i := strings.Index(msg, "html page")
	if i < 0 {
		return false
	}
	for _, w := range challengeWords {
		if strings.Contains(msg[i:], w) {
			return true
		}
	}
	return false
}

// isNetwork reports whether err happened below HTTP: no connection, DNS,
// a reset or a timeout. A run of these across hosts suggests our own
// network is down.
func isNetwork(err error) bool {
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &oe) || errors.As(err, &de) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH)
}

// healthWindow is how far back health looks.
const healthWindow = 15 * time.Minute

// health remembers, per host, whether its latest poll failed below HTTP.
// When every host polled within healthWindow (at least two) last failed
// that way, the fault is most likely ours (network down, DNS broken), and
// the failure is not counted against the feed. A host that answers at all,
// even with an error status, shows that our network works.
type health struct {
	mu     sync.Mutex
	latest map[string]healthEvent
}

type healthEvent struct {
	at     time.Time
	netErr bool
}

// record notes one poll of host at now and reports whether our own network
// looks down: this poll failed below HTTP, and so did the latest poll of
// every other host polled within healthWindow, at least one of them.
func (h *health) record(host string, netErr bool, now time.Time) (offline bool) {
	if host == "" {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.latest == nil {
		h.latest = make(map[string]healthEvent)
	}
	h.latest[host] = healthEvent{now, netErr}
	failing := 0
	for name, e := range h.latest {
		if now.Sub(e.at) > healthWindow {
			delete(h.latest, name)
			continue
		}
		if !e.netErr {
			return false
		}
		failing++
	}
	return failing >= 2
}

// hostOf returns the lower-cased host name of a URL source, "" for files.
func hostOf(src feeds.Source) string {
	u, err := url.Parse(src.URL)
	if src.URL == "" || err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}
