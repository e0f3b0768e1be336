package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// blogDoc is an RSS feed of n posts, newest first: every fifth is
// "Sponsored", and one more is dated years ahead (a typo).
func blogDoc(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Tech Blog</title><link>https://blog.example.com/</link><description>posts</description>
<item><title>From the future</title><link>https://blog.example.com/future</link><guid>future</guid><pubDate>Mon, 01 Jan 2035 10:00:00 +0000</pubDate><description>&lt;p&gt;Typo year.&lt;/p&gt;</description></item>
`)
	start := time.Now().Add(-2 * time.Hour)
	for i := range n {
		title := fmt.Sprintf("Post %d about Go", i)
		if i%5 == 4 {
			title = fmt.Sprintf("Sponsored: buy thing %d", i)
		}
		fmt.Fprintf(&b, "<item><title>%s</title><link>https://blog.example.com/p/%d</link><guid>p%d</guid><pubDate>%s</pubDate>"+
			"<category>golang</category><description>&lt;p&gt;Body of post %d, long enough to read.&lt;/p&gt;</description></item>\n",
			title, i, i, start.Add(-time.Duration(i)*time.Hour).UTC().Format(time.RFC1123Z), i)
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

const podcastDoc = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>The Show</title><link>https://show.example.com/</link><description>a podcast</description>
<itunes:author>Show Host</itunes:author>
<item><title>Episode 3</title><link>https://show.example.com/3</link><guid>ep3</guid><pubDate>Tue, 24 Nov 2026 08:00:00 +0000</pubDate>
<description>&lt;p&gt;Third episode notes.&lt;/p&gt;</description><enclosure url="https://cdn.example.com/ep3.mp3" length="31234567" type="audio/mpeg"/><itunes:duration>41:02</itunes:duration></item>
<item><title>Episode 2</title><link>https://show.example.com/2</link><guid>ep2</guid><pubDate>Tue, 17 Nov 2026 08:00:00 +0000</pubDate>
<description>&lt;p&gt;Second episode notes.&lt;/p&gt;</description><enclosure url="https://cdn.example.com/ep2.mp3" length="29876543" type="audio/mpeg"/></item>
<item><title>Episode 1</title><link>https://show.example.com/1</link><guid>ep1</guid><pubDate>Tue, 10 Nov 2026 08:00:00 +0000</pubDate>
<description>&lt;p&gt;First episode notes.&lt;/p&gt;</description><enclosure url="https://cdn.example.com/ep1.mp3" length="28765432" type="audio/mpeg"/></item>
</channel></rss>
`

// hubRecorder is a WebSub hub that records the topics it is pinged with.
type hubRecorder struct {
	mu     sync.Mutex
	topics map[string]int
}

func (h *hubRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost || r.PostForm.Get("hub.mode") != "publish" {
		http.Error(w, "bad ping", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, u := range r.PostForm["hub.url"] {
		h.topics[u]++
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *hubRecorder) count(topic string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.topics[topic]
}

// outputsDaemon runs a daemon with two sources, a global and a per-output
// filter, two named outputs, a static folder and a hub. It returns the
// base URL, the static folder, the hub and the config path.
func outputsDaemon(t *testing.T) (base, public string, hub *hubRecorder, config string) {
	t.Helper()
	_, src := newPublisher(t, map[string]string{"/blog.rss": blogDoc(60), "/show.rss": podcastDoc})
	hub = &hubRecorder{topics: map[string]int{}}
	hubSrv := httptest.NewServer(hub)
	t.Cleanup(hubSrv.Close)
	dir := t.TempDir()
	public = filepath.Join(dir, "public")
	addr := freeAddr(t)
	base = "http://" + addr
	yaml := fmt.Sprintf(`# outputs test
listen: %q
data: tidyfeed.db
fetch:
  allow_private_networks: true
output:
  title: Everything
  link: %s/
  dir: public
  hub: %s/hub
filters:
  exclude:
    - title: "^Sponsored"
  future: drop
feeds:
  - url: %s/blog.rss
    name: Tech Blog
    tags: [tech]
    filters:
      backlog: 20
  - url: %s/show.rss
    name: The Show
    tags: [podcast]
outputs:
  - name: tech
    title: Tech only
    tags: [tech]
  - name: shows
    title: Shows
    feeds: [The Show]
    filters:
      exclude: [{title: "^Episode 2$"}]
`, addr, base, hubSrv.URL, src.URL, src.URL)
	config = filepath.Join(dir, "feeds.yaml")
	if err := os.WriteFile(config, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	runDaemon(t, config)
	// Every output is waited for, in every format: a document rendered
	// before the last poll stored may be served for up to
	// 2*publish.MaxStale.
	waitFor(t, "both feeds published and pinged", 15*time.Second, func() bool {
		for name, marker := range map[string]string{"feed": "Post 0 about Go", "tech": "Post 0 about Go", "shows": "Episode 3"} {
			for _, format := range []string{"atom", "rss", "json"} {
				if code, body := fetchURL(base + "/" + name + "." + format); code != 200 || !strings.Contains(body, marker) {
					return false
				}
			}
		}
		_, all := fetchURL(base + "/feed.json")
		return strings.Contains(all, "Episode 3") && hub.count(base+"/tech.atom") > 0 && hub.count(base+"/shows.atom") > 0
	})
	return base, public, hub, config
}

func fetchURL(u string, header ...string) (int, string) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, ""
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestOutputsEndToEnd runs the daemon with several outputs, filters that
// drop, a static folder and a WebSub hub, and checks each from outside.
func TestOutputsEndToEnd(t *testing.T) {
	base, public, hub, config := outputsDaemon(t)

	for _, tt := range []struct {
		path      string
		has, lack []string
	}{
		{"/tech.atom", []string{"<title>Tech only</title>", `term="tech"`, `term="golang"`, "Post 0 about Go", `rel="hub"`, `rel="self"`},
			[]string{"Episode", "Sponsored", "From the future"}},
		{"/shows.rss", []string{"<title>Shows</title>", `<enclosure url="https://cdn.example.com/ep3.mp3" length="31234567" type="audio/mpeg">`,
			"<category>podcast</category>", "Episode 1"}, []string{"Episode 2", "Post 0"}},
		{"/shows.json", []string{`"size_in_bytes": 31234567`, `"mime_type": "audio/mpeg"`}, []string{"Episode 2"}},
		{"/feed.rss", []string{"Episode 2", "Post 0 about Go"}, []string{"Sponsored", "From the future", "Post 25 about Go"}},
		{"/sources.opml", []string{`text="Tech Blog"`, `/blog.rss"`, `category="podcast"`}, nil},
	} {
		// A document rendered before the last poll stored may be served for
		// up to 2*publish.MaxStale: give each one that long to be current.
		var code int
		var body string
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			code, body = fetchURL(base + tt.path)
			if code == 200 && !slices.ContainsFunc(tt.has, func(s string) bool { return !strings.Contains(body, s) }) || time.Now().After(deadline) {
				break
			}
		}
		if code != 200 {
			t.Errorf("GET %s: %d", tt.path, code)
			continue
		}
		for _, s := range tt.has {
			if !strings.Contains(body, s) {
				t.Errorf("GET %s lacks %q", tt.path, s)
			}
		}
		for _, s := range tt.lack {
			if strings.Contains(body, s) {
				t.Errorf("GET %s has %q", tt.path, s)
			}
		}
	}

	t.Run("static folder", func(t *testing.T) {
		for _, rel := range []string{"feed.atom", "feed.rss", "feed.json", "index.html", "tech.atom", "shows.json", "shows/index.html", "tidyfeed.xsl", "tidyfeed.css", "sources.opml"} {
			// The last poll's Sync may still be writing.
			web := strings.TrimSuffix(rel, "index.html")
			waitFor(t, "public/"+rel+" to match GET /"+web, 5*time.Second, func() bool {
				disk, err := os.ReadFile(filepath.Join(public, rel))
				code, body := fetchURL(base + "/" + web)
				return err == nil && code == 200 && body == string(disk)
			})
		}
	})

	t.Run("held back entries are counted in status", func(t *testing.T) {
		out, stderr, err := tidyfeed(t, "status", "-config", config, "-json")
		if err != nil {
			t.Fatalf("status: %v\n%s", err, stderr)
		}
		var rep struct {
			Feeds []struct {
				Name  string
				State struct {
					Dropped map[string]int `json:"dropped"`
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("status -json: %v\n%s", err, out)
		}
		var blog map[string]int
		for _, f := range rep.Feeds {
			if f.Name == "Tech Blog" {
				blog = f.State.Dropped
			}
		}
		// 61 items: 1 future (dropped), 12 sponsored (excluded), 48 left,
		// capped at 20 on this first poll.
		want := map[string]int{"future": 1, "exclude:title": 12, "backlog": 28}
		for k, v := range want {
			if blog[k] != v {
				t.Errorf("Tech Blog dropped %v, want %v", blog, want)
				break
			}
		}
		text, _, err := tidyfeed(t, "status", "-config", config)
		if err != nil || !regexp.MustCompile(`held back\s+backlog 28, exclude:title 12, future 1`).MatchString(text) {
			t.Errorf("status text lacks the held-back line (%v):\n%s", err, text)
		}
	})

	t.Run("pages for people", func(t *testing.T) {
		resp, err := http.Get(base + "/shows/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("CSP %q", csp)
		}
		for _, s := range []string{"<title>Shows</title>", `<link rel="alternate" type="application/atom+xml" title="Shows (Atom)" href="../shows.atom">`,
			"Third episode notes.", "The Show"} {
			if !strings.Contains(string(body), s) {
				t.Errorf("/shows/ lacks %q", s)
			}
		}
	})

	t.Run("hub pinged for every output", func(t *testing.T) {
		for _, name := range []string{"feed", "tech", "shows"} {
			for _, f := range []string{"atom", "rss", "json"} {
				if hub.count(base+"/"+name+"."+f) == 0 {
					t.Errorf("hub never pinged for %s.%s", name, f)
				}
			}
		}
	})
}

// TestOPMLCommands exports the configured feeds, imports them into
// another feeds.yaml without -w (answering no, then yes) and with -w.
func TestOPMLCommands(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.yaml")
	os.WriteFile(src, []byte("feeds:\n  - url: https://a.example/feed\n    name: Alpha\n    tags: [tech]\n  - url: https://b.example/rss\n"), 0o644)
	out, stderr, err := tidyfeed(t, "export-opml", "-config", src)
	if err != nil {
		t.Fatalf("export-opml: %v\n%s", err, stderr)
	}
	for _, s := range []string{`<opml version="2.0">`, `text="Alpha" title="Alpha" xmlUrl="https://a.example/feed" category="tech"`, `xmlUrl="https://b.example/rss"`} {
		if !strings.Contains(out, s) {
			t.Errorf("export-opml lacks %q:\n%s", s, out)
		}
	}
	opml := filepath.Join(dir, "subs.opml")
	os.WriteFile(opml, []byte(out), 0o644)

	dst := filepath.Join(dir, "feeds.yaml")
	orig := "# my reading list\nfeeds:\n  # keep this first\n  - url: https://b.example/rss   # already here\n\n# outputs below\n"
	os.WriteFile(dst, []byte(orig), 0o600)

	stdin = strings.NewReader("n\n")
	t.Cleanup(func() { stdin = os.Stdin })
	out, _, err = tidyfeed(t, "import-opml", "-config", dst, opml)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "+  - url: https://a.example/feed\n+    name: Alpha\n+    tags: [tech]\n") || !strings.Contains(out, "nothing written") {
		t.Errorf("import-opml without -w should show the diff and write nothing:\n%s", out)
	}
	if b, _ := os.ReadFile(dst); string(b) != orig {
		t.Errorf("feeds.yaml changed after answering no:\n%s", b)
	}

	stdin = strings.NewReader("y\n")
	if out, _, err = tidyfeed(t, "import-opml", "-config", dst, opml); err != nil || !strings.Contains(out, "added 1 feed(s)") {
		t.Fatalf("import-opml, answering yes: %v\n%s", err, out)
	}
	want := "# my reading list\nfeeds:\n  # keep this first\n  - url: https://b.example/rss   # already here\n  - url: https://a.example/feed\n    name: Alpha\n    tags: [tech]\n\n# outputs below\n"
	if b, _ := os.ReadFile(dst); string(b) != want {
		t.Errorf("feeds.yaml after import:\n%s\nwant:\n%s", b, want)
	}
	if fi, _ := os.Stat(dst); fi.Mode().Perm() != 0o600 {
		t.Errorf("feeds.yaml mode %v, want the user's 0600 kept", fi.Mode().Perm())
	}
	if out, _, err = tidyfeed(t, "import-opml", "-w", "-config", dst, opml); err != nil || !strings.Contains(out, "already lists all 2 feeds") {
		t.Errorf("a second import should add nothing: %v\n%s", err, out)
	}
	if _, _, err := tidyfeed(t, "check", "-config", dst); err != nil {
		t.Errorf("imported feeds.yaml does not check: %v", err)
	}
}

// TestMultiOutputValidates runs every validator on every format of every
// output of a multi-output config, podcast enclosures included.
func TestMultiOutputValidates(t *testing.T) {
	script := validateFeed(t)
	base, _, _, _ := outputsDaemon(t)
	for _, name := range []string{"feed", "tech", "shows"} {
		for _, format := range []string{"atom", "rss", "json"} {
			t.Run(name+"."+format, func(t *testing.T) {
				u := base + "/" + name + "." + format
				res, err := exec.CommandContext(t.Context(), script, "--require-all", "--expect", format, u).CombinedOutput()
				t.Logf("validate-feed %s:\n%s", u, res)
				if err != nil {
					t.Errorf("validate-feed failed for %s: %v", u, err)
				}
			})
		}
	}
	// The archive pages validate too (none exist yet in a fresh store:
	// the first archive page closes with its period), and the page is
	// linked from nowhere, so a 404 is right.
	if code, _ := fetchURL(base + "/feed/archive/2001-01-01T00.atom"); code != 404 {
		t.Errorf("missing archive page: %d, want 404", code)
	}
}
