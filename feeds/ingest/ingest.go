// Package ingest runs one source through the pipeline: fetch (or read the
// local file), parse, clean, dedupe, store. It alone knows the order of the
// stages. Ingest returns an Outcome that the scheduler plans the next poll
// from and that commands print.
//
// Everything one poll learns (new and edited entries, the feed state with
// its validators, the cleaner's learned profile) is saved in a single store
// transaction, so a crash leaves all of it or none. A failed poll records
// the error in the feed state and never touches stored entries.
//
// Every poll plans the next one with schedule.Plan and saves the plan in
// the state (NextCheck, NextReason), with what it was planned from: the
// document's hints and recent publication times, so that a 304 is planned
// like the 200 before it. Failures are classified in one switch (classify):
// Retry-After, gone (410), not found (404, gone after days), bot challenge,
// temporary, and failures that are not the feed's fault and do not grow
// its backoff: our own (store, shutdown) and our network (every host
// polled lately failed below HTTP). A permanent redirect seen on three
// consecutive polls over at least a day is followed: the feed is polled at
// the new URL under its configured ID, and the move is logged with the
// edit to make; feeds.yaml is never rewritten.
//
// # Caveats
//
//   - The outage detector lives in the Ingester, which cmd/tidyfeed rebuilds
//     on each config reload; a reload forgets the last quarter hour.
//   - A body whose hash is unchanged is not parsed, so its hints and
//     publication times are those stored from the last parse.
package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/dedupe"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/schedule"
	"github.com/tidyfeed/tidyfeed/storage"
)

// Fetcher performs one conditional GET. *fetch.Fetcher satisfies it.
type Fetcher interface {
	Fetch(ctx context.Context, req fetch.Request) (*fetch.Response, error)
}

// Parser turns a body into feed metadata and entries. *parse.Parser
// satisfies it.
type Parser interface {
	Parse(body []byte, base string) (feeds.Feed, []feeds.Entry, error)
}

// Store is what ingest needs of the store. *storage.Store satisfies it.
type Store interface {
	State(ctx context.Context, feedID string) (feeds.FeedState, bool, error)
	Meta(ctx context.Context, feedID, name string) ([]byte, error)
	Save(ctx context.Context, b storage.Batch) (storage.SaveResult, error)
}

// ProfileMeta names the stored per-feed blob (storage Meta) that holds the
// cleaner's learned profile of the feed.
const ProfileMeta = "clean.profile"

// Options configures an Ingester. Fetcher, Parser, Cleaner and Store are
// required.
type Options struct {
	Fetcher Fetcher
	Parser  Parser
	Cleaner *clean.Cleaner
	Store   Store
	// Interval is the poll interval of sources without their own; 0 means 30m.
	Interval time.Duration
	// MaxFileBytes caps local feed files; 0 means 10 MB.
	MaxFileBytes int64
	// FixedInterval turns adaptive timing off: feeds are polled at their
	// interval (raised by publisher hints). false means adaptive timing is
	// on for feeds without an interval of their own (see schedule.Plan).
	FixedInterval bool
	// MaxRetryAfter caps how long a Retry-After is honoured; 0 means
	// schedule.DefaultMaxRetryAfter (2 days).
	MaxRetryAfter time.Duration
	// BackoffCap caps the backoff after errors; 0 means
	// schedule.DefaultBackoffCap (1 week).
	BackoffCap time.Duration
	// Jitter returns a random sample in [-1, 1] that spreads planned
	// delays by up to ±10%; nil means math/rand/v2.
	Jitter func() float64
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives one line per poll; nil means slog.Default().
	Logger *slog.Logger
	// Observe, if set, is called with every Outcome before Ingest returns
	// (cmd/tidyfeed counts them in its metrics). It must not block for
	// long; nil means no observer.
	Observe func(Outcome)
	// Filter, if set, decides which of a parsed document's entries may be
	// stored and published, after dedupe's identification and before the
	// store (*filter.Filter's Apply satisfies it). It receives the state
	// as of the previous poll, records its counts and memory in it, and
	// returns the kept entries; nil keeps every entry.
	Filter func(src feeds.Source, state *feeds.FeedState, entries []feeds.Entry) []feeds.Entry
	// MaxEntries caps how many of one document's entries a poll cleans
	// and stores: the newest by date (undated ones count as older, in
	// document order), so a 100,000-item archive costs one bounded poll.
	// 0 means DefaultMaxEntries; a negative value means no cap.
	MaxEntries int
	// Workers bounds the polls that parse, clean and identify entries at
	// once: the part of a poll that only needs a CPU. Fetching, reading a
	// file and waiting for the store are not bounded by it, so many polls
	// can wait on the network while few compete for the cores (and the
	// store's single committer, the poll's serial stage, is not queued
	// behind dozens of parsers). 0 (or negative) means runtime.GOMAXPROCS.
	Workers int
}

