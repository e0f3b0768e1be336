package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPagesInChromium opens the HTML pages and the Atom and RSS feeds in
// headless Chromium: the pages show the newest entries with title,
// source, date and body and offer the feeds for auto-discovery; the feeds
// are turned into styled pages by their XSLT stylesheet. Screenshots are
// kept in the temporary folder for people to look at.
func TestPagesInChromium(t *testing.T) {
	bin := chromium(t)
	base, _, _, _ := outputsDaemon(t)

	t.Run("home page", func(t *testing.T) {
		dom := browse(t, bin, base+"/", "--dump-dom")
		arts := regexp.MustCompile(`(?s)<article class="entry"[^>]*>(.*?)</article>`).FindAllStringSubmatch(dom, -1)
		if len(arts) < 20 {
			t.Fatalf("DOM has %d entries, want at least 20:\n%.2000s", len(arts), dom)
		}
		first := arts[0][1]
		for _, re := range []string{`<h2><a href="https://[^"]+">[^<]+</a></h2>`, `<span class="source">.*(Tech Blog|The Show)`,
			`<time datetime="\d{4}-\d\d-\d\dT`, `<div class="body"><p>`} {
			if !regexp.MustCompile(re).MatchString(first) {
				t.Errorf("first entry lacks %s:\n%s", re, first)
			}
		}
		for _, s := range []string{`<h1 id="title">Everything</h1>`, `rel="alternate" type="application/atom+xml"`, `href="tech/"`, `href="shows/"`} {
			if !strings.Contains(dom, s) {
				t.Errorf("DOM lacks %q", s)
			}
		}
		if strings.Contains(dom, "<script") || strings.Contains(dom, "Sponsored") {
			t.Error("the page has a script or a filtered entry")
		}
		screenshot(t, bin, base+"/", "tidyfeed-page.png")
	})

	for _, tt := range []struct{ path, title, shot string }{
		{"/feed.atom", "Everything", "tidyfeed-atom.png"},
		{"/shows.rss", "Shows", "tidyfeed-shows-rss.png"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			dom := browse(t, bin, base+tt.path, "--dump-dom")
			if !strings.Contains(dom, `<h1 id="feed-title">`+tt.title+`</h1>`) || !strings.Contains(dom, `id="feed-note"`) {
				t.Fatalf("%s was not turned into a page by its stylesheet:\n%.1500s", tt.path, dom)
			}
			if n := strings.Count(dom, `<article class="entry">`); n < 2 {
				t.Errorf("styled %s shows %d entries, want them all", tt.path, n)
			}
			if !strings.Contains(dom, `tidyfeed.css`) {
				t.Errorf("styled %s does not link the stylesheet", tt.path)
			}
			screenshot(t, bin, base+tt.path, tt.shot)
		})
	}
}

// screenshot saves a PNG of url in the temporary folder and logs its path.
func screenshot(t *testing.T, bin, url, name string) {
	t.Helper()
	shot := filepath.Join(os.TempDir(), name)
	os.Remove(shot)
	browse(t, bin, url, "--screenshot="+shot)
	png, err := os.ReadFile(shot)
	if err != nil || len(png) < 5000 || !strings.HasPrefix(string(png), "\x89PNG") {
		t.Fatalf("screenshot %s: %v (%d bytes)", shot, err, len(png))
	}
	t.Logf("screenshot of %s: %s (%d bytes)", url, shot, len(png))
}
