package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/filter"
	"github.com/tidyfeed/tidyfeed/feeds/publish"
)

// ruleSet compiles one level's include and exclude rules.
func ruleSet(f config.Filters) (*filter.Set, error) {
	var r filter.Rules
	for _, x := range f.Include {
		r.Include = append(r.Include, filter.Rule{Field: filter.Field(x.Field), Pattern: x.Pattern})
	}
	for _, x := range f.Exclude {
		r.Exclude = append(r.Exclude, filter.Rule{Field: filter.Field(x.Field), Pattern: x.Pattern})
	}
	return filter.Compile(r)
}

// backlog translates the config's backlog (nil: unset, 0: no cap) into
// filter's (0: default, negative: no cap).
func backlog(b *int) int {
	switch {
	case b == nil:
		return 0
	case *b == 0:
		return -1
	}
	return *b
}

// newFilter builds the ingest-time filter from the global and per-feed
// filters of cfg.
func newFilter(cfg *config.Config) (*filter.Filter, error) {
	global, err := ruleSet(cfg.Filters)
	if err != nil {
		return nil, fmt.Errorf("filters: %w", err)
	}
	opts := filter.Options{
		Rules:   global,
		MaxAge:  cfg.Filters.MaxAge,
		Future:  filter.Policy(cfg.Filters.Future),
		Backlog: backlog(cfg.Filters.Backlog),
		Feeds:   make(map[string]filter.FeedOptions),
	}
	if opts.Backlog == 0 {
		opts.Backlog = config.DefaultBacklog
	}
	for _, f := range cfg.Feeds {
		set, err := ruleSet(f.Filters)
		if err != nil {
			return nil, fmt.Errorf("filters of feed at line %d: %w", f.Line, err)
		}
		opts.Feeds[f.Source().ID] = filter.FeedOptions{Rules: set, MaxAge: f.Filters.MaxAge,
			Future: filter.Policy(f.Filters.Future), Backlog: backlog(f.Filters.Backlog)}
	}
	return filter.New(opts), nil
}

// filterOf is newFilter for newIngester: the config already checked every
// pattern, so an error here is logged and filtering is skipped.
func filterOf(cfg *config.Config, logger *slog.Logger) func(feeds.Source, *feeds.FeedState, []feeds.Entry) []feeds.Entry {
	f, err := newFilter(cfg)
	if err != nil {
		logger.Error("filters disabled", "error", err)
		return nil
	}
	return f.Apply
}

// addOutputs completes the publisher's options with cfg's outputs, tags,
// hub, static folder and archive period.
func addOutputs(cfg *config.Config, opts *publish.Options) error {
	tags := make(map[string][]string, len(cfg.Feeds))
	for _, f := range cfg.Feeds {
		tags[f.Source().ID] = f.Tags
	}
	for i := range opts.Sources {
		opts.Sources[i].Tags = tags[opts.Sources[i].ID]
	}
	opts.Hub, opts.Dir = cfg.Output.Hub, cfg.Output.Dir
	opts.ArchivePeriod = cmpDuration(cfg.Output.Archive, config.DefaultArchive)
	for _, o := range cfg.Outputs {
		set, err := ruleSet(o.Filters)
		if err != nil {
			return fmt.Errorf("filters of output %q: %w", o.Name, err)
		}
		po := publish.Output{Name: o.Name, Title: o.Title, MaxItems: o.MaxItems, Filter: set, Feeds: []string{}}
		for _, f := range cfg.Feeds {
			if o.Selects(f) {
				po.Feeds = append(po.Feeds, f.Source().ID)
			}
		}
		opts.Outputs = append(opts.Outputs, po)
	}
	return nil
}

func cmpDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// outputsHandler sends the publisher's paths (every output, archive page,
// HTML page, stylesheet and /sources.opml) to the publisher and every
// other path to next, or 404 when next is nil.
func (d *daemon) outputsHandler(pub, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.publisher.Handles(r.URL.Path) || next == nil {
			pub.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestSync asks syncLoop to write the static folder and ping the hub
// for a change; requests made while it works or waits are one request.
func (d *daemon) requestSync() {
	select {
	case d.syncReq <- struct{}{}:
	default:
	}
}

// syncLoop hands the publisher the feed titles polls learned
// (applyLearned), renders again the documents readers are reading
// (publish.Refresh) and runs syncOutputs for each request, at most once
// per publish.MaxStale: a daemon that stores many polls a second renders
// its outputs and pings its hub about once a second, not once per poll
// (every output is rendered afresh after a change: 15–23 ms per format at
// 200 items), and here rather than in a reader's request. It also syncs
// when an archive period closes, which changes the documents without a
// store change. It returns when ctx ends; run syncs what is left after the
// last polls.
func (d *daemon) syncLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.syncReq:
		case <-time.After(time.Until(d.publisher.PeriodEnds()) + time.Second):
			// A new archive page: the documents link it even if nothing
			// was stored, and the static copies and the hub should follow.
		}
		d.applyLearned()
		if err := d.publisher.Refresh(ctx); err != nil && ctx.Err() == nil {
			d.logger.Warn("render outputs", "error", err)
		}
		d.syncOutputs(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(publish.MaxStale):
		}
	}
}

// syncOutputs writes the static folder and pings the WebSub hub after a
// change; failures are logged, and retried by the next change.
func (d *daemon) syncOutputs(ctx context.Context) {
	res, err := d.publisher.Sync(ctx)
	if err != nil {
		d.logger.Warn("publish outputs", "error", err)
	}
	if len(res.Written)+len(res.Removed)+len(res.Pinged) > 0 {
		d.logger.Debug("outputs published", "written", len(res.Written), "removed", len(res.Removed), "pinged", len(res.Pinged))
	}
}

// droppedSummary lists a feed's held-back entries by reason, most first,
// e.g. "backlog 450, exclude:title 3"; "" when none.
func droppedSummary(st feeds.FeedState) string {
	reasons := slices.Collect(maps.Keys(st.Dropped))
	slices.SortFunc(reasons, func(a, b string) int {
		if c := st.Dropped[b] - st.Dropped[a]; c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, r := range reasons {
		parts = append(parts, fmt.Sprintf("%s %d", r, st.Dropped[r]))
	}
	return strings.Join(parts, ", ")
}
