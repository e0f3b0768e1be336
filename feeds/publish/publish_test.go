package publish

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.* from the current output")

func TestRenderCache(t *testing.T) {
	fake := newFake(richEntries(2))
	// A clock in the entries' week: with a later one their week is an
	// archive page, and Last-Modified is at least when that week closed.
	p, _ := clockedPublisher(fake, testOptions(), baseTime.Add(3*time.Hour))
	first := map[Format]Document{}
	for _, f := range Formats {
		d, err := p.Render(t.Context(), f)
		if err != nil {
			t.Fatalf("Render(%s): %v", f, err)
		}
		first[f] = d
	}
	// One read per format, and one for the RFC 5005 archive index they share.
	if got := fake.recentCalls.Load(); got != 4 {
		t.Fatalf("Recent called %d times for three formats, want 4", got)
	}

	t.Run("unchanged version is served from cache", func(t *testing.T) {
		before := fake.recentCalls.Load()
		for range 5 {
			for _, f := range Formats {
				d, err := p.Render(t.Context(), f)
				if err != nil {
					t.Fatalf("Render(%s): %v", f, err)
				}
				if &d.Body[0] != &first[f].Body[0] {
					t.Errorf("Render(%s) built a new body without a change", f)
				}
			}
		}
		if got := fake.recentCalls.Load() - before; got != 0 {
			t.Errorf("Recent called %d times with nothing changed, want 0", got)
		}
	})

	t.Run("new version re-renders", func(t *testing.T) {
		fake.add(feeds.Entry{Key: "new", FeedID: testSources[0].ID, Title: "Brand new", Content: "<p>new</p>",
			Published: baseTime.Add(2 * time.Hour), Updated: baseTime.Add(2 * time.Hour)})
		for _, f := range Formats {
			d, err := p.Render(t.Context(), f)
			if err != nil {
				t.Fatalf("Render(%s): %v", f, err)
			}
			if d.ETag == first[f].ETag {
				t.Errorf("%s: ETag unchanged after a new entry", f)
			}
			if !bytes.Contains(d.Body, []byte("Brand new")) {
				t.Errorf("%s: new entry missing after Version changed", f)
			}
			if want := baseTime.Add(2 * time.Hour); !d.LastModified.Equal(want) {
				t.Errorf("%s: LastModified = %v, want the new entry's %v", f, d.LastModified, want)
			}
		}
	})

	t.Run("SetOptions drops the cache and removed feeds vanish", func(t *testing.T) {
		o := testOptions()
		o.Sources = o.Sources[1:] // remove the first source
		reload := baseTime.Add(5 * time.Hour)
		p.now = func() time.Time { return reload }
		p.SetOptions(o)
		for _, f := range Formats {
			d, err := p.Render(t.Context(), f)
			if err != nil {
				t.Fatalf("Render(%s): %v", f, err)
			}
			if bytes.Contains(d.Body, []byte("Brand new")) || bytes.Contains(d.Body, []byte("Example Blog")) {
				t.Errorf("%s: entries of the removed source are still published", f)
			}
			if !d.LastModified.Equal(reload) {
				t.Errorf("%s: LastModified = %v, want the reload time %v", f, d.LastModified, reload)
			}
			if !bytes.Contains(d.Body, []byte("podcast.example.net")) {
				t.Errorf("%s: entries of the remaining sources are missing", f)
			}
		}
	})
}

