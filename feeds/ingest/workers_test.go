package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
)

// busyParser is a parse.Parser that counts the parses in progress and
// records the most it saw at once; each parse lasts hold.
type busyParser struct {
	p         *parse.Parser
	hold      time.Duration
	now, most atomic.Int32
}

func (b *busyParser) Parse(body []byte, base string) (feeds.Feed, []feeds.Entry, error) {
	n := b.now.Add(1)
	for m := b.most.Load(); n > m && !b.most.CompareAndSwap(m, n); m = b.most.Load() {
	}
	time.Sleep(b.hold)
	defer b.now.Add(-1)
	return b.p.Parse(body, base)
}

// busyIngester is an Ingester of local files whose parses each last hold,
// with the given worker bound.
func busyIngester(hold time.Duration, workers int) (*ingest.Ingester, *busyParser) {
	parser := &busyParser{p: parse.New(parse.Options{}), hold: hold}
	return ingest.New(ingest.Options{
		Fetcher: fetch.New(fetch.Options{}),
		Parser:  parser,
		Cleaner: clean.New(clean.Options{}),
		Store:   newMemStore(),
		Logger:  discardLogger(),
		Workers: workers,
	}), parser
}

// feedFile writes an RSS document of n hourly items to dir/name.xml and
// returns it as a local source.
func feedFile(t *testing.T, dir, name string, n int) feeds.Source {
	t.Helper()
	path := filepath.Join(dir, name+".xml")
	doc := rss(name+".test", every(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Hour, n), "")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return feeds.Source{ID: path, Path: path}
}

// TestWorkersBoundParsing checks that Options.Workers bounds the polls
// that parse and clean at once, while every poll still completes.
func TestWorkersBoundParsing(t *testing.T) {
	dir := t.TempDir()
	var srcs []feeds.Source
	for i := range 8 {
		srcs = append(srcs, feedFile(t, dir, "workers"+strconv.Itoa(i), 3))
	}
	for _, workers := range []int{1, 3} {
		in, parser := busyIngester(20*time.Millisecond, workers)
		var wg sync.WaitGroup
		outs := make([]ingest.Outcome, len(srcs))
		for i, src := range srcs {
			wg.Go(func() { outs[i] = in.Ingest(context.Background(), src) })
		}
		wg.Wait()
		for _, out := range outs {
			if out.Err != nil || out.New != 3 {
				t.Errorf("workers %d: %s: new %d, err %v; want 3 new entries", workers, out.Source.Path, out.New, out.Err)
			}
		}
		if most := parser.most.Load(); most > int32(workers) {
			t.Errorf("workers %d: %d parses ran at once", workers, most)
		}
	}
}

// TestWorkersCancelled checks that a poll waiting for a worker gives up
// when its context ends, with the context's error, and stores nothing.
func TestWorkersCancelled(t *testing.T) {
	src := feedFile(t, t.TempDir(), "cancel", 2)
	path := src.Path
	in, parser := busyIngester(300*time.Millisecond, 1)
	first := make(chan ingest.Outcome)
	go func() { first <- in.Ingest(context.Background(), src) }()
	for parser.now.Load() == 0 { // the first poll holds the only worker
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	second := in.Ingest(ctx, feeds.Source{ID: path + "#2", Path: path})
	if second.Status != ingest.StatusError || second.Err == nil || ctx.Err() == nil {
		t.Errorf("waiting poll: status %s, err %v; want an error once its context ended", second.Status, second.Err)
	}
	if second.New != 0 {
		t.Errorf("waiting poll stored %d entries", second.New)
	}
	if out := <-first; out.Err != nil || out.New != 2 {
		t.Errorf("first poll: new %d, err %v; want 2 new", out.New, out.Err)
	}
}

// panicOnce is a Parser that panics on its first call, as a parser bug on
// hostile input would, and parses with parse.Parser after that.
type panicOnce struct {
	p     *parse.Parser
	calls atomic.Int32
}

func (pp *panicOnce) Parse(body []byte, base string) (feeds.Feed, []feeds.Entry, error) {
	if pp.calls.Add(1) == 1 {
		panic("parser bug on hostile input")
	}
	return pp.p.Parse(body, base)
}

// TestPanicReleasesWorker: a poll that panics in parsing (the scheduler
// recovers it) gives its worker slot back, so later polls still parse.
func TestPanicReleasesWorker(t *testing.T) {
	dir := t.TempDir()
	a, b := feedFile(t, dir, "a", 3), feedFile(t, dir, "b", 3)
	in := ingest.New(ingest.Options{
		Fetcher: fetch.New(fetch.Options{}),
		Parser:  &panicOnce{p: parse.New(parse.Options{})},
		Cleaner: clean.New(clean.Options{}),
		Store:   newMemStore(),
		Logger:  discardLogger(),
		Workers: 1,
	})
	func() {
		defer func() { recover() }() // as schedule.Scheduler does
		in.Ingest(t.Context(), a)
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if out := in.Ingest(ctx, b); out.Err != nil || out.New != 3 {
		t.Fatalf("poll after a recovered panic: %s, %d new, %v; want 3 new (the worker slot was lost)", out.Status, out.New, out.Err)
	}
}
