package publish

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/storage"
)

// BenchmarkArchiveIndex renders the subscription document of a fresh
// publisher over a real store, which builds the archive index: a walk
// over every stored entry. The entries are about 4 KB records (a 1.7 KB
// body, cleaned and raw) of 100 feeds, first seen over about 100 weeks.
// TIDYFEED_ARCHIVE_ENTRIES sets how many (default 20,000; building the
// store takes about half a second per thousand). It reports the heap the
// publisher keeps afterwards and the highest heap in use during a render.
func BenchmarkArchiveIndex(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("TIDYFEED_ARCHIVE_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	var seen time.Time
	st, err := storage.Open(filepath.Join(b.TempDir(), "archive.db"), storage.Options{Now: func() time.Time { return seen }})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const nfeeds = 100
	var srcs []SourceInfo
	for f := range nfeeds {
		srcs = append(srcs, SourceInfo{ID: fmt.Sprintf("https://f%d.example/feed", f), Name: fmt.Sprintf("Feed %d", f)})
	}
	para := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 30)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	step := 100 * 7 * 24 * time.Hour / time.Duration(n)
	for f := range nfeeds {
		for lo := 0; lo < n/nfeeds; lo += 50 {
			var es []feeds.Entry
			for i := lo; i < min(n/nfeeds, lo+50); i++ {
				t := start.Add(time.Duration(i*nfeeds+f) * step)
				body := fmt.Sprintf("<p>Entry %d of feed %d. %s</p>", i, f, para)
				es = append(es, feeds.Entry{Key: fmt.Sprintf("https://f%d.example/%d", f, i), Title: fmt.Sprintf("Entry %d of feed %d", i, f),
					Link: fmt.Sprintf("https://f%d.example/%d", f, i), Content: body, Published: t, Updated: t,
					Hash: fmt.Sprintf("%d/%d", f, i), Raw: feeds.Raw{Content: body}})
			}
			seen = es[len(es)-1].Published.Add(time.Hour)
			if _, err := st.Save(b.Context(), storage.Batch{State: feeds.FeedState{FeedID: srcs[f].ID}, Entries: es, NoDedupe: true}); err != nil {
				b.Fatal(err)
			}
		}
	}
	opts := Options{Link: "http://127.0.0.1:8080/", Sources: srcs, MaxItems: 50}

	var kept, peak uint64
	for b.Loop() {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapInuse
		stop := make(chan struct{})
		sampled := make(chan uint64)
		go func() { // the heap's high-water mark during the render
			var high uint64
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				high = max(high, m.HeapInuse)
				select {
				case <-stop:
					sampled <- high
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		}()
		p := New(st, opts)
		d, err := p.Render(b.Context(), Atom)
		close(stop)
		high := <-sampled
		if err != nil || !strings.Contains(string(d.Body), "prev-archive") {
			b.Fatalf("Render: %v (an archive link: %v)", err, err == nil && strings.Contains(string(d.Body), "prev-archive"))
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		kept = max(kept, ms.HeapInuse-min(before, ms.HeapInuse))
		peak = max(peak, high-min(before, high))
		runtime.KeepAlive(p)
	}
	b.ReportMetric(float64(n), "entries")
	b.ReportMetric(float64(kept)/(1<<20), "kept-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
}