// DefaultMaxEntries is the per-document entry cap when
// Options.MaxEntries is 0. Storing one document's entries is one
// transaction whose cost grows faster than linearly with its size.
const DefaultMaxEntries = 1000

// Ingester runs sources through the pipeline. It is safe for concurrent
// use by several goroutines, one source each.
type Ingester struct {
	opts    Options
	health  health
	workers *semaphore.Weighted
}

// New returns an Ingester.
func New(opts Options) *Ingester {
	if opts.Interval <= 0 {
		opts.Interval = 30 * time.Minute
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 10 * 1000 * 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxEntries == 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.Jitter == nil {
		opts.Jitter = func() float64 { return 2*rand.Float64() - 1 }
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	return &Ingester{opts: opts, workers: semaphore.NewWeighted(int64(opts.Workers))}
}

// Status summarises what one poll did.
type Status string

// The statuses of an Outcome.
const (
	StatusNew         Status = "new"          // at least one new entry stored
	StatusUpdated     Status = "updated"      // no new entries, at least one edited
	StatusUnchanged   Status = "unchanged"    // parsed, nothing to store
	StatusNotModified Status = "not-modified" // 304, or the same body as last time
	StatusError       Status = "error"        // see Outcome.Err
)

// Outcome is the result of one Ingest.
type Outcome struct {
	Source   feeds.Source
	Status   Status
	New      int
	Updated  int
	Entries  int // entries in the document after folding duplicates
	Err      error
	State    feeds.FeedState // the state as saved
	Feed     feeds.Feed      // metadata of the parsed document, if one was parsed
	Duration time.Duration
	// Failure classifies Err for planning; schedule.FailNone on success.
	Failure schedule.Failure

	// Fetched is true when the server answered or the file was read (even
	// with an error status); FetchDuration and Bytes are then the
	// request's time and the body bytes received (before decompression).
	Fetched       bool
	FetchDuration time.Duration
	Bytes         int64
	// Merged counts the new entries that joined another feed's story (also
	// counted in New); Tombstoned the entries skipped because they were
	// purged before; Duplicates the entries repeated within the document
	// and folded into one.
	Merged, Tombstoned, Duplicates int
	// Recleaned counts stored entries whose cleaned text changed while
	// their source did not (storage.SaveResult.Recleaned): no edits, but
	// the outputs changed.
	Recleaned int
}

// Result is what the scheduler needs of the outcome: the planned next
// check and why, a Retry-After window, and whether the feed is gone.
func (o Outcome) Result() schedule.Result {
	return schedule.Result{
		Next:       o.State.NextCheck,
		Reason:     o.State.NextReason,
		RetryAfter: o.State.RetryAfter,
		Gone:       !o.State.Gone.IsZero(),
		Quiet:      feeds.PollHints{SkipHours: o.State.Hints.SkipHours, SkipDays: o.State.Hints.SkipDays},
	}
}

// Held reports whether a manual refresh must leave a feed alone at now,
// because the server asked for a Retry-After window, the feed is gone, or
// now is inside its skipHours or skipDays, and until when and why
// ("retry-after", "gone", "skipHours" or "skipDays").
func Held(st feeds.FeedState, now time.Time) (until time.Time, reason string, held bool) {
	switch {
	case !st.Gone.IsZero() && st.NextCheck.After(now):
		return st.NextCheck, "gone", true
	case st.RetryAfter.After(now):
		return st.RetryAfter, "retry-after", true
	}
	if end, why := schedule.SkipWindow(now, st.Hints); why != "" {
		return end, why, true
	}
	return time.Time{}, "", false
}

// Ingest polls src once and stores what it finds. Errors are reported in
// the Outcome (and saved in the feed state), never panicked.
func (in *Ingester) Ingest(ctx context.Context, src feeds.Source) Outcome {
	start := in.opts.Now()
	var m measures
	out := in.ingest(ctx, src, start, &m)
	out.Source = src
	out.Duration = in.opts.Now().Sub(start)
	out.Fetched, out.FetchDuration, out.Bytes, out.Duplicates = m.fetched, m.fetchDuration, m.bytes, m.duplicates
	in.log(out)
	if in.opts.Observe != nil {
		in.opts.Observe(out)
	}
	return out
}

// measures collects what one poll measured on its way, for the Outcome.
type measures struct {
	fetched       bool
	fetchDuration time.Duration
	bytes         int64
	duplicates    int
}

func (in *Ingester) ingest(ctx context.Context, src feeds.Source, now time.Time, m *measures) Outcome {
	state, _, err := in.opts.Store.State(ctx, src.ID)
	if err != nil {
		return Outcome{Status: StatusError, Failure: schedule.FailInternal, Err: fmt.Errorf("load state of %s: %w", src.ID, err)}
	}
	state.FeedID = src.ID
	state.LastAttempt = now

	resp, err := in.read(ctx, src, state)
	state.LastStatus = 0 // no response, unless one comes
	if resp != nil {
		state.LastStatus = resp.Status
		m.fetched, m.fetchDuration, m.bytes = true, resp.Duration, resp.BytesRead
	}
	if err != nil {
		return in.fail(ctx, src, state, err)
	}
	in.health.record(hostOf(src), false, now)
	in.noteMove(&state, src, resp, now)
	// The response's validators are kept only once its document is known
	// good: a document that fails to parse must be fetched again, not
	// answered by a 304 that would pass for health.
	validators := func() { state.ETag, state.LastModified = resp.ETag, resp.LastModified }
	if resp.NotModified {
		validators()
		return in.store(ctx, src, state, now, nil, nil, feeds.Feed{}, resp.FreshUntil, StatusNotModified)
	}
	sum := sha256.Sum256(resp.Body)
	bodyHash := hex.EncodeToString(sum[:16])
	if bodyHash == state.BodyHash {
		// The last good body again: skip parsing, but keep the new validators.
		validators()
		return in.store(ctx, src, state, now, nil, nil, feeds.Feed{}, resp.FreshUntil, StatusNotModified)
	}

	profile, err := in.profile(ctx, src.ID) // a store read: not on a worker
	if err != nil {
		return in.fail(ctx, src, state, err)
	}
	if err := in.workers.Acquire(ctx, 1); err != nil {
		return in.fail(ctx, src, state, err)
	}
	// Released even if a parser or cleaner bug panics (the scheduler
	// recovers it): a lost slot would stall every later poll.
	feed, entries, blob, err := func() (feeds.Feed, []feeds.Entry, []byte, error) {
		defer in.workers.Release(1)
		return in.process(src, &state, resp, profile, m)
	}()
	if err != nil {
		return in.fail(ctx, src, state, err)
	}
	state.BodyHash = bodyHash
	validators()
	return in.store(ctx, src, state, now, entries, map[string][]byte{ProfileMeta: blob}, feed, resp.FreshUntil, "")
}

// process is the CPU-bound middle of a poll: it parses the body, updates
// the feed's clean profile from its newest entries and cleans them,
// identifies and filters them, and returns them with the feed's metadata
// and the encoded profile. It records what it learns of the feed in state.
func (in *Ingester) process(src feeds.Source, state *feeds.FeedState, resp *fetch.Response, profile *clean.Profile, m *measures) (feeds.Feed, []feeds.Entry, []byte, error) {
	feed, entries, err := in.opts.Parser.Parse(resp.Body, resp.URL)
	if err != nil {
		return feed, nil, nil, fmt.Errorf("parse %s: %w", src.Location(), err)
	}
	entries = newest(entries, in.opts.MaxEntries)
	state.Title, state.Link, state.Description = feed.Title, feed.Link, feed.Description
	state.Hints = feed.Hints
	state.RecentPosts = recentPosts(entries)

	profile.Learn(entries)
	rules := clean.Feed{Rules: src.Clean, Profile: profile}
	for i := range entries {
		entries[i].FeedID = src.ID
		in.opts.Cleaner.Clean(&entries[i], rules)
	}
	parsed := len(entries)
	entries = dedupe.Identify(entries)
	m.duplicates = parsed - len(entries)
	if in.opts.Filter != nil {
		entries = in.opts.Filter(src, state, entries)
	}

	blob, err := profile.MarshalJSON()
	if err != nil {
		return feed, nil, nil, fmt.Errorf("encode clean profile of %s: %w", src.ID, internal(err))
	}
	return feed, entries, blob, nil
}

// newest returns the max newest entries in document order (all of them
// when max is negative or there are no more). Dates are Published, else
// Updated; undated entries rank below dated ones, earlier ones first.
func newest(entries []feeds.Entry, max int) []feeds.Entry {
	if max < 0 || len(entries) <= max {
		return entries
	}
	date := func(e *feeds.Entry) time.Time {
		if !e.Published.IsZero() {
			return e.Published
		}
		return e.Updated
	}
	order := make([]int, len(entries))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return date(&entries[b]).Compare(date(&entries[a])) })
	keep := order[:max]
	slices.Sort(keep)
	out := make([]feeds.Entry, len(keep))
	for i, j := range keep {
		out[i] = entries[j]
	}
	return out
}

