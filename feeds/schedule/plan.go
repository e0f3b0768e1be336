package schedule

import (
	"slices"
	"strings"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// Failure classifies why a poll failed, as Plan needs to know it. The
// caller (feeds/ingest) decides the class from the error in one switch.
type Failure string

// The failure classes. FailNone means the poll succeeded (200 or 304).
const (
	FailNone       Failure = ""
	FailRetryAfter Failure = "retry-after" // 429 or 503 with a usable Retry-After
	FailGone       Failure = "gone"        // 410 Gone
	FailNotFound   Failure = "not-found"   // 404; gone once it has lasted NotFoundGone
	FailChallenge  Failure = "challenge"   // a bot-challenge page instead of the feed
	FailTemporary  Failure = "temporary"   // anything worth retrying with backoff
	FailOffline    Failure = "offline"     // every feed failing at once: our network, not the feed's fault
	FailInternal   Failure = "internal"    // our own failure (store, bug): not the feed's fault
)

// Planning limits. The zero values of PlanInput's fields fall back to these.
const (
	DefaultInterval      = 30 * time.Minute   // PlanInput.Interval when 0
	DefaultMaxRetryAfter = 48 * time.Hour     // PlanInput.MaxRetryAfter when 0
	DefaultBackoffCap    = 7 * 24 * time.Hour // PlanInput.BackoffCap when 0
	// AdaptiveFloor and AdaptiveCeiling bound the interval learnt from a
	// feed's posting rate (half the mean gap between recent entries).
	AdaptiveFloor   = 15 * time.Minute
	AdaptiveCeiling = 24 * time.Hour
	// SilentAfter is how long a feed may go without a new entry before the
	// adaptive interval slows beyond AdaptiveCeiling (a seventh of the
	// silence, up to SilentCeiling).
	SilentAfter   = 14 * 24 * time.Hour
	SilentCeiling = 72 * time.Hour
	// NotFoundGone is how long an unbroken run of 404s lasts before the
	// feed is treated as gone.
	NotFoundGone = 72 * time.Hour
)

// PlanInput is everything Plan decides from. The zero value of each field
// means "unknown" or the default named in its comment.
type PlanInput struct {
	// Now is the time of the poll being planned from.
	Now time.Time
	// Interval is the feed's configured interval (its own, or the default);
	// 0 means DefaultInterval. Backoff starts from it.
	Interval time.Duration
	// Pinned is true when the feed sets its own interval in the config:
	// adaptive timing is then off for it.
	Pinned bool
	// Adaptive turns on learning the interval from RecentPosts.
	Adaptive bool
	// RecentPosts are publication times of the feed's newest entries, in
	// any order; zero times are ignored.
	RecentPosts []time.Time
	// Hints are the feed document's polling hints (ttl, sy:update*,
	// skipHours, skipDays).
	Hints feeds.PollHints
	// FreshUntil is when the last response stops being fresh by its HTTP
	// caching headers (Cache-Control max-age minus Age, or Expires); zero
	// when it gave none.
	FreshUntil time.Time

	// Failure is FailNone for a successful poll, else its class.
	Failure Failure
	// ConsecutiveErrors counts the failed polls in a row, this one included,
	// that count against the feed; 0 or 1 means the first.
	ConsecutiveErrors int
	// ErrorSince is when the current run of failures began.
	ErrorSince time.Time
	// RetryAfter is the time a 429 or 503 asked us to wait until.
	RetryAfter time.Time
	// MaxRetryAfter caps RetryAfter; 0 means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// BackoffCap caps the backoff after errors and the delay publisher
	// hints may ask for; 0 means DefaultBackoffCap. A failing feed keeps
	// being retried at the cap, never dropped. An Interval longer than the
	// cap wins over it: neither is ever shortened to the cap.
	BackoffCap time.Duration

	// Jitter is a random sample in [-1, 1] that spreads the chosen delay by
	// up to ±10%; 0 means none. Hints and Retry-After are never shortened
	// by it.
	Jitter float64
}

// Decision is what Plan decided.
type Decision struct {
	// Next is when the feed should be polled again.
	Next time.Time
	// Reason says why Next was chosen: "interval", "adaptive", "ttl",
	// "sy:updatePeriod", "cache-control", "skipHours", "skipDays",
	// "retry-after", "backoff", "gone", "offline" or "internal".
	Reason string
	// Gone reports that the feed is gone (410, or 404 for NotFoundGone):
	// it is only probed at the backoff cap, and reported loudly.
	Gone bool
	// RetryAfter is the end of the window the server asked for (capped),
	// or zero; a manual refresh must not poll before it.
	RetryAfter time.Time
}

// Plan decides when a feed is polled next and why. It is a pure function of
// its input.
//
// After a success the delay is the feed's interval, or (Adaptive, not
// Pinned, at least two dated entries) half the mean gap between its recent
// entries, clamped to [AdaptiveFloor, AdaptiveCeiling] and slower still for
// a feed silent for SilentAfter. Publisher hints (ttl, sy:updatePeriod,
// FreshUntil) may lengthen that delay, up to BackoffCap, never shorten it.
//
// After a failure: Retry-After is honoured up to MaxRetryAfter; gone feeds
// wait BackoffCap (or their interval, when longer); offline and internal failures wait one interval without
// growth; every other failure backs off exponentially from the interval up
// to BackoffCap, or stays at the interval when that is longer (a failing
// feed is never polled more often than a healthy one). In every case a Next
// inside the feed's skipHours or skipDays moves to the end of that window.
func Plan(in PlanInput) Decision {
	if in.Interval <= 0 {
		in.Interval = DefaultInterval
	}
	if in.MaxRetryAfter <= 0 {
		in.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if in.BackoffCap <= 0 {
		in.BackoffCap = DefaultBackoffCap
	}
	var d Decision
	switch in.Failure {
	case FailNone:
		d = planSuccess(in)
	case FailOffline, FailInternal:
		d = Decision{Next: in.Now.Add(jitter(in.Interval, in.Jitter)), Reason: string(in.Failure)}
	case FailGone:
		d = planGone(in)
	case FailNotFound:
		if !in.ErrorSince.IsZero() && in.Now.Sub(in.ErrorSince) >= NotFoundGone {
			d = planGone(in)
		} else {
			d = planBackoff(in)
		}
	case FailRetryAfter:
		d = planBackoff(in)
		if in.RetryAfter.After(in.Now) {
			until := minTime(in.RetryAfter, in.Now.Add(in.MaxRetryAfter))
			d.RetryAfter = until
			if until.After(d.Next) {
				d.Next, d.Reason = until, "retry-after"
			}
		}
	default: // FailChallenge, FailTemporary and anything new
		d = planBackoff(in)
	}
	if next, why := SkipWindow(d.Next, in.Hints); why != "" {
		d.Next, d.Reason = next, why
	}
	return d
}

// planSuccess plans after a 200 or 304.
func planSuccess(in PlanInput) Decision {
	base, reason := in.Interval, "interval"
	if in.Adaptive && !in.Pinned {
		if a, ok := adaptiveInterval(in.RecentPosts, in.Now); ok {
			base, reason = a, "adaptive"
		}
	}
	next := in.Now.Add(jitter(base, in.Jitter))
	limit := in.Now.Add(max(base, in.BackoffCap))
	raise := func(at time.Time, why string) {
		at = minTime(at, limit)
		if at.After(next) {
			next, reason = at, why
		}
	}
	if in.Hints.TTL > 0 {
		raise(in.Now.Add(in.Hints.TTL), "ttl")
	}
	if in.Hints.UpdateBase > 0 {
		raise(in.Now.Add(in.Hints.UpdateBase), "sy:updatePeriod")
	}
	if !in.FreshUntil.IsZero() {
		raise(in.FreshUntil, "cache-control")
	}
	return Decision{Next: next, Reason: reason}
}

// planGone probes a gone feed again after the cap, or after its interval
// when that is longer.
func planGone(in PlanInput) Decision {
	return Decision{Next: in.Now.Add(max(in.BackoffCap, in.Interval)), Reason: "gone", Gone: true}
}

// planBackoff doubles the wait from the interval for each consecutive
// error, up to the cap, or up to the interval itself when that is longer
// than the cap: a failing feed is not polled more often than a healthy one.
func planBackoff(in PlanInput) Decision {
	limit := max(in.BackoffCap, in.Interval)
	d := in.Interval
	for i := 1; i < in.ConsecutiveErrors && d < limit; i++ {
		d *= 2
	}
	d = min(jitter(d, in.Jitter), limit)
	return Decision{Next: in.Now.Add(d), Reason: "backoff"}
}

// adaptiveInterval returns half the mean gap between the dated posts,
// clamped, and slower for a feed silent for weeks. ok is false with fewer
// than two distinct usable dates.
func adaptiveInterval(posts []time.Time, now time.Time) (time.Duration, bool) {
	var ts []time.Time
	for _, t := range posts {
		if !t.IsZero() && !t.After(now.Add(time.Hour)) { // ignore bogus future dates
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return b.Compare(a) })
	// Feeds that stamp every entry with one time (often the time the
	// document was generated) say nothing about their posting rate.
	ts = slices.CompactFunc(ts, time.Time.Equal)
	if len(ts) < 2 {
		return 0, false
	}
	mean := ts[0].Sub(ts[len(ts)-1]) / time.Duration(len(ts)-1)
	d := min(max(mean/2, AdaptiveFloor), AdaptiveCeiling)
	if silence := now.Sub(ts[0]); silence >= SilentAfter {
		d = max(d, min(silence/7, SilentCeiling))
	}
	return d, true
}

// jitter spreads d by up to ±10% using r in [-1, 1]; 0 leaves it as is.
func jitter(d time.Duration, r float64) time.Duration {
	if r != r { // NaN
		r = 0
	}
	r = min(max(r, -1), 1)
	return time.Duration(float64(d) * (1 + 0.1*r))
}

// SkipWindow moves t past the publisher's skipHours (GMT) and skipDays,
// returning the new time and "skipHours" or "skipDays", or t and "" when t
// is outside both. Hints that skip every hour or every day are ignored.
func SkipWindow(t time.Time, h feeds.PollHints) (time.Time, string) {
	var hours [24]bool
	nh := 0
	for _, x := range h.SkipHours {
		if x >= 0 && x < 24 && !hours[x] {
			hours[x], nh = true, nh+1
		}
	}
	var days [7]bool
	nd := 0
	for _, s := range h.SkipDays {
		if wd, ok := weekday(s); ok && !days[wd] {
			days[wd], nd = true, nd+1
		}
	}
	if nh == 24 {
		nh, hours = 0, [24]bool{}
	}
	if nd == 7 {
		nd, days = 0, [7]bool{}
	}
	if nh == 0 && nd == 0 {
		return t, ""
	}
	why := ""
	u := t.UTC()
	for range 24 * 8 {
		switch {
		case days[u.Weekday()]:
			u = time.Date(u.Year(), u.Month(), u.Day()+1, 0, 0, 0, 0, time.UTC)
			why = "skipDays"
		case hours[u.Hour()]:
			u = u.Truncate(time.Hour).Add(time.Hour)
			if why == "" {
				why = "skipHours"
			}
		default:
			if why == "" {
				return t, ""
			}
			return u.In(t.Location()), why
		}
	}
	return t, "" // unreachable with at least one free hour and day
}

// weekday parses an English day name as RSS skipDays writes it.
func weekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.ToLower(d.String()) == s {
			return d, true
		}
	}
	return 0, false
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
