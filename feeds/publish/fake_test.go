package publish

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// fakeEntries is an in-memory Entries. Recent filters by feed id and returns
// newest first, like storage does.
type fakeEntries struct {
	mu      sync.Mutex
	entries []feeds.Entry
	version uint64
	changed time.Time
	err     error

	recentCalls atomic.Int64
	fullReads   atomic.Int64 // Recent calls without a limit (Walk makes one)
}

// lock fails with ctx's error or the injected one, else locks f for the
// caller to unlock.
func (f *fakeEntries) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	if f.err != nil {
		f.mu.Unlock()
		return f.err
	}
	return nil
}

func (f *fakeEntries) Recent(ctx context.Context, feedIDs []string, limit int) ([]feeds.Entry, error) {
	f.recentCalls.Add(1)
	if limit <= 0 {
		f.fullReads.Add(1)
	}
	if err := f.lock(ctx); err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	var out []feeds.Entry
	for _, e := range f.entries {
		if slices.Contains(feedIDs, e.FeedID) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b feeds.Entry) int { return b.Published.Compare(a.Published) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Walk is Recent without a limit, one entry at a time; it counts as a
// full read.
func (f *fakeEntries) Walk(ctx context.Context, feedIDs []string, fn func(feeds.Entry) error) error {
	es, err := f.Recent(ctx, feedIDs, 0)
	if err != nil {
		return err
	}
	for _, e := range es {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// Stories returns the stored entries refs name, in refs' order.
func (f *fakeEntries) Stories(ctx context.Context, feedIDs []string, refs []feeds.Ref) ([]feeds.Entry, error) {
	if err := f.lock(ctx); err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	var out []feeds.Entry
	for _, r := range refs {
		i := slices.IndexFunc(f.entries, func(e feeds.Entry) bool { return e.FeedID == r.FeedID && e.Key == r.Key })
		if i >= 0 && slices.Contains(feedIDs, r.FeedID) {
			out = append(out, f.entries[i])
		}
	}
	return out, nil
}

func (f *fakeEntries) Version() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.version
}

func (f *fakeEntries) Changed() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

// add stores more entries and bumps the version, as a store update would.
func (f *fakeEntries) add(es ...feeds.Entry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = append(f.entries, es...)
	f.version++
	f.changed = f.changed.Add(time.Minute)
}

var baseTime = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// testSources are three sources: two URL feeds and one local file.
var testSources = []SourceInfo{
	{ID: "https://blog.example.org/feed.xml", Name: "Example Blog & Friends", FeedURL: "https://blog.example.org/feed.xml", SiteURL: "https://blog.example.org/"},
	{ID: "https://podcast.example.net/rss", Name: "Pödcast — “Ünïcode” 日本語", FeedURL: "https://podcast.example.net/rss", SiteURL: "https://podcast.example.net/"},
	{ID: "file:/srv/feeds/local.atom", Name: "", FeedURL: "", SiteURL: ""},
}

func testOptions() Options {
	return Options{
		Title:     "Merged <Feed> & more",
		Link:      "http://127.0.0.1:8080/",
		Sources:   slices.Clone(testSources),
		Generator: "tidyfeed test",
	}
}

// richEntries returns n entries per source (3 sources) exercising what the
// formats find hard: enclosures with and without length or type, non-URL
// guids, unicode, entities, control characters, missing authors, authors
// with only an email, categories, odd dates, long HTML and podcast (iTunes)
// fields, good and bad.
func richEntries(n int) []feeds.Entry {
	var es []feeds.Entry
	for s, src := range testSources {
		for i := range n {
			k := s*n + i
			e := feeds.Entry{
				Key:       fmt.Sprintf("guid-%d-%d", s, i),
				FeedID:    src.ID,
				GUID:      fmt.Sprintf("tag:example,2026:%d/%d", s, i),
				Title:     fmt.Sprintf("Entry %d of %s: AT&T <b>not bold</b> \"quotes\" 'apos' ✓ 🎉", i, src.Name),
				Link:      fmt.Sprintf("https://site%d.example.com/posts/%d?x=1&y=2", s, i),
				Content:   fmt.Sprintf("<p>Hello &amp; welcome to <em>entry %d</em>. Ünïcode: 日本語 ✓ &lt;tag&gt; ]]&gt; and ]]> too.</p>", k),
				Summary:   fmt.Sprintf("Summary %d: a < b && c > d ✓", k),
				Published: baseTime.Add(-time.Duration(k) * time.Hour),
				Updated:   baseTime.Add(-time.Duration(k)*time.Hour + 30*time.Minute),
				Seen:      baseTime.Add(-time.Duration(k)*time.Hour + time.Minute),
			}
			switch k % 6 {
			case 0:
				e.Authors = []feeds.Person{{Name: "Ada Lovelace", Email: "ada@example.org", URI: "https://ada.example.org/"}}
				e.Enclosures = []feeds.Enclosure{{URL: fmt.Sprintf("https://cdn.example.net/ep%d.mp3", k), Type: "audio/mpeg", Length: 12345678}}
				e.Categories = []string{"Go", "Feeds & Syndication", "Go"}
				e.Podcast = &feeds.Podcast{
					Duration: "01:02:03", Explicit: "yes", Episode: fmt.Sprint(k + 1), Season: "2", EpisodeType: "full",
					Image: fmt.Sprintf("https://cdn.example.net/ep%d.jpg", k), Subtitle: "A <short> one & more ✓",
					Summary: "Line one of the notes.\nLine two: a < b && c > d.", Author: "Ada Lovelace",
				}
			case 1:
				e.Authors = []feeds.Person{{Email: "only@example.org"}, {Name: "Grace <Hopper>"}}
				e.Enclosures = []feeds.Enclosure{{URL: fmt.Sprintf("https://cdn.example.net/v%d.mp4", k)}, {URL: "relative/dropped.mp3"}}
				e.Categories = []string{"vidéo", "  spaced   out  "}
				// Podcast values apps would choke on are left out.
				e.Podcast = &feeds.Podcast{Duration: "ten minutes", Explicit: "Clean", Episode: "two", Season: "-1",
					EpisodeType: " Trailer ", Image: "relative/art.jpg", Subtitle: "ctl\x01 sub"}
			case 2:
				// No authors; control characters and noncharacters everywhere.
				e.Title = "Bell\x07 form\x0c feed\x00 nul \ufffe\uffff end\x85 C1"
				e.Content = "<p>ctl\x01\x02\x1b chars \U0010FFFE and bad utf8 \xff\xfe here</p>"
				e.Summary = "summary\x0b with vt"
				e.Categories = []string{"ctl\x01cat"}
			case 3:
				// Odd dates: published zero, updated with a zone and nanoseconds.
				e.Published = time.Time{}
				e.Updated = time.Date(2026, 3, 1, 23, 59, 59, 999999999, time.FixedZone("X", -(9*3600+30*60)))
				e.Link = ""
				e.Content = strings.Repeat("<p>Long paragraph with <a href=\"https://example.com/a?b=1&amp;c=2\">a link</a> and <code>&lt;code&gt;</code>.</p>\n", 200)
				e.Summary = ""
			case 4:
				// Year-0 and far-future dates; only Seen is usable.
				e.Published = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
				e.Updated = time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
				e.Content = ""
				e.Image = "https://cdn.example.net/lead.jpg"
			case 5:
				e.Key = "" // falls back to the GUID
				e.Title = ""
				e.Enclosures = []feeds.Enclosure{{URL: "https://cdn.example.net/image.png", Type: "not a type!", Length: -5}}
			}
			es = append(es, e)
		}
	}
	return es
}

func newFake(es []feeds.Entry) *fakeEntries {
	return &fakeEntries{entries: es, version: 1, changed: baseTime.Add(time.Hour)}
}

// clockedPublisher returns a publisher of fake with options o whose clock
// reads *now, first at; setting *now moves the clock.
func clockedPublisher(fake *fakeEntries, o Options, at time.Time) (*Publisher, *time.Time) {
	p := New(fake, o)
	now := at
	p.now = func() time.Time { return now }
	return p, &now
}