// read fetches a URL source conditionally (at the URL it has permanently
// moved to, once that move is followed), or reads a local file.
func (in *Ingester) read(ctx context.Context, src feeds.Source, state feeds.FeedState) (*fetch.Response, error) {
	if src.Path != "" {
		resp, err := fetch.ReadFile(ctx, src.Path, in.opts.MaxFileBytes)
		if err != nil {
			return nil, err
		}
		resp.URL = (&url.URL{Scheme: "file", Path: src.Path}).String()
		return resp, nil
	}
	target := src.URL
	if !state.MoveFollowed.IsZero() && state.MovedTo != "" {
		target = state.MovedTo
	}
	return in.opts.Fetcher.Fetch(ctx, fetch.Request{
		URL:          target,
		ETag:         state.ETag,
		LastModified: state.LastModified,
	})
}

// Moves are followed once the same permanent redirect has been seen on
// moveConfirmPolls consecutive successful polls spanning moveConfirmAge.
const (
	moveConfirmPolls = 3
	moveConfirmAge   = 24 * time.Hour
)

// noteMove tracks permanent redirects (301/308). A move seen on several
// consecutive polls over at least a day is followed: the feed is then
// polled at the new URL (its ID stays the configured URL) and the move is
// reported with a suggested edit, which tidyfeed never makes itself.
func (in *Ingester) noteMove(state *feeds.FeedState, src feeds.Source, resp *fetch.Response, now time.Time) {
	to := resp.PermanentRedirect
	switch {
	case to == "" && !state.MoveFollowed.IsZero():
		return // polling the new URL, which answers directly: the move holds
	case to == "":
		state.MovedTo, state.MovedSince, state.MovedSeen = "", time.Time{}, 0
		return
	case to == state.MovedTo && state.MoveFollowed.IsZero():
		state.MovedSeen++
	default: // a new move, or the followed URL moved again: start over
		state.MovedTo, state.MovedSince, state.MovedSeen = to, now, 1
		state.MoveFollowed = time.Time{}
	}
	if state.MovedSeen >= moveConfirmPolls && now.Sub(state.MovedSince) >= moveConfirmAge {
		state.MoveFollowed = now
		in.opts.Logger.Warn("feed moved permanently; polling the new URL, please update feeds.yaml",
			"feed", src.ID, "url", src.URL, "moved_to", to, "suggest", "url: "+to,
			"seen", state.MovedSeen, "since", state.MovedSince)
	}
}

