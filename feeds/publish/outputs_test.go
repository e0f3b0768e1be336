package publish

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/filter"
)

// multiOptions has a "podcasts" output selecting one source by ID, a
// "tech" output whose filter hides entries titled "Entry 1 ...", and tags
// on the sources.
func multiOptions(t *testing.T) Options {
	t.Helper()
	o := testOptions()
	o.Sources[0].Tags = []string{"blogs"}
	o.Sources[1].Tags = []string{"podcasts", "audio"}
	hide, err := filter.Compile(filter.Rules{Exclude: []filter.Rule{{Field: filter.Title, Pattern: `^Entry 1 `}}})
	if err != nil {
		t.Fatal(err)
	}
	o.Outputs = []Output{
		{Name: "podcasts", Title: "Podcasts", Feeds: []string{testSources[1].ID}, MaxItems: 3},
		{Name: "tech", Feeds: []string{testSources[0].ID, testSources[2].ID}, Filter: hide},
		{Name: "feed"},                    // the default's name: ignored
		{Name: "Bad Name"},                // not a path segment: ignored
		{Name: "none", Feeds: []string{}}, // selects nothing
	}
	return o
}

func get(t *testing.T, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestNamedOutputs(t *testing.T) {
	p := New(newFake(richEntries(4)), multiOptions(t))
	for _, tt := range []struct {
		path      string
		code      int
		ctype     string
		has, lack []string
	}{
		{"/podcasts.atom", 200, "application/atom+xml", []string{"<title>Podcasts</title>", `href="http://127.0.0.1:8080/podcasts.atom" rel="self"`,
			"podcast.example.net", `<category term="podcasts"></category>`, `<category term="audio"></category>`}, []string{"blog.example.org/feed.xml"}},
		{"/podcasts.rss", 200, "application/rss+xml", []string{"<title>Podcasts</title>", "<category>audio</category>", `<enclosure url="https://cdn.example.net/`}, []string{"Example Blog"}},
		{"/podcasts.json", 200, "application/feed+json", []string{`"title": "Podcasts"`, `"feed_url": "http://127.0.0.1:8080/podcasts.json"`, `"audio"`}, []string{"Example Blog"}},
		{"/tech.atom", 200, "application/atom+xml", []string{"<title>Merged &lt;Feed&gt; &amp; more – tech</title>", "Entry 0 of Example Blog", `term="blogs"`}, []string{"Entry 1 of", "podcast.example.net/rss"}},
		{"/none.json", 200, "application/feed+json", []string{`"items": []`}, nil},
		{"/feed.atom", 200, "application/atom+xml", []string{"Entry 1 of", "podcast.example.net"}, nil},
		{"/Bad%20Name.atom", 404, "", nil, nil},
		{"/nope.rss", 404, "", nil, nil},
	} {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, p, tt.path)
			if rec.Code != tt.code {
				t.Fatalf("status %d, want %d", rec.Code, tt.code)
			}
			if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, tt.ctype) {
				t.Errorf("Content-Type %q, want %q", got, tt.ctype)
			}
			body := rec.Body.String()
			for _, s := range tt.has {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			for _, s := range tt.lack {
				if strings.Contains(body, s) {
					t.Errorf("body has %q", s)
				}
			}
		})
	}
	t.Run("max items per output", func(t *testing.T) {
		d, err := p.RenderOutput(t.Context(), "podcasts", Atom)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(d.Body, []byte("<entry>")); n != 3 {
			t.Errorf("podcasts has %d entries, want its max_items 3", n)
		}
	})
	t.Run("conditional GET per output", func(t *testing.T) {
		first := get(t, p, "/tech.rss")
		etag := first.Header().Get("ETag")
		if etag == "" || first.Header().Get("Last-Modified") == "" || first.Header().Get("Cache-Control") != currentMaxAge {
			t.Fatalf("headers %v: want ETag, Last-Modified and Cache-Control %q", first.Header(), currentMaxAge)
		}
		if again := get(t, p, "/tech.rss", "If-None-Match", etag); again.Code != http.StatusNotModified {
			t.Errorf("If-None-Match %s: status %d, want 304", etag, again.Code)
		}
		if other := get(t, p, "/podcasts.rss", "If-None-Match", etag); other.Code != 200 {
			t.Errorf("another output's ETag: status %d, want 200", other.Code)
		}
	})
}

