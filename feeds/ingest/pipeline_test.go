package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
	"github.com/tidyfeed/tidyfeed/storage"
)

// pipeline drives the real parse, clean, dedupe and storage stages over a
// local feed file, with a clock that a poll moves forward by an hour.
type pipeline struct {
	t     *testing.T
	path  string
	src   feeds.Source
	store *storage.Store
	in    *ingest.Ingester
	now   time.Time
}

// newPipeline returns a pipeline for a feed file called name in a fresh
// directory, filtered by filt (nil keeps every entry). Its clock starts at
// 2026-03-10 12:00 UTC; filters that need it read p.now.
func newPipeline(t *testing.T, name string, filt func(feeds.Source, *feeds.FeedState, []feeds.Entry) []feeds.Entry) *pipeline {
	t.Helper()
	dir := t.TempDir()
	p := &pipeline{t: t, path: filepath.Join(dir, name), now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return p.now }
	st, err := storage.Open(filepath.Join(dir, "db"), storage.Options{Now: clock, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p.store = st
	p.src = feeds.Source{ID: "file:" + p.path, Path: p.path}
	p.in = ingest.New(ingest.Options{
		Fetcher: fetch.New(fetch.Options{}),
		Parser:  parse.New(parse.Options{}),
		Cleaner: clean.New(clean.Options{}),
		Store:   st,
		Logger:  discardLogger(),
		Filter:  filt,
		Now:     clock,
	})
	return p
}

// poll writes doc to the feed file, ingests it, fails the test on an
// error, and moves the clock an hour on.
func (p *pipeline) poll(doc string) ingest.Outcome {
	p.t.Helper()
	if err := os.WriteFile(p.path, []byte(doc), 0o644); err != nil {
		p.t.Fatal(err)
	}
	out := p.in.Ingest(context.Background(), p.src)
	if out.Err != nil {
		p.t.Fatal(out.Err)
	}
	p.now = p.now.Add(time.Hour)
	return out
}

// stored returns the feed's stored entries ordered by link.
func (p *pipeline) stored() []feeds.Entry {
	p.t.Helper()
	var es []feeds.Entry
	err := p.store.ForEach(context.Background(), p.src.ID, func(e feeds.Entry) error {
		es = append(es, e)
		return nil
	})
	if err != nil {
		p.t.Fatal(err)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Link < es[j].Link })
	return es
}

// item is one RSS item of rssItems; empty fields are left out (except the
// description, which defaults to "Body of <title>").
type item struct{ guid, link, title, date, body string }

// rssItems returns an RSS 2.0 document with items in the given order.
func rssItems(items []item) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://site.test/</link><description>d</description>`)
	for _, it := range items {
		b.WriteString("<item>")
		if it.title != "" {
			fmt.Fprintf(&b, "<title>%s</title>", it.title)
		}
		if it.link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", it.link)
		}
		if it.guid != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, it.guid)
		}
		if it.date != "" {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", it.date)
		}
		body := it.body
		if body == "" {
			body = "Body of " + it.title
		}
		fmt.Fprintf(&b, "<description>%s</description>", body)
		b.WriteString("</item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}
