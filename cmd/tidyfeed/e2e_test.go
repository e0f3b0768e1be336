package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata baselines from this run")

// publisher is a loopback feed server that honours validators and records
// the conditional headers of every request.
type publisher struct {
	mu       sync.Mutex
	docs     map[string]string // path → body
	requests []*http.Request
}

func newPublisher(t *testing.T, docs map[string]string) (*publisher, *httptest.Server) {
	t.Helper()
	p := &publisher{docs: docs}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

func (p *publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.requests = append(p.requests, r.Clone(context.Background()))
	body, ok := p.docs[r.URL.Path]
	p.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%x"`, len(body))
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", contentType(r.URL.Path))
	fmt.Fprint(w, body)
}

func (p *publisher) set(path, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.docs[path] = body
}

// take returns and forgets the recorded requests.
func (p *publisher) take() []*http.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.requests
	p.requests = nil
	return r
}

func contentType(path string) string {
	switch filepath.Ext(path) {
	case ".json":
		return "application/feed+json"
	case ".atom":
		return "application/atom+xml"
	}
	return "application/rss+xml; charset=utf-8"
}

const rssDoc = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback RSS</title><link>https://rss.example/</link><description>d</description>
<item><title>RSS one</title><link>https://rss.example/1?utm_source=feed</link><guid>rss-1</guid>
<pubDate>Mon, 02 Nov 2026 10:00:00 +0000</pubDate><description>&lt;p&gt;First RSS story, with enough words to be an article.&lt;/p&gt;</description></item>
<item><title>RSS two</title><link>https://rss.example/2</link><guid>rss-2</guid>
<pubDate>Tue, 03 Nov 2026 10:00:00 +0000</pubDate><description>&lt;p&gt;Second RSS story.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description></item>
</channel></rss>`

const atomDoc = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/blog/"><title>Loopback Atom</title>
<id>urn:x-test:atom</id><updated>2026-11-04T10:00:00Z</updated><link href="https://atom.example/"/>
<entry><title>Atom one</title><id>urn:x-test:a1</id><updated>2026-11-04T10:00:00Z</updated><link href="posts/1"/>
<content type="html">&lt;p&gt;Atom body with a &lt;a href="rel/link"&gt;relative link&lt;/a&gt;.&lt;/p&gt;</content></entry>
</feed>`

const jsonDoc = `{"version":"https://jsonfeed.org/version/1.1","title":"Loopback JSON","home_page_url":"https://json.example/",
"items":[{"id":"j1","url":"https://json.example/1","title":"JSON one","content_text":"Plain text body.\n\nSecond paragraph.","date_published":"2026-11-05T10:00:00Z"}]}`