// atomDoc is what a feed reader reads of an Atom document for paging.
type atomDoc struct {
	Archive *struct{} `xml:"http://purl.org/syndication/history/1.0 archive"`
	Links   []struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
	} `xml:"http://www.w3.org/2005/Atom link"`
	Entries []struct {
		ID string `xml:"http://www.w3.org/2005/Atom id"`
	} `xml:"http://www.w3.org/2005/Atom entry"`
}

// renderedAtom renders p's default output as Atom and parses it.
func renderedAtom(t *testing.T, p *Publisher) *atomDoc {
	t.Helper()
	doc, err := p.Render(t.Context(), Atom)
	if err != nil {
		t.Fatal(err)
	}
	var d atomDoc
	if err := xml.Unmarshal(doc.Body, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// link returns the href of d's first link with rel, or "".
func (d *atomDoc) link(rel string) string {
	for _, l := range d.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// weeks returns n entries of one source, one every 9 hours, first seen
// from start on.
func weeks(start time.Time, n int) []feeds.Entry {
	var es []feeds.Entry
	for i := range n {
		t := start.Add(time.Duration(i) * 9 * time.Hour)
		es = append(es, feeds.Entry{Key: fmt.Sprintf("k%d", i), FeedID: testSources[0].ID, Title: fmt.Sprintf("Post %d", i),
			Link: fmt.Sprintf("https://blog.example.org/%d", i), Content: "<p>x</p>", Published: t, Updated: t, Seen: t})
	}
	return es
}

// TestArchivesPageThroughHistory follows rel="prev-archive" from the
// subscription document to the beginning, as an RFC 5005 reader would,
// and requires every entry exactly once across the archive pages, and
// every entry in the union with the subscription document.
func TestArchivesPageThroughHistory(t *testing.T) {
	fake, p, now := archivePublisher(archiveOptions(), 100, 40) // 100 entries over 37 days

	all := map[string]bool{}
	for _, e := range fake.entries {
		all[entryID(e.FeedID, e.Key)] = true
	}
	read := func(u string) (*atomDoc, *httptest.ResponseRecorder) {
		t.Helper()
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		rec := get(t, p, pu.Path)
		if rec.Code != 200 {
			t.Fatalf("GET %s: status %d", pu.Path, rec.Code)
		}
		var d atomDoc
		if err := xml.Unmarshal(rec.Body.Bytes(), &d); err != nil {
			t.Fatalf("GET %s: %v", pu.Path, err)
		}
		return &d, rec
	}

	sub, rec := read("http://127.0.0.1:8080/feed.atom")
	if sub.Archive != nil || len(sub.Entries) != 10 || rec.Header().Get("Cache-Control") != currentMaxAge {
		t.Fatalf("subscription document: archive %v, %d entries, Cache-Control %q; want not an archive, 10 entries, %q",
			sub.Archive != nil, len(sub.Entries), rec.Header().Get("Cache-Control"), currentMaxAge)
	}
	got := map[string]int{}
	union := map[string]bool{}
	for _, e := range sub.Entries {
		union[e.ID] = true
	}
	var pages []string
	next := ""
	for u := sub.link("prev-archive"); u != ""; {
		if slices.Contains(pages, u) {
			t.Fatalf("prev-archive loops back to %s", u)
		}
		pages = append(pages, u)
		d, rec := read(u)
		if d.Archive == nil {
			t.Errorf("%s lacks <fh:archive/>", u)
		}
		wantCC := archiveMaxAge
		if next == "" { // the newest page changes when the open week closes
			wantCC = currentMaxAge
		}
		if cc := rec.Header().Get("Cache-Control"); cc != wantCC {
			t.Errorf("%s: Cache-Control %q, want %q", u, cc, wantCC)
		}
		if d.link("current") != "http://127.0.0.1:8080/feed.atom" || d.link("self") != u {
			t.Errorf("%s: current %q, self %q", u, d.link("current"), d.link("self"))
		}
		if d.link("next-archive") != next {
			t.Errorf("%s: next-archive %q, want %q", u, d.link("next-archive"), next)
		}
		for _, e := range d.Entries {
			got[e.ID]++
			union[e.ID] = true
		}
		next = u
		u = d.link("prev-archive")
	}
	// Weeks start on Thursdays (periods count from the Unix epoch): the
	// entries span six closed weeks from 2026-01-01 and the open one.
	if len(pages) != 6 {
		t.Errorf("followed %d archive pages, want 6 closed weeks: %v", len(pages), pages)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("entry %s is on %d archive pages, want exactly 1", id, n)
		}
	}
	if len(union) != len(all) {
		t.Errorf("paging collected %d distinct entries, want all %d", len(union), len(all))
	}
	for id := range union {
		if !all[id] {
			t.Errorf("paging found unknown entry %s", id)
		}
	}

	t.Run("archive pages are immutable", func(t *testing.T) {
		oldest := pages[len(pages)-1]
		u, _ := url.Parse(oldest)
		before := get(t, p, u.Path)
		fake.add(weeks(*now, 3)...) // new entries arrive, time passes
		*now = now.Add(7 * 24 * time.Hour)
		after := get(t, p, u.Path)
		if !bytes.Equal(before.Body.Bytes(), after.Body.Bytes()) || before.Header().Get("ETag") != after.Header().Get("ETag") {
			t.Errorf("%s changed after new entries arrived", u.Path)
		}
	})
	t.Run("json pages with next_url", func(t *testing.T) {
		rec := get(t, p, "/feed.json")
		if !strings.Contains(rec.Body.String(), `"next_url": "http://127.0.0.1:8080/feed/archive/`) {
			t.Errorf("feed.json lacks a next_url to the newest archive page")
		}
	})
}

// TestNewestArchivePageNotImmutable checks that the newest archive page,
// which gains a next-archive link when the open period closes, is not
// served immutable, and that the page before it is; once the period
// closes, the page that changed is immutable in turn.
func TestNewestArchivePageNotImmutable(t *testing.T) {
	_, p, now := archivePublisher(archiveOptions(), 95, 37) // entries in the open week
	var d atomDoc
	if err := xml.Unmarshal(get(t, p, "/feed.atom").Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	newest, _ := url.Parse(d.link("prev-archive"))
	before := get(t, p, newest.Path)
	if cc := before.Header().Get("Cache-Control"); cc != currentMaxAge {
		t.Errorf("newest archive page %s: Cache-Control %q, want %q", newest.Path, cc, currentMaxAge)
	}
	var b atomDoc
	if err := xml.Unmarshal(before.Body.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	older, _ := url.Parse(b.link("prev-archive"))
	if cc := get(t, p, older.Path).Header().Get("Cache-Control"); cc != archiveMaxAge {
		t.Errorf("older archive page %s: Cache-Control %q, want %q", older.Path, cc, archiveMaxAge)
	}

	*now = now.Add(7 * 24 * time.Hour) // the open week closes
	after := get(t, p, newest.Path)
	if after.Header().Get("ETag") == before.Header().Get("ETag") {
		t.Errorf("%s did not change when the next week closed (it should gain next-archive)", newest.Path)
	}
	if cc := after.Header().Get("Cache-Control"); cc != archiveMaxAge {
		t.Errorf("%s, no longer the newest page: Cache-Control %q, want %q", newest.Path, cc, archiveMaxAge)
	}
}

func TestHubAndStylesheet(t *testing.T) {
	o := testOptions()
	o.Hub = "https://hub.example.com/"
	p := New(newFake(richEntries(2)), o)
	for _, f := range []Format{Atom, RSS} {
		rec := get(t, p, "/feed."+string(f))
		body := rec.Body.String()
		if !strings.Contains(body, `<?xml-stylesheet type="text/xsl" href="tidyfeed.xsl"?>`) {
			t.Errorf("%s lacks the xml-stylesheet instruction", f)
		}
		if !strings.Contains(body, `href="https://hub.example.com/" rel="hub"`) {
			t.Errorf("%s lacks rel=hub", f)
		}
		if !strings.Contains(body, `href="http://127.0.0.1:8080/feed.`+string(f)+`" rel="self"`) {
			t.Errorf("%s lacks rel=self", f)
		}
		browser := get(t, p, "/feed."+string(f), "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		if ct := browser.Header().Get("Content-Type"); ct != "application/xml; charset=utf-8" {
			t.Errorf("%s for a browser: Content-Type %q, want application/xml so the stylesheet applies", f, ct)
		}
		if browser.Header().Get("ETag") == rec.Header().Get("ETag") {
			t.Errorf("%s: the browser representation shares the ETag of the feed one", f)
		}
	}
	if body := get(t, p, "/feed.json").Body.String(); !strings.Contains(body, `"type": "WebSub"`) {
		t.Errorf("feed.json lacks the WebSub hub")
	}
	for path, ctype := range map[string]string{"/tidyfeed.xsl": "text/xsl", "/tidyfeed.css": "text/css", "/sources.opml": "text/x-opml"} {
		rec := get(t, p, path)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), ctype) || rec.Body.Len() == 0 {
			t.Errorf("GET %s: %d %q, %d bytes; want 200 %s", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len(), ctype)
		}
	}
	opml := get(t, p, "/sources.opml").Body.String()
	if !strings.Contains(opml, `xmlUrl="https://blog.example.org/feed.xml"`) || strings.Contains(opml, "/srv/feeds") {
		t.Errorf("sources.opml should list the URL feeds and not the local file:\n%s", opml)
	}
}

func TestHTMLPage(t *testing.T) {
	p := New(newFake(richEntries(3)), multiOptions(t))
	for _, tt := range []struct{ path, title, feed string }{
		{"/", "<title>Merged &lt;Feed&gt; &amp; more</title>", `href="feed.atom"`},
		{"/podcasts/", "<title>Podcasts</title>", `href="../podcasts.atom"`},
	} {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, p, tt.path)
			if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("status %d, Content-Type %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			if csp := rec.Header().Get("Content-Security-Policy"); csp != PageCSP || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script") {
				t.Errorf("CSP %q", csp)
			}
			body := rec.Body.String()
			for _, s := range []string{tt.title, `<link rel="alternate" type="application/atom+xml"`, `type="application/rss+xml"`,
				`type="application/feed+json"`, tt.feed, `<article class="entry"`, `<time datetime="`} {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			if strings.Contains(strings.ToLower(body), "<script") || strings.Contains(body, " onclick") {
				t.Errorf("page has script")
			}
		})
	}
	if rec := get(t, p, "/nope/"); rec.Code != 404 {
		t.Errorf("GET /nope/: %d, want 404", rec.Code)
	}
}