func TestOptions(t *testing.T) {
	fake := newFake(richEntries(10)) // 30 entries
	tests := []struct {
		name    string
		opts    Options
		entries int
		has     []string
		wantErr error
	}{
		{"zero value publishes nothing", Options{}, 0, []string{"<title>tidyfeed</title>", `href="http://localhost/feed.atom"`}, nil},
		{"max items", Options{MaxItems: 7, Sources: testSources}, 7, nil, nil},
		{"default max items", Options{Sources: testSources}, 30, nil, nil},
		{"link without slash", Options{Link: "https://feeds.example.com/tidy", Sources: testSources[:1]}, 10,
			[]string{`<id>https://feeds.example.com/tidy/feed.atom</id>`}, nil},
		{"generator", Options{Generator: "tidyfeed 9.9", Sources: testSources[:1]}, 10, []string{"<generator>tidyfeed 9.9</generator>"}, nil},
		{"relative link", Options{Link: "/feeds/", Sources: testSources}, 0, nil, ErrInvalidLink},
		{"ftp link", Options{Link: "ftp://example.com/", Sources: testSources}, 0, nil, ErrInvalidLink},
		{"link with query", Options{Link: "https://example.com/?a=1", Sources: testSources}, 0, nil, ErrInvalidLink},
		{"link with fragment", Options{Link: "https://example.com/#x", Sources: testSources}, 0, nil, ErrInvalidLink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := New(fake, tt.opts).Render(t.Context(), Atom)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Render error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			v, err := readAtom(d.Body)
			if err != nil {
				t.Fatalf("re-parse: %v", err)
			}
			if len(v.entries) != tt.entries {
				t.Errorf("got %d entries, want %d", len(v.entries), tt.entries)
			}
			for _, s := range tt.has {
				if !bytes.Contains(d.Body, []byte(s)) {
					t.Errorf("output lacks %q", s)
				}
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	storeErr := errors.New("disk on fire")
	fake := newFake(richEntries(1))
	fake.err = storeErr
	var logBuf bytes.Buffer
	o := testOptions()
	o.Logger = slog.New(slog.NewTextHandler(&logBuf, nil))
	p := New(fake, o)
	if _, err := p.Render(t.Context(), Atom); !errors.Is(err, storeErr) {
		t.Errorf("Render error = %v, want it to wrap %v", err, storeErr)
	}
	if _, err := p.Render(t.Context(), Format("html")); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Render(html) error = %v, want ErrUnknownFormat", err)
	}
	rec := serve(t, p, http.MethodGet, "/feed.rss", nil)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status with a failing store = %d, want 500", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "disk on fire") {
		t.Errorf("500 body leaks the internal error: %q", rec.Body.String())
	}
	if log := logBuf.String(); !strings.Contains(log, "render failed") || !strings.Contains(log, "disk on fire") {
		t.Errorf("the failure was not logged with its cause; log: %q", log)
	}
	// The failure is not cached: once the store recovers, so does the feed.
	fake.mu.Lock()
	fake.err = nil
	fake.mu.Unlock()
	if rec := serve(t, p, http.MethodGet, "/feed.rss", nil); rec.Code != http.StatusOK {
		t.Errorf("status after the store recovered = %d, want 200", rec.Code)
	}
}

// TestEmptyFeed checks that a feed with no entries is still valid in every
// format: JSON Feed needs "items": [], Atom an updated date.
func TestEmptyFeed(t *testing.T) {
	p := New(&fakeEntries{}, testOptions())
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			d, err := p.Render(t.Context(), f)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			v, err := readers[f].read(d.Body)
			if err != nil {
				t.Fatalf("re-parse: %v", err)
			}
			if len(v.entries) != 0 {
				t.Errorf("got %d entries, want 0", len(v.entries))
			}
			if f == JSON && !bytes.Contains(d.Body, []byte(`"items": []`)) {
				t.Errorf("JSON Feed without an items array:\n%s", d.Body)
			}
			if want := "http://127.0.0.1:8080/feed." + string(f); v.self != want {
				t.Errorf("rel=self = %q, want %q", v.self, want)
			}
		})
	}
}

