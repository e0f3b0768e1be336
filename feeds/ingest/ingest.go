// Package ingest runs one source through the pipeline: fetch (or read the
// local file), parse, clean, dedupe, store. It alone knows the order of the
// stages. Ingest returns an Outcome that the scheduler plans the next poll
// from and that commands print.
//
// Everything one poll learns (new and edited entries, the feed state with
// its validators, the cleaner's learned profile) is saved in a single store
// transaction, so a crash leaves all of it or none. A failed poll records
// the error in the feed state and never touches stored entries.
package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/dedupe"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
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
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives one line per poll; nil means slog.Default().
	Logger *slog.Logger
}

// Ingester runs sources through the pipeline. It is safe for concurrent
// use by several goroutines, one source each.
type Ingester struct {
	opts Options
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
	return &Ingester{opts: opts}
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
}

// Ingest polls src once and stores what it finds. Errors are reported in
// the Outcome (and saved in the feed state), never panicked.
func (in *Ingester) Ingest(ctx context.Context, src feeds.Source) Outcome {
	start := in.opts.Now()
	out := in.ingest(ctx, src, start)
	out.Source = src
	out.Duration = in.opts.Now().Sub(start)
	in.log(out)
	return out
}

func (in *Ingester) ingest(ctx context.Context, src feeds.Source, now time.Time) Outcome {
	state, _, err := in.opts.Store.State(ctx, src.ID)
	if err != nil {
		return Outcome{Status: StatusError, Err: fmt.Errorf("load state of %s: %w", src.ID, err)}
	}
	state.FeedID = src.ID
	state.LastAttempt = now

	resp, err := in.read(ctx, src, state)
	if resp != nil {
		state.LastStatus = resp.Status
	}
	if err != nil {
		return in.fail(ctx, src, state, err)
	}
	noteRedirect(&state, resp, now)
	state.ETag, state.LastModified = resp.ETag, resp.LastModified
	if resp.NotModified {
		return in.succeed(ctx, src, state, now, StatusNotModified, nil, feeds.Feed{})
	}
	sum := sha256.Sum256(resp.Body)
	bodyHash := hex.EncodeToString(sum[:16])
	if bodyHash == state.BodyHash {
		return in.succeed(ctx, src, state, now, StatusNotModified, nil, feeds.Feed{})
	}

	feed, entries, err := in.opts.Parser.Parse(resp.Body, resp.URL)
	if err != nil {
		return in.fail(ctx, src, state, fmt.Errorf("parse %s: %w", src.Location(), err))
	}
	state.BodyHash = bodyHash
	state.Title, state.Link, state.Description = feed.Title, feed.Link, feed.Description

	profile, err := in.profile(ctx, src.ID)
	if err != nil {
		return in.fail(ctx, src, state, err)
	}
	profile.Learn(entries)
	rules := clean.Feed{Rules: src.Clean, Profile: profile}
	for i := range entries {
		entries[i].FeedID = src.ID
		in.opts.Cleaner.Clean(&entries[i], rules)
	}
	entries = dedupe.Identify(entries)

	blob, err := profile.MarshalJSON()
	if err != nil {
		return in.fail(ctx, src, state, fmt.Errorf("encode clean profile of %s: %w", src.ID, err))
	}
	return in.store(ctx, src, state, now, entries, map[string][]byte{ProfileMeta: blob}, feed)
}

// read fetches a URL source conditionally, or reads a local file.
func (in *Ingester) read(ctx context.Context, src feeds.Source, state feeds.FeedState) (*fetch.Response, error) {
	if src.Path != "" {
		resp, err := fetch.ReadFile(ctx, src.Path, in.opts.MaxFileBytes)
		if err != nil {
			return nil, err
		}
		resp.URL = (&url.URL{Scheme: "file", Path: src.Path}).String()
		return resp, nil
	}
	return in.opts.Fetcher.Fetch(ctx, fetch.Request{
		URL:          src.URL,
		ETag:         state.ETag,
		LastModified: state.LastModified,
	})
}

// noteRedirect records a permanent move, keeping the time it was first seen.
func noteRedirect(state *feeds.FeedState, resp *fetch.Response, now time.Time) {
	switch {
	case resp.PermanentRedirect == "":
		state.MovedTo, state.MovedSince = "", time.Time{}
	case resp.PermanentRedirect != state.MovedTo:
		state.MovedTo, state.MovedSince = resp.PermanentRedirect, now
	}
}

func (in *Ingester) profile(ctx context.Context, feedID string) (*clean.Profile, error) {
	p := clean.NewProfile()
	blob, err := in.opts.Store.Meta(ctx, feedID, ProfileMeta)
	if err != nil {
		return nil, fmt.Errorf("load clean profile of %s: %w", feedID, err)
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

func (in *Ingester) succeed(ctx context.Context, src feeds.Source, state feeds.FeedState, now time.Time, status Status, entries []feeds.Entry, feed feeds.Feed) Outcome {
	out := in.store(ctx, src, state, now, entries, nil, feed)
	if out.Err == nil && status == StatusNotModified {
		out.Status = status
	}
	return out
}

func (in *Ingester) store(ctx context.Context, src feeds.Source, state feeds.FeedState, now time.Time, entries []feeds.Entry, meta map[string][]byte, feed feeds.Feed) Outcome {
	state.LastSuccess = now
	state.LastError = ""
	state.ErrorSince = time.Time{}
	state.ConsecutiveErrors = 0
	state.NextCheck, state.NextReason = now.Add(in.interval(src)), "interval"
	res, err := in.opts.Store.Save(ctx, storage.Batch{State: state, Entries: entries, Meta: meta})
	if err != nil {
		return Outcome{Status: StatusError, State: state, Err: fmt.Errorf("store %s: %w", state.FeedID, err)}
	}
	out := Outcome{New: res.New, Updated: res.Updated, Entries: len(entries), State: state, Feed: feed}
	switch {
	case res.New > 0:
		out.Status = StatusNew
	case res.Updated > 0:
		out.Status = StatusUpdated
	default:
		out.Status = StatusUnchanged
	}
	return out
}

// fail records err in the feed state; stored entries are left alone.
func (in *Ingester) fail(ctx context.Context, src feeds.Source, state feeds.FeedState, err error) Outcome {
	state.LastError = err.Error()
	if state.ConsecutiveErrors == 0 {
		state.ErrorSince = state.LastAttempt
	}
	state.ConsecutiveErrors++
	state.NextCheck, state.NextReason = state.LastAttempt.Add(backoff(in.interval(src), state.ConsecutiveErrors)), "backoff"
	if _, serr := in.opts.Store.Save(ctx, storage.Batch{State: state}); serr != nil {
		err = errors.Join(err, fmt.Errorf("store state of %s: %w", state.FeedID, serr))
	}
	return Outcome{Status: StatusError, Err: err, State: state}
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

// backoff doubles the wait after each consecutive error, from the feed's
// interval up to a day (or the interval, if longer), and keeps retrying at
// that cap: a failing feed is never dropped.
func backoff(interval time.Duration, consecutiveErrors int) time.Duration {
	limit := max(24*time.Hour, interval)
	d := interval
	for i := 1; i < consecutiveErrors && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