// TestDefaultPageOnlyAtRoot checks that the default output's HTML page,
// whose links are relative to the site root, is served at / and not at
// /feed/, where every one of them would resolve to a missing path.
func TestDefaultPageOnlyAtRoot(t *testing.T) {
	p := New(newFake(richEntries(1)), testOptions())
	if rec := get(t, p, "/"); rec.Code != http.StatusOK {
		t.Fatalf("GET /: %d, want 200", rec.Code)
	}
	if rec := get(t, p, "/feed/"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /feed/: %d, want 404 (the page's relative links break there)", rec.Code)
	}
	if p.Handles("/feed/") {
		t.Errorf("Handles(/feed/) = true, want false so a router can send it elsewhere")
	}
}

// fakeHub is a WebSub hub that records publish pings.
type fakeHub struct {
	mu     sync.Mutex
	topics []string
	status int
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Method != http.MethodPost || r.PostForm.Get("hub.mode") != "publish" {
		http.Error(w, "bad ping", http.StatusBadRequest)
		return
	}
	h.topics = append(h.topics, r.PostForm["hub.url"]...)
	w.WriteHeader(h.status)
}

func (h *fakeHub) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.topics
	h.topics = nil
	slices.Sort(t)
	return t
}

func TestSyncPingsHubAndWritesDir(t *testing.T) {
	hub := &fakeHub{status: http.StatusNoContent}
	srv := httptest.NewServer(hub)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	fake := newFake(richEntries(2))
	o := multiOptions(t)
	o.Hub, o.Dir = srv.URL+"/hub", dir
	p := New(fake, o)

	res, err := p.Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var topics []string
	for _, name := range []string{"feed", "none", "podcasts", "tech"} {
		for _, f := range Formats {
			topics = append(topics, "http://127.0.0.1:8080/"+name+"."+string(f))
		}
	}
	slices.Sort(topics)
	if got := hub.take(); !slices.Equal(got, topics) {
		t.Errorf("first Sync pinged %v, want every output's documents %v", got, topics)
	}
	for _, rel := range []string{"feed.atom", "feed.rss", "feed.json", "index.html", "podcasts.atom", "podcasts/index.html", "tidyfeed.xsl", "tidyfeed.css", "sources.opml"} {
		if !slices.Contains(res.Written, rel) {
			t.Errorf("Sync did not write %s (wrote %v)", rel, res.Written)
		}
	}
	checkDir := func() {
		t.Helper()
		for _, f := range Formats {
			d, err := p.Render(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, "feed."+string(f)))
			if err != nil || !bytes.Equal(got, d.Body) {
				t.Errorf("%s on disk differs from what is served (%v)", f, err)
			}
		}
		filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
			if strings.HasSuffix(path, ".tmp") {
				t.Errorf("temporary file left behind: %s", path)
			}
			return nil
		})
	}
	checkDir()

	t.Run("nothing changed, nothing pinged", func(t *testing.T) {
		res, err := p.Sync(t.Context())
		if err != nil || len(res.Written)+len(res.Pinged) > 0 || len(hub.take()) > 0 {
			t.Errorf("second Sync wrote %v and pinged %v (%v), want nothing", res.Written, res.Pinged, err)
		}
	})
	t.Run("a change pings the outputs it changed", func(t *testing.T) {
		e := richEntries(1)[0] // a source-0 entry: in feed and tech, not podcasts
		e.Key, e.Title, e.Seen = "brand-new", "Brand new", baseTime.Add(3*time.Hour)
		fake.add(e)
		if _, err := p.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		got := hub.take()
		want := []string{"http://127.0.0.1:8080/feed.atom", "http://127.0.0.1:8080/feed.json", "http://127.0.0.1:8080/feed.rss",
			"http://127.0.0.1:8080/tech.atom", "http://127.0.0.1:8080/tech.json", "http://127.0.0.1:8080/tech.rss"}
		if !slices.Equal(got, want) {
			t.Errorf("pinged %v, want %v", got, want)
		}
		checkDir()
		b, _ := os.ReadFile(filepath.Join(dir, "feed.atom"))
		if !bytes.Contains(b, []byte("Brand new")) {
			t.Errorf("feed.atom on disk lacks the new entry")
		}
	})
	t.Run("a refused ping is retried", func(t *testing.T) {
		hub.status = http.StatusInternalServerError
		e := richEntries(1)[0]
		e.Key, e.Title = "newer", "Newer"
		fake.add(e)
		_, err := p.Sync(t.Context())
		var he *HubError
		if !errorsAs(err, &he) || he.Code != 500 {
			t.Fatalf("Sync error %v, want a HubError 500", err)
		}
		hub.take()
		hub.status = http.StatusAccepted
		if _, err := p.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := hub.take(); len(got) != 6 {
			t.Errorf("retry pinged %v, want the 6 documents that changed", got)
		}
	})
}

