// Package schedule decides when each feed source is polled. It takes the
// configured sources (feeds.Source) and a PollFunc, and calls that function
// for each source when it is due: at its interval with jitter, or at the time
// the previous poll asked for in its Result. It knows nothing of HTTP, feed
// formats or storage; the caller (feeds/ingest via cmd/tidyfeed) does the
// work and turns what it learnt (Retry-After, backoff, TTL, skipHours) into
// Result.Next.
//
// A Scheduler keeps one min-heap of next-check times and a single loop
// goroutine (Run) that sleeps until the earliest one or until it is woken by
// SetSources, RefreshAll or a finished poll. Due sources are started in a
// bounded set of goroutines (Options.Concurrency), at most Options.PerHost at
// a time per host, and two polls of one host start at least
// Options.HostSpacing apart, so that many feeds on one host are spread out.
//
// When a poll is done is decided elsewhere, but Plan, a pure function,
// holds the rules callers share: the feed's interval or an adaptive one
// learnt from its posting rate, raised (never lowered) by publisher hints
// (ttl, sy:updatePeriod, Cache-Control, Expires), moved out of skipHours and
// skipDays, exponential backoff after errors up to a cap (or the interval,
// if longer), Retry-After, and gone feeds. The scheduler itself keeps what
// the servers asked for: a source inside a Retry-After window, gone, or
// inside its skipHours is skipped by RefreshAll (which says until when),
// and once HostEscalation sources of one host are inside Retry-After
// windows at once, the whole host waits until the earliest window ends,
// RefreshAll or not; one misbehaving path never pauses its host.
//
// Time comes from a Clock. RealClock is the wall clock; FakeClock moves only
// when told to and is meant for tests, in this package and in others.
//
// # Caveats
//
//   - Local files (Source.Path) have no host: they are bounded only by
//     Options.Concurrency and are not spaced.
//   - The host is the URL's host name without port, lower-cased; sources on
//     different ports of one host share its limits.
//   - A Result.Next in the past means "due now". The scheduler does not
//     enforce a minimum interval: a PollFunc that always asks for "now" gets
//     polled back to back (spaced per host, but not for local files).
//   - A source removed while its poll is in flight is not rescheduled, but
//     that poll is not cancelled either; it runs to completion. Added back
//     before it returns, the source is rescheduled from its Result as usual.
//   - Sources that are due but still waiting for their host or a free slot
//     when Run returns keep their (past) next-check time, and are polled
//     first when Run is called again.
//   - Only sources still configured on a host count towards pausing it: a
//     source removed from the config, or whose URL moved to another host,
//     no longer does. A host pause already in effect runs to its end.
//   - Host pauses live in memory only; after a restart each source's own
//     stored next check (and Restore) still honours its Retry-After.
//   - Sources waiting for a paused host stay ready with a past next-check
//     time, which Next and Statuses report as is.
//   - Next check times live in memory only. The caller persists them (for
//     example in feeds.FeedState.NextCheck) and hands them back to
//     SetSources after a restart.
package schedule
