package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/publish"
	"github.com/tidyfeed/tidyfeed/storage"
)

// TestLearnSource checks what a storing poll changes in the publisher's
// sources once applied: an unnamed feed takes its own title, any feed its
// site link, a feed named in feeds.yaml keeps that name, and no options
// are set when nothing changed or the feed has left the config.
func TestLearnSource(t *testing.T) {
	store := openStore(t)
	unnamed := feeds.Source{ID: "https://a.example/feed", URL: "https://a.example/feed"}
	named := feeds.Source{ID: "https://b.example/feed", URL: "https://b.example/feed", Name: "B's notes"}
	opts := publish.Options{Sources: []publish.SourceInfo{
		sourceInfo(unnamed, feeds.FeedState{Title: "A Blog", Link: "https://a.example/"}),
		sourceInfo(named, feeds.FeedState{Title: "B", Link: "https://b.example/"}),
	}}
	d := &daemon{
		publisher: publish.New(store, opts),
		sources:   map[string]feeds.Source{unnamed.ID: unnamed, named.ID: named},
	}
	d.setPubOpts(opts)
	steps := []struct {
		name    string
		id      string
		st      feeds.FeedState
		a, b    publish.SourceInfo // the sources afterwards (Name and SiteURL)
		rebuilt bool
	}{
		{"nothing new", unnamed.ID, feeds.FeedState{Title: "A Blog", Link: "https://a.example/"},
			publish.SourceInfo{Name: "A Blog", SiteURL: "https://a.example/"}, publish.SourceInfo{Name: "B's notes", SiteURL: "https://b.example/"}, false},
		{"new title names an unnamed feed", unnamed.ID, feeds.FeedState{Title: "A Better Blog", Link: "https://a.example/"},
			publish.SourceInfo{Name: "A Better Blog", SiteURL: "https://a.example/"}, publish.SourceInfo{Name: "B's notes", SiteURL: "https://b.example/"}, true},
		{"a named feed's title does not show", named.ID, feeds.FeedState{Title: "B2", Link: "https://b.example/"},
			publish.SourceInfo{Name: "A Better Blog", SiteURL: "https://a.example/"}, publish.SourceInfo{Name: "B's notes", SiteURL: "https://b.example/"}, false},
		{"a named feed's site link does", named.ID, feeds.FeedState{Title: "B2", Link: "https://b.example/home"},
			publish.SourceInfo{Name: "A Better Blog", SiteURL: "https://a.example/"}, publish.SourceInfo{Name: "B's notes", SiteURL: "https://b.example/home"}, true},
		{"a feed no longer configured", "https://c.example/feed", feeds.FeedState{Title: "C"},
			publish.SourceInfo{Name: "A Better Blog", SiteURL: "https://a.example/"}, publish.SourceInfo{Name: "B's notes", SiteURL: "https://b.example/home"}, false},
	}
	for _, s := range steps {
		before := d.pubOpts.Sources
		kept := slices.Clone(before)
		d.learnSource(s.id, s.st)
		d.applyLearned()
		got := d.pubOpts.Sources
		if len(got) != 2 || got[0].Name != s.a.Name || got[0].SiteURL != s.a.SiteURL || got[1].Name != s.b.Name || got[1].SiteURL != s.b.SiteURL {
			t.Errorf("%s: sources %+v, want names and links %+v, %+v", s.name, got, s.a, s.b)
		}
		if rebuilt := &got[0] != &before[0]; rebuilt != s.rebuilt {
			t.Errorf("%s: new options set = %v, want %v", s.name, rebuilt, s.rebuilt)
		}
		if !slices.EqualFunc(before, kept, func(x, y publish.SourceInfo) bool { return x.Name == y.Name && x.SiteURL == y.SiteURL }) {
			t.Errorf("%s: the options the publisher had were changed in place", s.name)
		}
	}
}