// TestSyncAfterDirChange checks that after a reload that only moves
// Options.Dir, the next Sync writes every file to the new folder, and does
// not ping the hub again for documents it already announced.
func TestSyncAfterDirChange(t *testing.T) {
	hub := &fakeHub{status: http.StatusNoContent}
	srv := httptest.NewServer(hub)
	t.Cleanup(srv.Close)
	fake := newFake(richEntries(2))
	o := testOptions()
	o.Hub, o.Dir = srv.URL+"/hub", t.TempDir()
	p := New(fake, o)
	if _, err := p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	hub.take()
	o.Dir = t.TempDir()
	p.SetOptions(o)
	res, err := p.Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"feed.atom", "feed.rss", "feed.json", "index.html", "tidyfeed.xsl", "tidyfeed.css", "sources.opml"} {
		if _, err := os.Stat(filepath.Join(o.Dir, rel)); err != nil {
			t.Errorf("after Dir changed, %s missing from the new folder: %v (Sync wrote %v)", rel, err, res.Written)
		}
	}
	if got := hub.take(); len(got) > 0 {
		t.Errorf("moving the folder pinged %v again, want no ping (no document changed)", got)
	}
}

// TestSyncWritesArchiveBeforeLinks checks that Sync writes an archive page
// before the documents that link it, so a reader of the static folder
// between two writes never follows a link to a missing file: on the first
// Sync, and when a period closes (the new page before the page that gains
// next-archive to it and before the subscription documents).
func TestSyncWritesArchiveBeforeLinks(t *testing.T) {
	o := archiveOptions()
	o.Dir = t.TempDir()
	_, p, now := archivePublisher(o, 95, 37) // entries in the open week
	before := func(res SyncResult, first, then string) {
		t.Helper()
		i, j := slices.Index(res.Written, first), slices.Index(res.Written, then)
		if i < 0 || j < 0 || i > j {
			t.Errorf("Sync wrote %s as #%d and %s, which links it, as #%d; want both, the first earlier (wrote %v)", first, i, then, j, res.Written)
		}
	}
	prev := func() string {
		t.Helper()
		return strings.TrimPrefix(renderedAtom(t, p).link("prev-archive"), o.Link)
	}

	res, err := p.Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	older := prev()
	before(res, older, "feed.atom")
	before(res, "feed.atom", "index.html")

	*now = now.Add(7 * 24 * time.Hour) // the open week closes
	if res, err = p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	newest := prev()
	if newest == older {
		t.Fatalf("no new archive page after the week closed")
	}
	before(res, newest, "feed.atom")
	before(res, newest, older) // older gained next-archive to newest
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// TestValidateArchivePages runs the shared validation kit on RFC 5005
// archive pages (fh:archive, prev/next-archive, current) and on a named
// output with a hub, in every format.
func TestValidateArchivePages(t *testing.T) {
	script := filepath.Join(moduleRoot(t), "..", "shared", "tools", "validate-feed")
	if _, err := os.Stat(script); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("validate-feed is required under CI=true: %v", err)
		}
		t.Skipf("validate-feed not available: %v", err)
	}
	if testing.Short() {
		t.Skip("runs external validators; skipped with -short")
	}
	p := New(newFake(richEntries(12)), testOptions())
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	o := multiOptions(t)
	o.Link, o.Hub, o.ArchivePeriod = srv.URL+"/", "https://hub.example.com/", 24*time.Hour
	p.SetOptions(o)

	var ad atomDoc
	if err := xml.Unmarshal(get(t, p, "/feed.atom").Body.Bytes(), &ad); err != nil {
		t.Fatal(err)
	}
	newest := ad.link("prev-archive")
	if newest == "" {
		t.Fatal("no archive page")
	}
	if err := xml.Unmarshal(get(t, p, strings.TrimPrefix(newest, srv.URL)).Body.Bytes(), &ad); err != nil {
		t.Fatal(err)
	}
	older := ad.link("prev-archive") // has a next-archive as well as a prev
	if older == "" {
		t.Fatal("only one archive page")
	}
	for _, u := range []string{older, srv.URL + "/tech.atom"} {
		for _, f := range Formats {
			u := strings.TrimSuffix(u, ".atom") + "." + string(f)
			t.Run(strings.TrimPrefix(u, srv.URL), func(t *testing.T) {
				out, err := exec.CommandContext(t.Context(), script, "--require-all", "--expect", string(f), u).CombinedOutput()
				t.Logf("%s", out)
				if err != nil || !strings.Contains(string(out), " 0 failed, 0 skipped") {
					t.Errorf("validate-feed %s: %v", u, err)
				}
			})
		}
	}
}

