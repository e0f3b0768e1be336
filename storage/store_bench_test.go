package storage

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
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

func openSaver(b *testing.B, kind, path string) benchSaver {
	b.Helper()
	switch kind {
	case "store":
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
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

// BenchmarkSave saves 200 feeds × 30 entries of ~5 KB into a fresh database
// per iteration, one Save per feed, for our Store and for the plain baseline.
func BenchmarkSave(b *testing.B) {
	now := time.Now()
	polls, size := benchPolls(1, benchFeeds, benchPerFeed, now)
	for _, kind := range []string{"store", "plain"} {
		b.Run(kind+"/fresh", func(b *testing.B) {
			b.SetBytes(size)
			dir := b.TempDir()
			i := 0
			var pages, commits int64
			for b.Loop() {
				b.StopTimer()
				i++
				s := openSaver(b, kind, filepath.Join(dir, strconv.Itoa(i)+".db"))
				b.StartTimer()
				for _, es := range polls {
					if err := s.save(es[0].FeedID, es); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				st := s.bolt().Stats()
				pages += st.TxStats.GetWrite()
				commits += int64(st.TxN)
				s.close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.N*benchFeeds*benchPerFeed)/b.Elapsed().Seconds(), "entries/s")
			b.ReportMetric(float64(pages)/float64(b.N*benchFeeds), "pages/save")
		})
		if *fillMB > 0 {
			b.Run(kind+"/filled", func(b *testing.B) {
				path := filepath.Join(b.TempDir(), "filled.db")
				s := openSaver(b, kind, path)
				defer s.close()
				var filled int64
				for seed := uint64(100); filled < int64(*fillMB)<<20; seed++ {
					fill, n := benchPolls(seed, benchFeeds, benchPerFeed, now.Add(-time.Duration(seed)*time.Hour))
					for _, es := range fill {
						if err := s.save(es[0].FeedID, es); err != nil {
							b.Fatal(err)
						}
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
					for _, es := range polls {
						if err := s.save(es[0].FeedID, es); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.N*benchFeeds*benchPerFeed)/b.Elapsed().Seconds(), "entries/s")
			})
		}
	}
}
