package storage

// Measured on the shared 2-core VM, 2026-11-25 (load 1-4 from other
// engineers; disk fsync ~1-2ms; numbers vary ±30% run to run, so the
// comparisons below come from interleaved runs of 5 rounds, medians).
// Entries ~5 KB (2 KB clean HTML + 2.5 KB raw + metadata), 30 per Save.
//
//	fresh db, 200 feeds × 30 new entries, per Save      wall    CPU    commits
//	  Store, 1 goroutine                                4.2ms   2.2ms  200   (35 MB/s of entry text)
//	  plain baseline (random keys, JSON), 1 goroutine   4.9ms   2.6ms  200
//	  Store, 4 goroutines, group commit (chosen)        2.7ms   1.7ms   82   (55 MB/s)
//	  Store, 4 goroutines, bbolt DB.Batch               5.5ms   1.8ms   52
//	  Store, 4 goroutines, one Update each              5.1ms   2.6ms  200
//	  plain baseline, 4 goroutines                      4.7ms   2.7ms  200
//	db pre-filled with 309 MB of entries (file: Store 369 MB, plain 532 MB)
//	  first poll of a feed, 30 entries over 30 days     8.3ms (plain 9.4ms)
//	  3 new recent entries                              2.7ms (plain 3.0ms)
//	  NoFreelistSync: 8.5ms / 2.5ms, but reopening takes 519ms instead of 3ms: not used
//	re-poll of one feed in a 6000-entry db (BenchmarkRepoll)
//	  nothing changed (no commit)                       36µs
//	  only FeedState changed (one small commit)         1.0ms
//	  3 new + 27 unchanged                              2.9ms
//	Recent(limit 50): all feeds 0.66ms, 3 feeds 0.74ms
//	record of an entry with 4.9 KB of text: binary 5.0 KB, encode 0.3µs,
//	  decode 12µs; encoding/json 6.7 KB, encode 20µs, decode 77µs
//
// A commit costs two fdatasyncs whatever its size, so wall time follows the
// number of commits more than the bytes; CPU per Save is mostly bbolt's
// spill and the kernel's copy of ~60 pages. Compression was considered and
// rejected: compress/flate at BestSpeed managed 47 MB/s on real article
// HTML here (ratio 2.7), slower than parsing itself.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tidyfeed/tidyfeed/feeds"
)

var fillMB = flag.Int("storage.fillmb", 0, "pre-fill the database to about this many MB for BenchmarkSave/filled (0 skips it)")

const (
	benchFeeds   = 200
	benchPerFeed = 30
)

var words = strings.Fields(`the of and to in is that for it as was with be by on not he this are or his
from at which but have an they you were her she there would their we him been has when who will more no
if out so said what up its about into than them can only other new some could time these two may then do
first any my now such like our over man me even most made after also did many before must through back years`)

// benchEntry builds an entry of about 5 KB: 2 KB of clean HTML, 2.5 KB of
// raw HTML, a summary and the usual metadata.
func benchEntry(r *mrand.Rand, feed string, n int, pub time.Time) feeds.Entry {
	text := func(size int) string {
		var sb strings.Builder
		sb.WriteString("<p>")
		for sb.Len() < size {
			sb.WriteString(words[r.IntN(len(words))])
			if r.IntN(12) == 0 {
				sb.WriteString(".</p>\n<p>")
			} else {
				sb.WriteByte(' ')
			}
		}
		sb.WriteString("</p>")
		return sb.String()
	}
	key := "https://" + feed + "/posts/" + strconv.Itoa(n)
	return feeds.Entry{
		Key: key, FeedID: feed, GUID: key,
		Title: "Post number " + strconv.Itoa(n), Link: key,
		Content: text(2000), Summary: text(200)[:200],
		Authors:    []feeds.Person{{Name: "Ann Author", Email: "ann@example.com"}},
		Categories: []string{"news", "go"},
		Published:  pub, Updated: pub,
		Hash: fmt.Sprintf("%016x", r.Uint64()),
		Raw: feeds.Raw{Title: "Post number " + strconv.Itoa(n), Link: key,
			Content: text(2500), Base: key},
	}
}

// benchPolls returns polls[feed] = 30 entries each, published up to now.
func benchPolls(seed uint64, nFeeds, perFeed int, now time.Time) ([][]feeds.Entry, int64) {
	r := mrand.New(mrand.NewPCG(seed, 1))
	polls := make([][]feeds.Entry, nFeeds)
	var size int64
	for f := range polls {
		feed := fmt.Sprintf("feed%d-%d.example", seed, f)
		for i := range perFeed {
			e := benchEntry(r, feed, i, now.Add(-time.Duration(r.IntN(30*24))*time.Hour))
			size += entrySize(&e)
			polls[f] = append(polls[f], e)
		}
	}
	return polls, size
}