// TestArchiveIndexReadOnce checks that a store change does not make every
// render read all stored entries for the archive: new entries are first
// seen in the open period, which is not archived, so the index is read
// again only after ArchiveRefresh (an edit of an archived entry shows by
// then) or when a new period opens, when the closed one becomes a page.
func TestArchiveIndexReadOnce(t *testing.T) {
	fake, p, now := archivePublisher(archiveOptions(), 100, 40)
	render := func(step string) *atomDoc {
		t.Helper()
		doc, err := p.Render(t.Context(), Atom)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		var d atomDoc
		if err := xml.Unmarshal(doc.Body, &d); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return &d
	}
	fresh := func(i int) feeds.Entry {
		return feeds.Entry{Key: fmt.Sprintf("new%d", i), FeedID: testSources[0].ID, Title: fmt.Sprintf("New post %d", i),
			Link: fmt.Sprintf("https://blog.example.org/new/%d", i), Content: "<p>x</p>", Published: *now, Updated: *now, Seen: *now}
	}

	first := render("first render")
	if n := fake.fullReads.Load(); n != 1 {
		t.Fatalf("first render read all entries %d times, want 1", n)
	}
	prev := first.link("prev-archive")

	*now = now.Add(time.Minute)
	fake.add(fresh(1))
	d := render("after a new entry")
	if n := fake.fullReads.Load(); n != 1 {
		t.Errorf("a new entry in the open period made the render read all entries again (%d reads)", n)
	}
	if want := entryID(testSources[0].ID, "new1"); len(d.Entries) == 0 || d.Entries[0].ID != want || d.link("prev-archive") != prev {
		t.Errorf("after a new entry: entries %v, prev-archive %q; want %s first and %q", d.Entries, d.link("prev-archive"), want, prev)
	}

	*now = now.Add(ArchiveRefresh)
	fake.add(fresh(2))
	render("after ArchiveRefresh")
	if n := fake.fullReads.Load(); n != 2 {
		t.Errorf("a change ArchiveRefresh after the build read all entries %d times in all, want 2", n)
	}

	*now = now.Add(7 * 24 * time.Hour) // the open week closes
	fake.add(fresh(3))
	d = render("in the next period")
	if n := fake.fullReads.Load(); n != 3 {
		t.Errorf("a new period read all entries %d times in all, want 3", n)
	}
	if got := d.link("prev-archive"); got == prev || got == "" {
		t.Errorf("in the next period prev-archive is %q; want the week that just closed, not %q", got, prev)
	}
}