func (in *Ingester) profile(ctx context.Context, feedID string) (*clean.Profile, error) {
	p := clean.NewProfile()
	blob, err := in.opts.Store.Meta(ctx, feedID, ProfileMeta)
	if err != nil {
		return nil, fmt.Errorf("load clean profile of %s: %w", feedID, internal(err))
	}
	if len(bytes.TrimSpace(blob)) > 0 {
		if err := p.UnmarshalJSON(blob); err != nil {
			// A profile is a cache of what was learned: start afresh.
			in.opts.Logger.Warn("clean profile unreadable, relearning", "feed", feedID, "error", err)
			return clean.NewProfile(), nil
		}
	}
	return p, nil
}

// store saves a successful poll: the state (planned from the document's
// hints, the response's freshness and the feed's posting rate), entries
// and meta, in one transaction. status overrides the computed status
// unless "".
func (in *Ingester) store(ctx context.Context, src feeds.Source, state feeds.FeedState, now time.Time, entries []feeds.Entry, meta map[string][]byte, feed feeds.Feed, fresh time.Time, status Status) Outcome {
	state.LastSuccess = now
	state.LastError, state.ErrorKind = "", ""
	state.ErrorSince = time.Time{}
	state.ConsecutiveErrors = 0
	state.RetryAfter, state.Gone = time.Time{}, time.Time{}
	d := schedule.Plan(in.planInput(src, state, now, schedule.FailNone, fresh))
	state.NextCheck, state.NextReason = d.Next, d.Reason
	res, err := in.opts.Store.Save(ctx, storage.Batch{State: state, Entries: entries, Meta: meta, Priority: src.Priority, NoDedupe: src.NoDedupe})
	if err != nil {
		state.NextCheck, state.NextReason = now.Add(in.interval(src)), string(schedule.FailInternal)
		return Outcome{Status: StatusError, Failure: schedule.FailInternal, State: state, Err: fmt.Errorf("store %s: %w", state.FeedID, err)}
	}
	out := Outcome{New: res.New, Updated: res.Updated, Entries: len(entries), State: state, Feed: feed,
		Merged: res.Merged, Tombstoned: res.Tombstoned, Recleaned: res.Recleaned}
	switch {
	case status != "":
		out.Status = status
	case res.New > 0:
		out.Status = StatusNew
	case res.Updated > 0:
		out.Status = StatusUpdated
	default:
		out.Status = StatusUnchanged
	}
	return out
}

