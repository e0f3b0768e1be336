package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
	"github.com/tidyfeed/tidyfeed/feeds/publish"
	"github.com/tidyfeed/tidyfeed/storage"
)

// newLogger builds the process's logger from the config's log section.
func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(c.Format, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// fetchOptions translates the config's fetch section.
func fetchOptions(cfg *config.Config, logger *slog.Logger) fetch.Options {
	return fetch.Options{
		UserAgent:    cfg.Fetch.UserAgent,
		Timeout:      cfg.Fetch.Timeout,
		MaxBodyBytes: cfg.Fetch.MaxBody,
		AllowPrivate: cfg.Fetch.AllowPrivateNetworks,
		Logger:       logger,
	}
}

// newIngester builds the pipeline for one config generation. The store,
// cleaner and fetcher outlive config reloads (the fetcher while the fetch
// settings stay); the rest is cheap to rebuild. observe, if not nil, sees
// every poll's outcome (the daemon's metrics).
func newIngester(cfg *config.Config, fetcher *fetch.Fetcher, store *storage.Store, cleaner *clean.Cleaner, logger *slog.Logger, observe func(ingest.Outcome)) *ingest.Ingester {
	return ingest.New(ingest.Options{
		Fetcher:       fetcher,
		Parser:        parse.New(parse.Options{}),
		Cleaner:       cleaner,
		Store:         store,
		Interval:      cfg.Interval,
		MaxFileBytes:  cfg.Fetch.MaxBody,
		FixedInterval: !cfg.Polling.Adaptive,
		MaxRetryAfter: cfg.Polling.MaxRetryAfter,
		BackoffCap:    cfg.Polling.BackoffCap,
		Logger:        logger.With("stage", "ingest"),
		Observe:       observe,
		Filter:        filterOf(cfg, logger),
	})
}

// publishOptions describes the output for one config generation. Source
// names fall back to the feed's own title, then to its location.
func publishOptions(ctx context.Context, cfg *config.Config, store *storage.Store) (publish.Options, error) {
	states, err := store.States(ctx)
	if err != nil {
		return publish.Options{}, fmt.Errorf("read feed states: %w", err)
	}
	byID := make(map[string]feeds.FeedState, len(states))
	for _, st := range states {
		byID[st.FeedID] = st
	}
	ver, _ := buildVersion()
	opts := publish.Options{
		Title:     cfg.Output.Title,
		Link:      cfg.Output.Link,
		MaxItems:  cfg.Output.MaxItems,
		Generator: "tidyfeed " + ver,
	}
	for _, src := range cfg.Sources() {
		opts.Sources = append(opts.Sources, sourceInfo(src, byID[src.ID]))
	}
	if err := addOutputs(cfg, &opts); err != nil {
		return publish.Options{}, err
	}
	return opts, nil
}

// sourceInfo is how the outputs name and link a source whose stored state
// is st: by its name in feeds.yaml, else the feed's own title, else its
// location; its site link is the one the feed gave.
func sourceInfo(src feeds.Source, st feeds.FeedState) publish.SourceInfo {
	info := publish.SourceInfo{ID: src.ID, Name: src.Name, FeedURL: src.URL, SiteURL: st.Link}
	if info.Name == "" {
		info.Name = st.Title
	}
	if info.Name == "" {
		info.Name = displayLocation(src)
	}
	return info
}

// displayLocation names a source without revealing local paths.
func displayLocation(src feeds.Source) string {
	if src.URL != "" {
		return src.URL
	}
	i := strings.LastIndexAny(src.Path, `/\`)
	return src.Path[i+1:]
}