// TestPeriodClosesWithoutStoreChange: when the open archive period
// closes while the store stands still, the subscription document links
// the period that just closed as its prev-archive, whether it is rendered
// or served, without waiting for the next stored entry.
func TestPeriodClosesWithoutStoreChange(t *testing.T) {
	fake, p, now := archivePublisher(archiveOptions(), 100, 40)
	fake.add(feeds.Entry{Key: "open", FeedID: testSources[0].ID, Title: "In the open week",
		Link: "https://blog.example.org/open", Content: "<p>x</p>", Published: *now, Updated: *now, Seen: *now})
	parse := func(step string, body []byte) *atomDoc {
		t.Helper()
		var d atomDoc
		if err := xml.Unmarshal(body, &d); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return &d
	}
	rendered := func(step string) string {
		t.Helper()
		doc, err := p.Render(t.Context(), Atom)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return parse(step, doc.Body).link("prev-archive")
	}
	served := func(step string) string {
		t.Helper()
		w := httptest.NewRecorder()
		p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/feed.atom", nil))
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", step, w.Code)
		}
		return parse(step, w.Body.Bytes()).link("prev-archive")
	}

	before := rendered("before the week closes")
	if got := served("served before the week closes"); got != before {
		t.Fatalf("served prev-archive %q, rendered %q", got, before)
	}
	*now = now.Add(7 * 24 * time.Hour) // the open week closes; nothing is stored
	o := archiveOptions()
	closed := o.Link + docPath(DefaultOutput, Atom, periodOf(now.Add(-7*24*time.Hour), o.ArchivePeriod), o.ArchivePeriod)
	if got := served("served after the week closed"); got != closed {
		t.Errorf("served after the week closed: prev-archive %q, want the week that closed, %q (was %q)", got, closed, before)
	}
	if got := rendered("rendered after the week closed"); got != closed {
		t.Errorf("rendered after the week closed: prev-archive %q, want %q", got, closed)
	}
}

