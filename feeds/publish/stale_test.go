package publish

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/filter"
)

// gatedEntries is a fakeEntries whose Recent, once gated, announces itself
// on entered and waits for release: a render that takes as long as the
// test wants.
type gatedEntries struct {
	*fakeEntries
	gated   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (g *gatedEntries) Recent(ctx context.Context, ids []string, limit int) ([]feeds.Entry, error) {
	if g.gated.Load() {
		g.entered <- struct{}{}
		<-g.release
	}
	return g.fakeEntries.Recent(ctx, ids, limit)
}

// newGated returns a publisher over fake behind a gate, serving a previous
// document only while another request renders (no MaxStale).
func newGated(fake *fakeEntries) (*Publisher, *gatedEntries) {
	g := &gatedEntries{fakeEntries: fake, entered: make(chan struct{}), release: make(chan struct{})}
	p := New(g, testOptions())
	p.maxStale = 0
	return p, g
}

// startRender closes the gate and starts a request that renders; it
// returns once that request holds the render lock, waiting at the gate.
func (g *gatedEntries) startRender(t *testing.T, p *Publisher) <-chan string {
	g.gated.Store(true)
	leader := getAtomAsync(t, p)
	<-g.entered
	return leader
}

// finish lets the waiting render go on; later renders pass the gate.
func (g *gatedEntries) finish() {
	g.gated.Store(false)
	close(g.release)
}

func getAtom(t *testing.T, p *Publisher) (status int, body string) {
	t.Helper()
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/feed.atom", nil))
	return w.Code, w.Body.String()
}

// getAtomAsync is getAtom in a goroutine; the body arrives on the channel.
func getAtomAsync(t *testing.T, p *Publisher) <-chan string {
	ch := make(chan string, 1)
	go func() {
		_, body := getAtom(t, p)
		ch <- body
	}()
	return ch
}

// TestServeStaleWhileRendering: while one request renders a changed store,
// other requests get the previous document at once instead of queueing;
// the next request after the render gets the new one, and Render never
// returns an old document.
func TestServeStaleWhileRendering(t *testing.T) {
	fake := newFake(richEntries(2))
	p, g := newGated(fake) // only the render under way makes a document stale-servable
	_, before := getAtom(t, p)

	fake.add(feeds.Entry{Key: "new", FeedID: testSources[0].ID, Title: "Brand new entry", Link: "https://blog.example.org/new",
		Content: "<p>new</p>", Published: baseTime.Add(time.Hour), Updated: baseTime.Add(time.Hour)})
	leader := g.startRender(t, p)

	served := getAtomAsync(t, p)
	select {
	case body := <-served:
		if body != before {
			t.Errorf("follower during a render: got a document other than the previous one")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("follower queued behind the render instead of serving the previous document")
	}

	rendered := make(chan Document)
	go func() {
		d, err := p.Render(context.Background(), Atom)
		if err != nil {
			t.Error(err)
		}
		rendered <- d
	}()
	select {
	case <-rendered:
		t.Fatal("Render returned while a render of newer entries was under way; want it to wait for the new document")
	case <-time.After(100 * time.Millisecond):
	}

	g.finish()
	body := <-leader
	if !strings.Contains(body, "Brand new entry") {
		t.Errorf("the rendering request did not get the new entries")
	}
	if d := <-rendered; !strings.Contains(string(d.Body), "Brand new entry") {
		t.Errorf("Render after the change did not return the new entries")
	}
	if _, after := getAtom(t, p); after != body {
		t.Errorf("a request after the render did not get the new document")
	}
}

// TestServeNoStaleAcrossOptions: a document rendered with older options is
// never served, even while another render is under way.
func TestServeNoStaleAcrossOptions(t *testing.T) {
	p, g := newGated(newFake(richEntries(1)))
	getAtom(t, p)
	opts := testOptions()
	opts.Title = "Renamed output"
	p.SetOptions(opts)

	leader := g.startRender(t, p)
	follower := getAtomAsync(t, p)
	select {
	case <-follower:
		t.Fatal("a request was answered during the render although the only cached document has the old options")
	case <-time.After(100 * time.Millisecond):
	}
	g.finish()
	for _, body := range []string{<-leader, <-follower} {
		if !strings.Contains(body, "Renamed output") {
			t.Errorf("served a document without the new title")
		}
	}
}

// TestServeRendersAtMostOncePerMaxStale: with the store changing before
// every request, ServeHTTP keeps serving the document it rendered until
// MaxStale has passed, then renders the current entries.
func TestServeRendersAtMostOncePerMaxStale(t *testing.T) {
	fake := newFake(richEntries(1))
	p, now := clockedPublisher(fake, testOptions(), baseTime)
	_, first := getAtom(t, p)
	calls := fake.recentCalls.Load()
	for i := range 20 {
		fake.add(feeds.Entry{Key: fmt.Sprint("burst-", i), FeedID: testSources[0].ID, Title: fmt.Sprint("Burst ", i),
			Link: fmt.Sprint("https://blog.example.org/b", i), Published: baseTime.Add(time.Hour), Updated: baseTime.Add(time.Hour)})
		*now = now.Add(MaxStale / 40)
		if _, body := getAtom(t, p); body != first {
			t.Fatalf("request %d, %v after the render: re-rendered; want the previous document until MaxStale", i, now.Sub(baseTime))
		}
	}
	if got := fake.recentCalls.Load(); got != calls {
		t.Errorf("the store was read %d times within MaxStale; want 0", got-calls)
	}
	*now = now.Add(MaxStale)
	if _, body := getAtom(t, p); body != first {
		t.Errorf("%v after the render, within twice MaxStale: re-rendered; want the previous document", now.Sub(baseTime))
	}
	*now = now.Add(MaxStale)
	if _, body := getAtom(t, p); !strings.Contains(body, "Burst 19") {
		t.Errorf("after twice MaxStale the served document lacks the newest entry")
	}
	if d, err := p.Render(context.Background(), Atom); err != nil || !strings.Contains(string(d.Body), "Burst 19") {
		t.Errorf("Render is not current: err %v", err)
	}
}

// TestRefreshRendersServedDocuments: after a change, Refresh renders the
// documents readers were served in the last two MaxStale, so the next
// request gets the new document without rendering; a document only
// rendered (never served), or served longer ago, is left for its next
// request.
func TestRefreshRendersServedDocuments(t *testing.T) {
	fake := newFake(richEntries(1))
	p, now := clockedPublisher(fake, testOptions(), baseTime)
	ctx := context.Background()
	getAtom(t, p)                                 // served: hot
	if _, err := p.Render(ctx, RSS); err != nil { // rendered, never served
		t.Fatal(err)
	}
	fake.add(feeds.Entry{Key: "new", FeedID: testSources[0].ID, Title: "Fresh entry", Link: "https://blog.example.org/fresh",
		Published: baseTime.Add(time.Hour), Updated: baseTime.Add(time.Hour)})
	*now = now.Add(MaxStale / 2)
	calls := fake.recentCalls.Load()
	if err := p.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := fake.recentCalls.Load() - calls; got != 1 {
		t.Errorf("Refresh read the store %d times; want 1 (the served Atom document only)", got)
	}
	calls = fake.recentCalls.Load()
	if _, body := getAtom(t, p); !strings.Contains(body, "Fresh entry") {
		t.Error("after Refresh the served document lacks the new entry")
	}
	if got := fake.recentCalls.Load() - calls; got != 0 {
		t.Errorf("the request after Refresh read the store %d times; want 0", got)
	}

	// Served, then not read for longer than two MaxStale: not refreshed.
	fake.add(feeds.Entry{Key: "newer", FeedID: testSources[0].ID, Title: "Fresher entry", Link: "https://blog.example.org/fresher",
		Published: baseTime.Add(2 * time.Hour), Updated: baseTime.Add(2 * time.Hour)})
	*now = now.Add(3 * MaxStale)
	calls = fake.recentCalls.Load()
	if err := p.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := fake.recentCalls.Load() - calls; got != 0 {
		t.Errorf("Refresh read the store %d times for a document not read lately; want 0", got)
	}
}

// TestServeRenameLikeStoreChange: options that only rename a source (a
// feed learned its title) do not force a render per request: within
// MaxStale the previous document is served, then the new name; Render is
// exact at once.
func TestServeRenameLikeStoreChange(t *testing.T) {
	fake := newFake(richEntries(1))
	p, now := clockedPublisher(fake, testOptions(), baseTime)
	_, first := getAtom(t, p)
	calls := fake.recentCalls.Load()

	renamed := testOptions()
	renamed.Sources[0].Name = "A Learned Title"
	p.SetOptions(renamed)
	*now = now.Add(MaxStale / 2)
	if _, body := getAtom(t, p); body != first {
		t.Errorf("a rename within MaxStale of the last render re-rendered; want the previous document")
	}
	if got := fake.recentCalls.Load(); got != calls {
		t.Errorf("a rename within MaxStale read the store %d times; want 0", got-calls)
	}
	if d, err := p.Render(context.Background(), Atom); err != nil || !strings.Contains(string(d.Body), "A Learned Title") {
		t.Errorf("Render after a rename lacks the new name (err %v)", err)
	}
	*now = now.Add(MaxStale)
	if _, body := getAtom(t, p); !strings.Contains(body, "A Learned Title") {
		t.Errorf("after MaxStale the served document lacks the new name")
	}
}

// walkGated is a fakeEntries whose first Walk (the archive index's read)
// announces itself on entered and waits for release.
type walkGated struct {
	*fakeEntries
	entered, release chan struct{}
	once             sync.Once
}

func (g *walkGated) Walk(ctx context.Context, ids []string, fn func(feeds.Entry) error) error {
	g.once.Do(func() {
		g.entered <- struct{}{}
		<-g.release
	})
	return g.fakeEntries.Walk(ctx, ids, fn)
}

// TestRenameDuringRenderDropsStaleIndex checks that a rename which changes
// the archive (a filter matches feed names), made while a render is
// building the archive index with the old names, does not leave that
// index behind for later renders.
func TestRenameDuringRenderDropsStaleIndex(t *testing.T) {
	hide, err := filter.Compile(filter.Rules{Exclude: []filter.Rule{{Field: filter.FeedName, Pattern: `Hidden`}}})
	if err != nil {
		t.Fatal(err)
	}
	o := archiveOptions()
	o.Sources = []SourceInfo{{ID: testSources[0].ID, Name: "Blog", FeedURL: testSources[0].FeedURL}}
	o.Filter = hide
	fake, _, now := archivePublisher(o, 100, 40)
	g := &walkGated{fakeEntries: fake, entered: make(chan struct{}), release: make(chan struct{})}
	p := New(g, o)
	p.now = func() time.Time { return *now }

	done := make(chan error, 1)
	go func() { _, err := p.Render(context.Background(), Atom); done <- err }()
	<-g.entered
	renamed := o
	renamed.Sources = slices.Clone(o.Sources)
	renamed.Sources[0].Name = "Hidden Blog" // the feed learned its title; the filter now hides it
	p.SetOptions(renamed)
	close(g.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	doc, err := p.Render(t.Context(), Atom)
	if err != nil {
		t.Fatal(err)
	}
	fresh := New(fake, renamed)
	fresh.now = p.now
	want, err := fresh.Render(t.Context(), Atom)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc.Body, want.Body) {
		var d atomDoc
		if err := xml.Unmarshal(doc.Body, &d); err != nil {
			t.Fatal(err)
		}
		t.Errorf("after the rename, Render differs from a fresh publisher's: %d entries, prev-archive %q (a stale archive index)",
			len(d.Entries), d.link("prev-archive"))
	}
}