// TestSyncLoopCoalesces stores an entry and requests a sync every 20 ms
// for 2 s: the hub is pinged about once a second, not a hundred times,
// and the last change is announced.
func TestSyncLoopCoalesces(t *testing.T) {
	store := openStore(t)
	hub := &hubRecorder{topics: map[string]int{}}
	hubSrv := httptest.NewServer(hub)
	t.Cleanup(hubSrv.Close)
	const feed = "https://a.example/feed"
	opts := publish.Options{Title: "All", Link: "https://tidyfeed.example/", Hub: hubSrv.URL,
		Sources: []publish.SourceInfo{{ID: feed, Name: "A"}}}
	d := &daemon{publisher: publish.New(store, opts), syncReq: make(chan struct{}, 1), logger: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { d.syncLoop(ctx); close(done) }()

	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const changes = 100
	for i := range changes {
		e := feeds.Entry{Key: fmt.Sprint("k", i), Hash: fmt.Sprint("h", i), Title: fmt.Sprint("Story ", i),
			Link: fmt.Sprintf("https://a.example/%d", i), Content: "<p>text</p>", Published: base.Add(time.Duration(i) * time.Minute)}
		if _, err := store.Save(t.Context(), storage.Batch{State: feeds.FeedState{FeedID: feed}, Entries: []feeds.Entry{e}}); err != nil {
			t.Fatal(err)
		}
		d.requestSync()
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(publish.MaxStale + 500*time.Millisecond) // the last request's turn
	cancel()
	<-done

	topic := "https://tidyfeed.example/feed.atom"
	if n := hub.count(topic); n < 2 || n > 5 {
		t.Errorf("the hub was pinged %d times for %s over %d changes in about 2 s; want about one a second", n, topic, changes)
	}
	res, err := d.publisher.Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pinged) != 0 {
		t.Errorf("a sync after the loop still pinged %v: the last change was not announced", res.Pinged)
	}
}

// TestLearnSourceBatches: titles learned by many polls reach the publisher
// in one SetOptions, and a title learned and then reverted before it was
// applied sets nothing.
func TestLearnSourceBatches(t *testing.T) {
	store := openStore(t)
	d := &daemon{sources: map[string]feeds.Source{}}
	var opts publish.Options
	for i := range 50 {
		src := feeds.Source{ID: fmt.Sprintf("https://h%d.example/feed", i), URL: fmt.Sprintf("https://h%d.example/feed", i)}
		d.sources[src.ID] = src
		opts.Sources = append(opts.Sources, sourceInfo(src, feeds.FeedState{}))
	}
	d.publisher = publish.New(store, opts)
	d.setPubOpts(opts)
	for i := range 50 {
		d.learnSource(fmt.Sprintf("https://h%d.example/feed", i), feeds.FeedState{Title: fmt.Sprint("Feed ", i)})
	}
	d.learnSource("https://h7.example/feed", feeds.FeedState{}) // back to no title before it was applied
	before := d.pubOpts.Sources
	d.applyLearned()
	got := d.pubOpts.Sources
	if &got[0] == &before[0] {
		t.Fatal("no options were set")
	}
	for i, s := range got {
		want := fmt.Sprint("Feed ", i)
		if i == 7 {
			want = "https://h7.example/feed"
		}
		if s.Name != want {
			t.Errorf("source %d named %q, want %q", i, s.Name, want)
		}
	}
	applied := d.pubOpts.Sources
	d.applyLearned()
	if &d.pubOpts.Sources[0] != &applied[0] {
		t.Error("a second applyLearned with nothing new set options again")
	}
}

// openStore opens a new store in a temporary folder, closed at cleanup.
func openStore(t *testing.T) *storage.Store {
	t.Helper()
	store, err := storage.Open(filepath.Join(t.TempDir(), "tidyfeed.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// TestReloadWarnsOfRestartSettings: a reload that changes settings only a
// restart applies says so in the log, naming them; one that changes
// nothing of the kind says nothing.
func TestReloadWarnsOfRestartSettings(t *testing.T) {
	store := openStore(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	d := &daemon{store: store, cleaner: clean.New(clean.Options{}), logger: logger, metrics: newMetrics(store, logger),
		syncReq: make(chan struct{}, 1)}
	path := filepath.Join(t.TempDir(), "feeds.yaml")
	apply := func(polling string) {
		t.Helper()
		cfg, err := config.Parse(path, []byte(polling+"feeds:\n  - url: https://a.example/feed\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.apply(t.Context(), cfg); err != nil {
			t.Fatal(err)
		}
	}
	apply("polling: {concurrency: 4}\n")
	apply("polling: {concurrency: 4}\ninterval: 1h\n")
	if strings.Contains(logs.String(), "next restart") {
		t.Errorf("a reload changing only the interval warned:\n%s", logs.String())
	}
	for _, polling := range []string{"polling: {concurrency: 8}\n", "polling: {concurrency: 8, per_host: 2}\n", "polling: {concurrency: 8, per_host: 2, host_spacing: 10s}\n"} {
		logs.Reset()
		apply(polling)
		if !strings.Contains(logs.String(), "polling concurrency, per_host and host_spacing take effect at the next restart") {
			t.Errorf("reload to %q did not warn:\n%s", polling, logs.String())
		}
	}
}

// TestDueTimesHonourShorterInterval: at start, a stored next check that
// waited only for the feed's pace comes no later than the feed's configured
// interval from now (it may have been shortened while the daemon was
// stopped); one a server asked for is kept.
func TestDueTimesHonourShorterInterval(t *testing.T) {
	store := openStore(t)
	week := time.Now().Add(7 * 24 * time.Hour)
	for _, st := range []feeds.FeedState{
		{FeedID: "https://a.example/feed", NextCheck: week, NextReason: "adaptive"},
		{FeedID: "https://b.example/feed", NextCheck: week, NextReason: "retry-after"},
		{FeedID: "https://c.example/feed", NextCheck: week, NextReason: "interval"},
	} {
		if _, err := store.Save(t.Context(), storage.Batch{State: st}); err != nil {
			t.Fatal(err)
		}
	}
	srcs := map[string]feeds.Source{}
	for _, id := range []string{"https://a.example/feed", "https://b.example/feed"} {
		srcs[id] = feeds.Source{ID: id, URL: id, Interval: 5 * time.Minute}
	}
	srcs["https://c.example/feed"] = feeds.Source{ID: "https://c.example/feed", URL: "https://c.example/feed"} // no interval of its own
	d := &daemon{store: store}
	due, err := d.dueTimes(t.Context(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	soon := time.Now().Add(5 * time.Minute)
	if !due["https://a.example/feed"].Before(soon.Add(time.Second)) {
		t.Errorf("adaptive check due %v, want within the 5m interval", due["https://a.example/feed"])
	}
	for _, id := range []string{"https://b.example/feed", "https://c.example/feed"} {
		if !due[id].Equal(week) {
			t.Errorf("%s due %v, want its stored %v kept", id, due[id], week)
		}
	}
}

// TestReloadKeepsFetcher: a reload that leaves the fetch settings alone
// keeps the fetcher, and with it the keep-alive connections to the feeds'
// hosts (a new one per reload left the old one's connections idle until
// they timed out: 1,200 goroutines after 100 reloads); new settings get
// a new fetcher.
func TestReloadKeepsFetcher(t *testing.T) {
	store := openStore(t)
	logger := slog.New(slog.DiscardHandler)
	d := &daemon{store: store, cleaner: clean.New(clean.Options{}), logger: logger, metrics: newMetrics(store, logger),
		syncReq: make(chan struct{}, 1)}
	path := filepath.Join(t.TempDir(), "feeds.yaml")
	apply := func(yaml string) {
		t.Helper()
		cfg, err := config.Parse(path, []byte(yaml+"feeds:\n  - url: https://a.example/feed\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.apply(t.Context(), cfg); err != nil {
			t.Fatal(err)
		}
	}
	apply("fetch: {timeout: 20s}\n")
	first := d.fetcher
	apply("fetch: {timeout: 20s}\ninterval: 1h\n")
	if d.fetcher != first {
		t.Error("a reload that kept the fetch settings built a new fetcher")
	}
	apply("fetch: {timeout: 30s}\n")
	if d.fetcher == first || d.fetcher == nil {
		t.Error("new fetch settings kept the old fetcher")
	}
}