// writeConfig writes a feeds.yaml for feed URLs (on loopback) and returns its path.
func writeConfig(t *testing.T, dir, listen string, urls ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %q\ndata: tidyfeed.db\nfetch:\n  allow_private_networks: true\n  timeout: 5s\n", listen)
	fmt.Fprintf(&b, "output:\n  title: Test output\n  link: http://%s/\nfeeds:\n", listen)
	for _, u := range urls {
		fmt.Fprintf(&b, "  - url: %s\n", u)
	}
	path := filepath.Join(dir, "feeds.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// tidyfeed runs a subcommand in-process and returns its output.
func tidyfeed(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

type jsonFeed struct {
	Title string `json:"title"`
	Items []struct {
		ID          string `json:"id"`
		URL         string `json:"url"`
		Title       string `json:"title"`
		ContentHTML string `json:"content_html"`
	} `json:"items"`
}

func exportJSON(t *testing.T, config string) jsonFeed {
	t.Helper()
	out, stderr, err := tidyfeed(t, "export", "-config", config, "-format", "json")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	var f jsonFeed
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	return f
}

func TestPollExportPollAgain(t *testing.T) {
	pub, srv := newPublisher(t, map[string]string{"/a.rss": rssDoc, "/b.atom": atomDoc, "/c.json": jsonDoc})
	config := writeConfig(t, t.TempDir(), "127.0.0.1:8080", srv.URL+"/a.rss", srv.URL+"/b.atom", srv.URL+"/c.json")

	out, stderr, err := tidyfeed(t, "poll", "-config", config)
	if err != nil {
		t.Fatalf("first poll: %v\n%s%s", err, out, stderr)
	}
	if !strings.Contains(out, "3 feeds: 4 new entries, 0 updated, 0 failed") {
		t.Errorf("first poll summary:\n%s", out)
	}
	for _, r := range pub.take() {
		if r.Header.Get("If-None-Match") != "" {
			t.Errorf("first request to %s was conditional", r.URL.Path)
		}
		if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "tidyfeed/") {
			t.Errorf("User-Agent = %q, want tidyfeed/...", ua)
		}
	}

	feed := exportJSON(t, config)
	if len(feed.Items) != 4 {
		t.Fatalf("export has %d items, want 4", len(feed.Items))
	}
	byTitle := map[string]int{}
	for i, it := range feed.Items {
		byTitle[it.Title] = i
		if strings.Contains(it.ContentHTML, "<script") {
			t.Errorf("item %q carries script: %s", it.Title, it.ContentHTML)
		}
	}
	if feed.Items[0].Title != "JSON one" {
		t.Errorf("newest item = %q, want JSON one (newest first)", feed.Items[0].Title)
	}
	atom := feed.Items[byTitle["Atom one"]]
	if atom.URL != "https://atom.example/blog/posts/1" || !strings.Contains(atom.ContentHTML, `href="https://atom.example/blog/posts/rel/link"`) &&
		!strings.Contains(atom.ContentHTML, `href="https://atom.example/blog/rel/link"`) {
		t.Errorf("Atom entry not resolved against xml:base: url %q, content %s", atom.URL, atom.ContentHTML)
	}
	if got := feed.Items[byTitle["RSS one"]].URL; got != "https://rss.example/1" {
		t.Errorf("RSS link = %q, want tracking parameters removed", got)
	}
	if got := feed.Items[byTitle["JSON one"]].ContentHTML; !strings.Contains(got, "<p>Plain text body.</p>") || !strings.Contains(got, "<p>Second paragraph.</p>") {
		t.Errorf("JSON content_text not turned into paragraphs: %s", got)
	}

	// The second poll is conditional, answered 304, and adds nothing.
	out, stderr, err = tidyfeed(t, "poll", "-config", config)
	if err != nil {
		t.Fatalf("second poll: %v\n%s%s", err, out, stderr)
	}
	reqs := pub.take()
	if len(reqs) != 3 {
		t.Fatalf("second poll made %d requests, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.Header.Get("If-None-Match") == "" {
			t.Errorf("second request to %s sent no If-None-Match", r.URL.Path)
		}
	}
	if strings.Count(out, "not-modified") != 3 || !strings.Contains(out, "0 new entries, 0 updated") {
		t.Errorf("second poll summary:\n%s", out)
	}

	// An edited entry updates in place instead of adding another.
	pub.set("/a.rss", strings.Replace(rssDoc, "First RSS story", "First RSS story, corrected", 1))
	out, _, err = tidyfeed(t, "poll", "-config", config)
	if err != nil || !strings.Contains(out, "0 new entries, 1 updated") {
		t.Errorf("poll after edit: err %v\n%s", err, out)
	}
	feed = exportJSON(t, config)
	if len(feed.Items) != 4 {
		t.Errorf("after the edit the export has %d items, want 4", len(feed.Items))
	}
	for _, it := range feed.Items {
		if it.Title == "RSS one" && !strings.Contains(it.ContentHTML, "corrected") {
			t.Errorf("edited entry still shows the old body: %s", it.ContentHTML)
		}
	}
}

func TestPollFailures(t *testing.T) {
	_, srv := newPublisher(t, map[string]string{"/ok.rss": rssDoc, "/broken.rss": "<rss><channel><item>"})
	dir := t.TempDir()

	config := writeConfig(t, dir, "127.0.0.1:8080", srv.URL+"/ok.rss", srv.URL+"/missing.rss", srv.URL+"/broken.rss")
	out, _, err := tidyfeed(t, "poll", "-config", config)
	if err != nil {
		t.Fatalf("poll with one good feed: %v\n%s", err, out)
	}
	if !strings.Contains(out, "404") || strings.Count(out, "error") < 2 {
		t.Errorf("poll output should name both failures:\n%s", out)
	}

	config = writeConfig(t, dir, "127.0.0.1:8080", srv.URL+"/missing.rss")
	if _, _, err := tidyfeed(t, "poll", "-config", config); err == nil {
		t.Error("poll where every feed failed exited 0")
	}
	// The good feed's entries survive the failed polls.
	config = writeConfig(t, dir, "127.0.0.1:8080", srv.URL+"/ok.rss")
	if feed := exportJSON(t, config); len(feed.Items) != 2 {
		t.Errorf("after failures the export has %d items, want 2", len(feed.Items))
	}
}

func TestCheckReportsEveryError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feeds.yaml")
	bad := "intervall: 30m\nfetch:\n  timeout: soon\nfeeds:\n  - url: https://a.example/feed\n  - url: https://a.example/feed\n  - url: ftp://b.example/x\n"
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := tidyfeed(t, "check", "-config", path)
	if err == nil {
		t.Fatal("check accepted a broken config")
	}
	for _, want := range []string{":1:1:", "intervall", ":3:12:", ":6:", "duplicate", ":7:", "ftp"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("check output lacks %q:\n%s", want, stderr)
		}
	}
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitFor polls cond every 50ms until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func getJSON(addr string) (jsonFeed, int) {
	var f jsonFeed
	resp, err := http.Get("http://" + addr + "/feed.json")
	if err != nil {
		return f, 0
	}
	defer resp.Body.Close()
	if json.NewDecoder(resp.Body).Decode(&f) != nil {
		return f, resp.StatusCode
	}
	return f, resp.StatusCode
}

func TestDaemonServesAndReloads(t *testing.T) {
	_, srv := newPublisher(t, map[string]string{"/a.rss": rssDoc, "/b.atom": atomDoc})
	dir := t.TempDir()
	addr := freeAddr(t)
	config := writeConfig(t, dir, addr, srv.URL+"/a.rss")

	ctx, cancel := context.WithCancel(t.Context())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run", "-config", config}, &logs, &logs) }()

	waitFor(t, "the first feed to be served", 10*time.Second, func() bool {
		f, _ := getJSON(addr)
		return len(f.Items) == 2
	})
	// The feed has no name in feeds.yaml: the outputs name it by the
	// title its first poll learned.
	waitFor(t, "the feed to be named by its own title", 10*time.Second, func() bool {
		code, body := fetchURL("http://" + addr + "/sources.opml")
		return code == http.StatusOK && strings.Contains(body, `text="Loopback RSS"`)
	})

	// An edit saved by atomic rename adds a feed without a restart.
	tmp := filepath.Join(dir, ".feeds.yaml.tmp")
	next := writeConfig(t, t.TempDir(), addr, srv.URL+"/a.rss", srv.URL+"/b.atom")
	data, _ := os.ReadFile(next)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, config); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the added feed to be served", 10*time.Second, func() bool {
		f, _ := getJSON(addr)
		return len(f.Items) == 3
	})

	// A broken edit in place is rejected; the daemon keeps the last good config.
	if err := os.WriteFile(config, []byte("feeds:\n  - url: [not a url\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the broken edit to be reported", 10*time.Second, func() bool {
		return strings.Contains(logs.String(), "config edit rejected")
	})
	if f, code := getJSON(addr); code != http.StatusOK || len(f.Items) != 3 {
		t.Errorf("after a broken edit: status %d, %d items, want 200 and 3", code, len(f.Items))
	}
	if !regexp.MustCompile(`feeds\.yaml:\d+:\d+: `).MatchString(logs.String()) {
		t.Errorf("rejection does not name file and line:\n%s", logs.String())
	}

	// An in-place edit that removes a feed takes it out of the output.
	if err := os.WriteFile(config, []byte(strings.Replace(string(data), "  - url: "+srv.URL+"/a.rss\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the removed feed to leave the output", 10*time.Second, func() bool {
		f, _ := getJSON(addr)
		return len(f.Items) == 1
	})

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after cancel", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}

// syncBuffer is a bytes.Buffer safe for the daemon's concurrent logging.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
