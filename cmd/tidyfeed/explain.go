package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/canon"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/dedupe"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/storage"
)

func cmdExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlags("explain", "explain [-config FILE] <feed name | entry link>", stderr)
	if err := parseOneArg(fs, args, "feed name or entry link"); err != nil {
		return err
	}
	cfg, store, err := openOffline(*configPath, true)
	if err != nil {
		return err
	}
	defer store.Close()

	e, src, err := findEntry(ctx, cfg, store, fs.Arg(0))
	if err != nil {
		return err
	}
	profile, err := loadProfile(ctx, store, src.ID)
	if err != nil {
		return err
	}
	ex := clean.New(clean.Options{}).Explain(e, clean.Feed{Rules: src.Clean, Profile: profile})
	fmt.Fprintf(stdout, "Entry:  %s\nFeed:   %s\nLink:   %s\n\n", ex.Title, sourceName(src, cfg), e.Link)
	fmt.Fprintf(stdout, "== Before (as received) ==\n%s\n\n", strings.TrimSpace(ex.Before))
	fmt.Fprintf(stdout, "== After (as published) ==\n%s\n\n", strings.TrimSpace(ex.After))
	fmt.Fprintf(stdout, "== Summary ==\n%s\n\n", ex.Summary)
	fmt.Fprintf(stdout, "== Removed (%d) ==\n", len(ex.Report.Removed))
	if len(ex.Report.Removed) == 0 {
		fmt.Fprintln(stdout, "nothing")
	} else {
		fmt.Fprintln(stdout, ex.Report.String())
	}
	return nil
}

// openOffline loads the config and opens its store for a command that
// needs the database itself. While the daemon runs it holds the lock; say
// so plainly.
func openOffline(configPath string, readOnly bool) (*config.Config, *storage.Store, error) {
	cfg, err := config.Load(configPath)
	if err != nil {
		return nil, nil, err
	}
	store, err := storage.Open(cfg.Data, storage.Options{ReadOnly: readOnly})
	if errors.Is(err, storage.ErrLocked) {
		return nil, nil, fmt.Errorf("%s is in use by a running tidyfeed; stop it first (systemctl stop tidyfeed) and try again", cfg.Data)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open store %s: %w", cfg.Data, err)
	}
	return cfg, store, nil
}

// findEntry looks the query up as an entry link first (compared by
// canonical key), then as a feed name, whose newest entry it returns.
func findEntry(ctx context.Context, cfg *config.Config, store *storage.Store, query string) (feeds.Entry, feeds.Source, error) {
	srcs := cfg.Sources()
	byID := make(map[string]feeds.Source, len(srcs))
	var ids []string
	for _, s := range srcs {
		byID[s.ID] = s
		ids = append(ids, s.ID)
	}
	// One walk, newest first, without holding the store: a link match
	// ends it; the first entry of a feed so named is kept in case none does.
	key := canon.Key(query)
	var byLink, byName *feeds.Entry
	errFound := errors.New("found")
	err := store.Walk(ctx, ids, func(e feeds.Entry) error {
		if e.Link != "" && (canon.Key(e.Link) == key || canon.Key(e.Raw.Link) == key) {
			byLink = &e
			return errFound
		}
		if byName == nil && (strings.EqualFold(sourceName(byID[e.FeedID], cfg), query) || e.FeedID == query) {
			byName = &e
		}
		return nil
	})
	if err != nil && err != errFound {
		return feeds.Entry{}, feeds.Source{}, fmt.Errorf("read entries: %w", err)
	}
	for _, e := range []*feeds.Entry{byLink, byName} {
		if e != nil {
			return *e, byID[e.FeedID], nil
		}
	}
	return feeds.Entry{}, feeds.Source{}, fmt.Errorf("no stored entry has the link %q and no configured feed with entries is named so", query)
}

// sourceName is the name a user knows a feed by.
func sourceName(src feeds.Source, cfg *config.Config) string {
	if src.Name != "" {
		return src.Name
	}
	return displayLocation(src)
}

func loadProfile(ctx context.Context, store *storage.Store, feedID string) (*clean.Profile, error) {
	p := clean.NewProfile()
	blob, err := store.Meta(ctx, feedID, ingest.ProfileMeta)
	if err != nil {
		return nil, fmt.Errorf("load clean profile of %s: %w", feedID, err)
	}
	if len(blob) > 0 {
		if err := p.UnmarshalJSON(blob); err != nil {
			return clean.NewProfile(), nil // a profile is a cache of what was learned
		}
	}
	return p, nil
}

func cmdReclean(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlags("reclean", "reclean [-config FILE]", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, store, err := openOffline(*configPath, false)
	if err != nil {
		return err
	}
	defer store.Close()

	cleaner := clean.New(clean.Options{})
	var seen, changed int
	srcs := cfg.Sources()
	prog := newProgress(stderr, "recleaning", len(srcs))
	defer prog.finish()
	for _, src := range srcs {
		prog.step(displayLocation(src))
		profile, err := loadProfile(ctx, store, src.ID)
		if err != nil {
			return err
		}
		rules := clean.Feed{Rules: src.Clean, Profile: profile}
		var batch []feeds.Entry
		err = store.ForEach(ctx, src.ID, func(e feeds.Entry) error {
			seen++
			before := e.Hash
			cleaner.Clean(&e, rules)
			if e.Hash = dedupe.Hash(&e); e.Hash != before {
				batch = append(batch, e)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read entries of %s: %w", src.ID, err)
		}
		if err := store.Replace(ctx, batch); err != nil {
			return fmt.Errorf("store recleaned entries of %s: %w", src.ID, err)
		}
		changed += len(batch)
	}
	fmt.Fprintf(stdout, "reclean: %d entries, %d changed\n", seen, changed)
	return nil
}