// TestConcurrentReload serves while options are swapped; run with -race.
func TestConcurrentReload(t *testing.T) {
	fake := newFake(richEntries(3))
	p := New(fake, testOptions())
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 20 {
				f := Formats[(i+j)%len(Formats)]
				rec := serve(t, p, http.MethodGet, "/feed."+string(f), nil)
				if rec.Code != http.StatusOK {
					t.Errorf("GET %s: status %d", f, rec.Code)
				}
			}
		})
	}
	wg.Go(func() {
		for j := range 20 {
			o := testOptions()
			o.Title = fmt.Sprintf("title %d", j)
			p.SetOptions(o)
			if j%5 == 0 {
				fake.add()
			}
		}
	})
	wg.Wait()
	d, err := p.Render(t.Context(), Atom)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(d.Body, []byte("<title>title 19</title>")) {
		t.Error("the last SetOptions is not reflected after the reloads")
	}
}

func TestLastModified(t *testing.T) {
	now := baseTime.Add(24 * time.Hour)
	tests := []struct {
		name    string
		entries []feeds.Entry
		changed time.Time
		want    time.Time
	}{
		{"newest entry", []feeds.Entry{{Key: "a", FeedID: testSources[0].ID, Updated: baseTime.Add(90 * time.Minute)}}, baseTime, baseTime.Add(90 * time.Minute)},
		{"store changed later", []feeds.Entry{{Key: "a", FeedID: testSources[0].ID, Updated: baseTime}}, baseTime.Add(time.Hour), baseTime.Add(time.Hour)},
		{"future entry is clamped to now", []feeds.Entry{{Key: "a", FeedID: testSources[0].ID, Updated: now.Add(48 * time.Hour)}}, baseTime, now},
		{"nothing at all", nil, time.Time{}, time.Unix(0, 0).UTC()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(&fakeEntries{entries: tt.entries, changed: tt.changed}, testOptions())
			p.now = func() time.Time { return now }
			d, err := p.Render(t.Context(), RSS)
			if err != nil {
				t.Fatal(err)
			}
			if !d.LastModified.Equal(tt.want) {
				t.Errorf("LastModified = %v, want %v", d.LastModified, tt.want)
			}
		})
	}
}

// TestGolden pins the exact output of a small feed in every format. Run
// with -update to rewrite the golden files, then review the diff.
func TestGolden(t *testing.T) {
	es := richEntries(2)
	p := New(newFake(es), testOptions())
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			d, err := p.Render(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "rich.golden."+string(f))
			if *update {
				if err := os.WriteFile(path, d.Body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if !bytes.Equal(d.Body, want) {
				t.Errorf("%s output differs from %s; run go test -run TestGolden -update and review the diff", f, path)
			}
		})
	}
}

func TestSourceAttribution(t *testing.T) {
	tests := []struct {
		name           string
		in             SourceInfo
		wantID, wantNm string
	}{
		{"feed url", SourceInfo{ID: "https://a.example/f", Name: "A", FeedURL: "https://a.example/f"}, "https://a.example/f", "A"},
		{"name falls back to the feed url", SourceInfo{ID: "x", FeedURL: "https://a.example/f"}, "https://a.example/f", "https://a.example/f"},
		{"a local path is never shown", SourceInfo{ID: "file:/srv/a.xml"}, entryID("file:/srv/a.xml", ""), "unnamed feed"},
		{"file id with spaces is hashed", SourceInfo{ID: "file:/srv/my feeds/a.xml", Name: "Mine"}, entryID("file:/srv/my feeds/a.xml", ""), "Mine"},
		{"relative feed url is dropped", SourceInfo{ID: "rel", FeedURL: "/f.xml", Name: " Spaced\n name "}, entryID("rel", ""), "Spaced name"},
		{"nothing at all", SourceInfo{}, entryID("", ""), "unnamed feed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSource(tt.in)
			if s.id != tt.wantID || s.name != tt.wantNm {
				t.Errorf("newSource(%+v) = id %q, name %q; want id %q, name %q", tt.in, s.id, s.name, tt.wantID, tt.wantNm)
			}
			if u, err := url.Parse(s.id); err != nil || !u.IsAbs() {
				t.Errorf("source id %q is not an absolute IRI", s.id)
			}
		})
	}
}