func entrySize(e *feeds.Entry) int64 {
	return int64(len(e.Title) + len(e.Link) + len(e.Content) + len(e.Summary) + len(e.Key) + len(e.GUID) +
		len(e.Raw.Title) + len(e.Raw.Link) + len(e.Raw.Content) + len(e.Raw.Summary) + len(e.Raw.Base))
}

// benchSaver is what the benchmarks measure: our Store, or the plain
// baseline the brief compares against.
type benchSaver interface {
	save(feedID string, es []feeds.Entry) error
	close() error
	bolt() *bolt.DB
}

type ourSaver struct{ s *Store }

func (o *ourSaver) save(feedID string, es []feeds.Entry) error {
	_, err := o.s.Save(context.Background(), Batch{State: feeds.FeedState{FeedID: feedID, LastAttempt: time.Now()}, Entries: es})
	return err
}
func (o *ourSaver) close() error   { return o.s.Close() }
func (o *ourSaver) bolt() *bolt.DB { return o.s.db }

// plainSaver is the baseline of the brief: random 16-byte keys, one JSON
// record per entry, one Update per feed.
type plainSaver struct{ db *bolt.DB }

func (p *plainSaver) save(feedID string, es []feeds.Entry) error {
	return p.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("entries"))
		if err != nil {
			return err
		}
		for i := range es {
			k := make([]byte, 16)
			rand.Read(k)
			v, err := json.Marshal(&es[i])
			if err != nil {
				return err
			}
			if err := b.Put(k, v); err != nil {
				return err
			}
		}
		st, _ := json.Marshal(feeds.FeedState{FeedID: feedID, LastAttempt: time.Now()})
		sb, err := tx.CreateBucketIfNotExists([]byte("states"))
		if err != nil {
			return err
		}
		return sb.Put([]byte(feedID), st)
	})
}
func (p *plainSaver) close() error   { return p.db.Close() }
func (p *plainSaver) bolt() *bolt.DB { return p.db }

func openSaver(b *testing.B, kind, path string, strategy int) benchSaver {
	b.Helper()
	switch kind {
	case "store":
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.commit.strategy = strategy
		return &ourSaver{s: s}
	case "plain":
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		return &plainSaver{db: db}
	}
	panic(kind)
}