// planInput gathers what schedule.Plan decides from.
func (in *Ingester) planInput(src feeds.Source, state feeds.FeedState, now time.Time, f schedule.Failure, fresh time.Time) schedule.PlanInput {
	return schedule.PlanInput{
		Now:               now,
		Interval:          in.interval(src),
		Pinned:            src.Interval > 0,
		Adaptive:          !in.opts.FixedInterval,
		RecentPosts:       state.RecentPosts,
		Hints:             state.Hints,
		FreshUntil:        fresh,
		Failure:           f,
		ConsecutiveErrors: state.ConsecutiveErrors,
		ErrorSince:        state.ErrorSince,
		MaxRetryAfter:     in.opts.MaxRetryAfter,
		BackoffCap:        in.opts.BackoffCap,
		Jitter:            in.opts.Jitter(),
	}
}

// fail records err in the feed state and plans the retry; stored entries
// are left alone. Failures that are not the feed's fault (our network, our
// own bugs) do not grow its backoff.
func (in *Ingester) fail(ctx context.Context, src feeds.Source, state feeds.FeedState, err error) Outcome {
	f := classify(ctx, err)
	var se *fetch.StatusError
	if errors.As(err, &se) {
		state.LastStatus = se.Code
	}
	switch {
	case ctx.Err() != nil, f == schedule.FailInternal:
	case isNetwork(err):
		if in.health.record(hostOf(src), true, state.LastAttempt) {
			f = schedule.FailOffline
		}
	default: // the server answered: our network works
		in.health.record(hostOf(src), false, state.LastAttempt)
	}
	state.LastError, state.ErrorKind = err.Error(), string(f)
	if f != schedule.FailOffline && f != schedule.FailInternal {
		if state.ConsecutiveErrors == 0 {
			state.ErrorSince = state.LastAttempt
		}
		state.ConsecutiveErrors++
	}
	pi := in.planInput(src, state, state.LastAttempt, f, time.Time{})
	if se != nil {
		pi.RetryAfter = se.RetryAfter
	}
	d := schedule.Plan(pi)
	state.NextCheck, state.NextReason, state.RetryAfter = d.Next, d.Reason, d.RetryAfter
	if d.Gone && state.Gone.IsZero() {
		state.Gone = state.LastAttempt
		in.opts.Logger.Warn("feed gone; polling stopped except a probe at the backoff cap; remove it from feeds.yaml or fix its url",
			"feed", src.ID, "url", src.Location(), "status", state.LastStatus, "since", state.ErrorSince, "error", err)
	}
	if !d.Gone {
		state.Gone = time.Time{}
	}
	if _, serr := in.opts.Store.Save(ctx, storage.Batch{State: state}); serr != nil {
		err = errors.Join(err, fmt.Errorf("store state of %s: %w", state.FeedID, serr))
	}
	return Outcome{Status: StatusError, Failure: f, Err: err, State: state}
}

func (in *Ingester) log(out Outcome) {
	attrs := []any{"feed", out.Source.ID, "status", string(out.Status),
		"new", out.New, "updated", out.Updated, "duration", out.Duration.Round(time.Millisecond)}
	if out.Err != nil {
		in.opts.Logger.Warn("poll failed", append(attrs, "error", out.Err)...)
		return
	}
	in.opts.Logger.Info("polled", attrs...)
}

// interval is the source's own poll interval, else the default.
func (in *Ingester) interval(src feeds.Source) time.Duration {
	if src.Interval > 0 {
		return src.Interval
	}
	return in.opts.Interval
}

// recentPostsMax is how many publication times a FeedState keeps.
const recentPostsMax = 20

// recentPosts returns the newest publication times of entries, newest
// first, at most recentPostsMax; undated entries are ignored.
func recentPosts(entries []feeds.Entry) []time.Time {
	var ts []time.Time
	for _, e := range entries {
		t := e.Published
		if t.IsZero() {
			t = e.Updated
		}
		if !t.IsZero() {
			ts = append(ts, t.UTC())
		}
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return b.Compare(a) })
	return ts[:min(len(ts), recentPostsMax)]
}
