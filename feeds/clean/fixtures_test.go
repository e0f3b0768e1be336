package clean

import (
	"encoding/json"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/internal/htmlcheck"
	xhtml "golang.org/x/net/html"
)

// fixtureFile is one invented outlet in testdata/fixtures.
type fixtureFile struct {
	Outlet string        `json:"outlet"`
	Lang   string        `json:"lang"`
	Format string        `json:"format"` // rss-cdata, rss-escaped, atom-html, atom-xhtml, json-text
	Cases  []fixtureCase `json:"cases"`
}

type fixtureCase struct {
	Name  string           `json:"name"`
	Raw   feeds.Raw        `json:"raw"`
	Rules feeds.CleanRules `json:"rules"`
	Title string           `json:"title"` // expected title; "" means Raw.Title
	Link  string           `json:"link"`  // expected link; "" means not checked
	// Keep are sentences that must appear in the body's text exactly once;
	// KeepHTML are strings that must appear in the body's HTML.
	Keep     []string `json:"keep"`
	KeepHTML []string `json:"keep_html"`
	// Drop must not appear in the body's text, DropHTML not in its HTML.
	Drop     []string `json:"drop"`
	DropHTML []string `json:"drop_html"`
	// DropSafety must not appear in the body's HTML once the sanitize
	// and canon packages are wired (tracking parameters, flares).
	DropSafety []string `json:"drop_safety"`
	// DropLearned must not appear in the body's text once the outlet's
	// template has been learned from all its cases (a standing footer);
	// without learning it may stay.
	DropLearned []string `json:"drop_learned"`
}

func loadFixtures(t *testing.T) []fixtureFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "fixtures", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var out []fixtureFile
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f fixtureFile
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, f)
	}
	return out
}

// asParsed returns the Raw a feed parser would hand over for the fixture's
// format: entity-escaped RSS arrives decoded once.
func (f fixtureFile) asParsed(r feeds.Raw) feeds.Raw {
	if f.Format == "rss-escaped" {
		r.Content = html.UnescapeString(r.Content)
		r.Summary = html.UnescapeString(r.Summary)
	}
	return r
}

// entries returns the outlet's cases as entries of one feed, in order.
func (f fixtureFile) entries() []feeds.Entry {
	out := make([]feeds.Entry, len(f.Cases))
	for i, tc := range f.Cases {
		out[i] = feeds.Entry{GUID: f.Outlet + "/" + tc.Name, Raw: f.asParsed(tc.Raw)}
	}
	return out
}

func TestFixtures(t *testing.T) {
	c := New(Options{})
	outlets := map[string]bool{}
	langs := map[string]bool{}
	for _, f := range loadFixtures(t) {
		outlets[f.Outlet] = true
		langs[f.Lang] = true
		// The outlet's cases are one feed: its template is learned from
		// all of them, as the daemon learns from a polled batch.
		prof := NewProfile()
		prof.Learn(f.entries())
		for i, tc := range f.Cases {
			t.Run(f.Outlet+"/"+tc.Name, func(t *testing.T) {
				e := f.entries()[i]
				rep := c.Clean(&e, Feed{Rules: tc.Rules, Profile: prof})
				checkFixture(t, tc, e, rep)
				text := html.UnescapeString(collapse(textOf(parseBody(e.Content))))
				for _, d := range tc.DropLearned {
					if strings.Contains(text, d) {
						t.Errorf("learned template text %q left", d)
					}
				}
			})
		}
	}
	if len(outlets) < 6 {
		t.Errorf("fixtures cover %d outlets, want at least 6", len(outlets))
	}
	for _, l := range []string{"en", "fr", "de", "es"} {
		if !langs[l] {
			t.Errorf("no fixture in language %q", l)
		}
	}
}

func checkFixture(t *testing.T, tc fixtureCase, e feeds.Entry, rep Report) {
	t.Helper()
	text := html.UnescapeString(collapse(textOf(parseBody(e.Content))))
	wantTitle := tc.Title
	if wantTitle == "" {
		wantTitle = tc.Raw.Title
	}
	if e.Title != wantTitle {
		t.Errorf("Title = %q, want %q", e.Title, wantTitle)
	}
	if tc.Link != "" && safetyLanded && e.Link != tc.Link {
		t.Errorf("Link = %q, want %q", e.Link, tc.Link)
	}
	for _, k := range tc.Keep {
		if n := strings.Count(text, k); n != 1 {
			t.Errorf("kept sentence %q appears %d times, want 1", k, n)
		}
	}
	for _, k := range tc.KeepHTML {
		if !strings.Contains(e.Content, k) && !strings.Contains(e.Content, html.EscapeString(k)) {
			t.Errorf("HTML lacks %q", k)
		}
	}
	for _, d := range tc.Drop {
		if strings.Contains(text, d) {
			t.Errorf("text still contains %q", d)
		}
	}
	drops := tc.DropHTML
	if safetyLanded {
		drops = append(drops, tc.DropSafety...)
	}
	for _, d := range drops {
		if strings.Contains(strings.ToLower(e.Content), strings.ToLower(d)) {
			t.Errorf("HTML still contains %q", d)
		}
	}
	if strings.Contains(e.Summary, "<") || e.Summary == "" {
		t.Errorf("Summary = %q, want non-empty plain text", e.Summary)
	}
	checkInvariants(t, e.Content)
	if t.Failed() {
		t.Logf("content:\n%s\nreport:\n%s", e.Content, rep)
	}
}

// checkInvariants asserts what holds for every output: no script, no event
// handler, every link and image absolute with a safe scheme.
func checkInvariants(t *testing.T, out string) {
	t.Helper()
	for _, d := range htmlcheck.Dangerous(out) {
		t.Errorf("output is dangerous: %s", d)
	}
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode {
			switch n.Data {
			case "script", "style", "object", "embed", "form", "input", "textarea", "meta", "base", "link":
				t.Errorf("output has <%s>", n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("output has %s attribute on <%s>", a.Key, n.Data)
				}
				if a.Key == "href" || a.Key == "src" {
					u, err := url.Parse(strings.TrimSpace(a.Val))
					if err != nil || !(u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "mailto" && a.Key == "href") {
						t.Errorf("output has %s=%q on <%s>, want an absolute http(s) URL", a.Key, a.Val, n.Data)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(parseBody(out))
}