// TestLastModifiedMovesWhenPeriodCloses checks that when the open archive
// period closes with no store change, the subscription document, which
// now links one more archive page, gets a later Last-Modified (the moment
// the period closed), so a client revalidating with If-Modified-Since
// alone is not told 304.
func TestLastModifiedMovesWhenPeriodCloses(t *testing.T) {
	fake, p, now := archivePublisher(archiveOptions(), 95, 37) // entries in the open week
	fake.changed = fake.entries[len(fake.entries)-1].Seen      // the store last changed when the last entry arrived
	first := get(t, p, "/feed.atom")
	lm := first.Header().Get("Last-Modified")
	*now = now.Add(7 * 24 * time.Hour) // the open week closes; nothing stored
	second := get(t, p, "/feed.atom")
	if first.Header().Get("ETag") == second.Header().Get("ETag") {
		t.Fatalf("document did not change when the period closed")
	}
	period := archiveOptions().ArchivePeriod
	closed := time.Unix(periodOf(*now, period)*int64(period/time.Second), 0).UTC().Format(http.TimeFormat)
	if got := second.Header().Get("Last-Modified"); got != closed {
		t.Errorf("after the period closed, Last-Modified %q (was %q), want when it closed, %q", got, lm, closed)
	}
	if cond := get(t, p, "/feed.atom", "If-Modified-Since", lm); cond.Code != http.StatusOK {
		t.Errorf("If-Modified-Since %q after the period closed: status %d, want 200 (the body changed)", lm, cond.Code)
	}
}