// saveAll saves every poll, from par goroutines, and returns the first error.
func saveAll(s benchSaver, polls [][]feeds.Entry, par int) error {
	work := make(chan []feeds.Entry)
	errs := make(chan error, par)
	var wg sync.WaitGroup
	for range par {
		wg.Go(func() {
			var first error
			for es := range work {
				if err := s.save(es[0].FeedID, es); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		})
	}
	for _, es := range polls {
		work <- es
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkSave saves 200 feeds × 30 new entries of ~5 KB, one Save per
// feed, into a fresh database per iteration: our Store against the plain
// baseline of the brief (random keys, JSON, one Update per feed), from one
// goroutine and from four (as concurrent ingests do), and for the Store
// with each commit strategy. With -storage.fillmb=N it also saves into a
// database pre-filled to about N MB.
func BenchmarkSave(b *testing.B) {
	now := time.Now()
	polls, size := benchPolls(1, benchFeeds, benchPerFeed, now)
	cases := []struct {
		name     string
		kind     string
		strategy int
		par      int
	}{
		{"store/seq", "store", stratGroup, 1},
		{"plain/seq", "plain", 0, 1},
		{"store/par4/group", "store", stratGroup, 4},
		{"store/par4/batch", "store", stratBatch, 4},
		{"store/par4/update", "store", stratUpdate, 4},
		{"plain/par4", "plain", 0, 4},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(size)
			dir := b.TempDir()
			var pages int64
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				s := openSaver(b, c.kind, filepath.Join(dir, strconv.Itoa(i)+".db"), c.strategy)
				b.StartTimer()
				if err := saveAll(s, polls, c.par); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				st := s.bolt().Stats()
				pages += st.TxStats.GetWrite()
				s.close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.N*benchFeeds*benchPerFeed)/b.Elapsed().Seconds(), "entries/s")
			b.ReportMetric(float64(pages)/float64(b.N*benchFeeds), "pages/save")
		})
	}
	if *fillMB <= 0 {
		return
	}
	for _, kind := range []string{"store", "plain"} {
		b.Run(kind+"/filled", func(b *testing.B) {
			s := openSaver(b, kind, filepath.Join(b.TempDir(), "filled.db"), stratGroup)
			defer s.close()
			var filled int64
			for seed := uint64(100); filled < int64(*fillMB)<<20; seed++ {
				fill, n := benchPolls(seed, benchFeeds, benchPerFeed, now.Add(-time.Duration(seed)*time.Hour))
				if err := saveAll(s, fill, 1); err != nil {
					b.Fatal(err)
				}
				filled += n
			}
			b.SetBytes(size)
			seed := uint64(1 << 20)
			for b.Loop() {
				b.StopTimer()
				seed++
				polls, _ := benchPolls(seed, benchFeeds, benchPerFeed, now)
				b.StartTimer()
				if err := saveAll(s, polls, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*benchFeeds*benchPerFeed)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// BenchmarkRepoll re-polls one feed of a database holding 200 feeds × 30
// entries: nothing changed (no commit at all), only the state changed
// (LastAttempt, the usual 304 or unchanged body), or 3 new entries arrived
// next to 27 unchanged ones.
func BenchmarkRepoll(b *testing.B) {
	now := time.Now()
	polls, _ := benchPolls(1, benchFeeds, benchPerFeed, now)
	s, err := Open(filepath.Join(b.TempDir(), "repoll.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, es := range polls {
		if _, err := s.Save(ctx, Batch{State: feeds.FeedState{FeedID: es[0].FeedID}, Entries: es}); err != nil {
			b.Fatal(err)
		}
	}
	r := mrand.New(mrand.NewPCG(7, 7))
	cases := []struct {
		name  string
		batch func(i int) Batch
	}{
		{"unchanged", func(i int) Batch {
			es := polls[i%benchFeeds]
			return Batch{State: feeds.FeedState{FeedID: es[0].FeedID}, Entries: es}
		}},
		{"state-only", func(i int) Batch {
			es := polls[i%benchFeeds]
			return Batch{State: feeds.FeedState{FeedID: es[0].FeedID, LastAttempt: now.Add(time.Duration(i) * time.Second)}, Entries: es}
		}},
		{"3-new", func(i int) Batch {
			es := slices.Clone(polls[i%benchFeeds][3:])
			for j := range 3 {
				es = append(es, benchEntry(r, es[0].FeedID, 1000+i*3+j, now.Add(time.Duration(i)*time.Second)))
			}
			return Batch{State: feeds.FeedState{FeedID: es[0].FeedID, LastAttempt: now.Add(time.Duration(i) * time.Second)}, Entries: es}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				b.StopTimer()
				batch := c.batch(i)
				i++
				b.StartTimer()
				if _, err := s.Save(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*benchPerFeed)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// BenchmarkRecent reads the newest 50 entries of all feeds and of 3 feeds
// out of 200 × 30.
func BenchmarkRecent(b *testing.B) {
	polls, _ := benchPolls(1, benchFeeds, benchPerFeed, time.Now())
	s, err := Open(filepath.Join(b.TempDir(), "recent.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := saveAll(&ourSaver{s: s}, polls, 4); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		feeds []string
	}{{"all", nil}, {"3feeds", []string{polls[0][0].FeedID, polls[1][0].FeedID, polls[2][0].FeedID}}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				es, err := s.Recent(ctx, c.feeds, 50)
				if err != nil || len(es) != 50 {
					b.Fatalf("Recent = %d entries, %v", len(es), err)
				}
			}
		})
	}
}

// BenchmarkRecord compares the binary record with encoding/json for a ~5 KB
// entry (the encoding the brief allows if measured OK).
func BenchmarkRecord(b *testing.B) {
	e := benchEntry(mrand.New(mrand.NewPCG(1, 2)), "feed.example", 1, time.Now())
	bin := encodeEntry(nil, &e)
	js, _ := json.Marshal(&e)
	b.Run("binary/encode", func(b *testing.B) {
		b.SetBytes(entrySize(&e))
		var buf []byte
		for b.Loop() {
			buf = encodeEntry(buf[:0], &e)
		}
		b.ReportMetric(float64(len(bin)), "record-bytes")
	})
	b.Run("binary/decode", func(b *testing.B) {
		b.SetBytes(entrySize(&e))
		for b.Loop() {
			if _, err := decodeEntry(bin); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json/encode", func(b *testing.B) {
		b.SetBytes(entrySize(&e))
		for b.Loop() {
			if _, err := json.Marshal(&e); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(js)), "record-bytes")
	})
	b.Run("json/decode", func(b *testing.B) {
		b.SetBytes(entrySize(&e))
		for b.Loop() {
			var d feeds.Entry
			if err := json.Unmarshal(js, &d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