// TestPeriodEnds: PeriodEnds is the first instant of the next archive
// period, by the publisher's clock and options.
func TestPeriodEnds(t *testing.T) {
	o := archiveOptions() // weekly; periods start at the Unix epoch, a Thursday
	_, p, now := archivePublisher(o, 1, 0)
	*now = time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC) // a Wednesday
	want := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	if got := p.PeriodEnds(); !got.Equal(want) {
		t.Errorf("PeriodEnds on Wednesday evening = %v, want %v", got, want)
	}
	*now = want // the new period has begun
	if got := p.PeriodEnds(); !got.Equal(want.Add(7 * 24 * time.Hour)) {
		t.Errorf("PeriodEnds at the start of a period = %v, want a week later", got)
	}
	o.ArchivePeriod = 24 * time.Hour
	p.SetOptions(o)
	if got := p.PeriodEnds(); !got.Equal(want.Add(24 * time.Hour)) {
		t.Errorf("daily PeriodEnds = %v, want %v", got, want.Add(24*time.Hour))
	}
}

// TestArchiveIndexKeptOnRename: a feed learning its title re-renders the
// documents but keeps the archive index; a new archive period, a filter
// or a different set of sources reads the entries again.
func TestArchiveIndexKeptOnRename(t *testing.T) {
	o := archiveOptions()
	fake, p, _ := archivePublisher(o, 50, 30) // the subscription document reads its 10, not all
	reads := func(step string, want int64) {
		t.Helper()
		if _, err := p.Render(t.Context(), Atom); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if got := fake.fullReads.Load(); got != want {
			t.Errorf("%s: %d full reads in all, want %d", step, got, want)
		}
	}
	reads("first render", 1)

	renamed := o
	renamed.Sources = slices.Clone(o.Sources)
	renamed.Sources[2].Name = "Local notes"
	p.SetOptions(renamed)
	reads("after a source learned its title", 1)

	weekly := renamed
	weekly.ArchivePeriod = 14 * 24 * time.Hour
	p.SetOptions(weekly)
	reads("after a new archive period", 2)

	fewer := weekly
	fewer.Sources = weekly.Sources[:2]
	p.SetOptions(fewer)
	reads("after a source was removed", 3)
}

// TestArchiveFilterMatchesPublishedName checks that a feed-name filter
// rule matches the same name in the archive index as in the documents
// (sourceName), so a feed whose entries a document shows also has its
// closed weeks archived.
func TestArchiveFilterMatchesPublishedName(t *testing.T) {
	for _, tc := range []struct {
		name    string
		src     SourceInfo
		include string
	}{
		{"spaced name", SourceInfo{ID: testSources[0].ID, Name: "Daily  News", FeedURL: testSources[0].FeedURL}, `^Daily News$`},
		{"local file", SourceInfo{ID: "file:/srv/feeds/local.atom"}, `^unnamed feed$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := filter.Compile(filter.Rules{Include: []filter.Rule{{Field: filter.FeedName, Pattern: tc.include}}})
			if err != nil {
				t.Fatal(err)
			}
			o := archiveOptions()
			o.Sources = []SourceInfo{tc.src}
			o.Filter = set
			fake, p, _ := archivePublisher(o, 100, 40)
			for i := range fake.entries {
				fake.entries[i].FeedID = tc.src.ID
			}
			d := renderedAtom(t, p)
			if len(d.Entries) == 0 {
				t.Fatalf("subscription document has no entries; the filter should let the feed through")
			}
			if d.link("prev-archive") == "" {
				t.Errorf("subscription document shows %d entries of the feed, but links no archive page: the archive index filtered every closed week out",
					len(d.Entries))
			}
		})
	}
}

// archiveOptions are testOptions with 10 items per document and weekly
// archive pages.
func archiveOptions() Options {
	o := testOptions()
	o.MaxItems = 10
	o.ArchivePeriod = 7 * 24 * time.Hour
	return o
}

// archivePublisher returns a publisher with options o of n entries spread
// over weeks from 2026-01-05 (weeks), with its fake store and its clock,
// which starts days after the first entry; setting *now moves the clock.
func archivePublisher(o Options, n, days int) (*fakeEntries, *Publisher, *time.Time) {
	start := time.Date(2026, 1, 5, 3, 0, 0, 0, time.UTC)
	fake := newFake(weeks(start, n))
	p, now := clockedPublisher(fake, o, start.Add(time.Duration(days)*24*time.Hour))
	return fake, p, now
}
