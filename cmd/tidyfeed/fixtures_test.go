package main

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// cleanFixture is one case of feeds/clean/testdata/fixtures: an entry of an
// invented outlet with the dirt it carries and the sentences it must keep.
type cleanFixture struct {
	Name       string           `json:"name"`
	Raw        feeds.Raw        `json:"raw"`
	Rules      feeds.CleanRules `json:"rules"`
	Title      string           `json:"title"`
	Link       string           `json:"link"`
	Keep       []string         `json:"keep"`
	KeepHTML   []string         `json:"keep_html"`
	Drop       []string         `json:"drop"`
	DropHTML   []string         `json:"drop_html"`
	DropSafety []string         `json:"drop_safety"`
}

// TestCleanFixturesThroughFeeds serves the cleaner's fixture entries as real
// feed documents in the format each outlet uses (RSS with CDATA or escaped
// HTML, Atom html or xhtml with xml:base, JSON Feed content_text), polls and
// exports them, and checks the dirt is gone and every real sentence is
// there exactly once.
func TestCleanFixturesThroughFeeds(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "feeds", "clean", "testdata", "fixtures", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	dir := t.TempDir()
	var cfg strings.Builder
	cfg.WriteString("output:\n  max_items: 1000\nfeeds:\n")
	cases := map[string]cleanFixture{} // by feed name
	formats := map[string]bool{}
	for _, p := range paths {
		var f struct {
			Outlet, Format string
			Cases          []cleanFixture
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		formats[f.Format] = true
		for i, c := range f.Cases {
			name := fmt.Sprintf("%s #%d", f.Outlet, i)
			file := filepath.Join(dir, fmt.Sprintf("%s-%d.feed", strings.ReplaceAll(strings.ToLower(f.Outlet), " ", "-"), i))
			if err := os.WriteFile(file, []byte(fixtureDocument(f.Format, f.Outlet, c)), 0o644); err != nil {
				t.Fatal(err)
			}
			cases[name] = c
			fmt.Fprintf(&cfg, "  - path: %q\n    name: %q\n", file, name)
			if len(c.Rules.Remove) > 0 {
				js, _ := json.Marshal(c.Rules.Remove)
				fmt.Fprintf(&cfg, "    remove: %s\n", js)
			}
			if len(c.Rules.Disable) > 0 {
				js, _ := json.Marshal(c.Rules.Disable)
				fmt.Fprintf(&cfg, "    disable: %s\n", js)
			}
			for j, r := range c.Rules.Replace {
				if j == 0 {
					cfg.WriteString("    replace:\n")
				}
				fmt.Fprintf(&cfg, "      - {pattern: %q, with: %q}\n", r.Pattern, r.With)
			}
		}
	}
	if len(formats) < 5 {
		t.Errorf("fixtures use %d formats, want all five", len(formats))
	}
	config := filepath.Join(dir, "feeds.yaml")
	if err := os.WriteFile(config, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, err := tidyfeed(t, "poll", "-config", config); err != nil || strings.Contains(out, "error") {
		t.Fatalf("poll: %v\n%s%s", err, out, stderr)
	}
	items := exportItems(t, config, "json")
	if len(items) != len(cases) {
		t.Errorf("%d entries published, want %d", len(items), len(cases))
	}
	for _, it := range items {
		c, ok := cases[it.Source]
		if !ok {
			t.Errorf("unexpected entry from %q", it.Source)
			continue
		}
		t.Run(it.Source+" "+c.Name, func(t *testing.T) {
			body := it.HTML[0]
			text := visibleText(body)
			want := c.Title
			if want == "" {
				want = c.Raw.Title
			}
			if it.Title != want {
				t.Errorf("title %q, want %q", it.Title, want)
			}
			if c.Link != "" && it.Link != c.Link {
				t.Errorf("link %q, want %q", it.Link, c.Link)
			}
			for _, k := range c.Keep {
				if n := strings.Count(text, strings.Join(strings.Fields(k), " ")); n != 1 {
					t.Errorf("sentence %q appears %d times, want once\nbody: %s", k, n, body)
				}
			}
			for _, k := range c.KeepHTML {
				if !strings.Contains(body, k) && !strings.Contains(body, html.EscapeString(k)) {
					t.Errorf("body lacks %q\nbody: %s", k, body)
				}
			}
			for _, d := range c.Drop {
				if strings.Contains(text, d) {
					t.Errorf("dirt %q left\nbody: %s", d, body)
				}
			}
			for _, d := range append(c.DropHTML, c.DropSafety...) {
				if strings.Contains(body, d) {
					t.Errorf("dirt %q left in the HTML\nbody: %s", d, body)
				}
			}
		})
	}
}

// fixtureDocument writes one fixture entry as a feed document of format.
func fixtureDocument(format, outlet string, c cleanFixture) string {
	r := c.Raw
	x := html.EscapeString
	switch format {
	case "rss-cdata":
		return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>` +
			"<title>" + x(outlet) + "</title><link>https://outlet.example/</link><description>d</description><item><title>" + x(r.Title) +
			"</title><link>" + x(r.Link) + "</link>" + cdataElem("description", r.Summary) + cdataElem("content:encoded", r.Content) + "</item></channel></rss>"
	case "rss-escaped":
		// The fixture holds the element text as it stands in the file:
		// HTML escaped once.
		return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>` +
			"<title>" + x(outlet) + "</title><link>https://outlet.example/</link><description>d</description><item><title>" + x(r.Title) +
			"</title><link>" + x(r.Link) + "</link>" + elem("description", r.Summary) + elem("content:encoded", r.Content) + "</item></channel></rss>"
	case "atom-html", "atom-xhtml":
		base := ""
		if r.Base != "" {
			base = ` xml:base="` + x(r.Base) + `"`
		}
		content := `<content type="html">` + x(r.Content) + `</content>`
		if format == "atom-xhtml" {
			content = `<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">` + r.Content + `</div></content>`
		}
		summary := ""
		if r.Summary != "" {
			summary = `<summary type="html">` + x(r.Summary) + `</summary>`
		}
		return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>` + x(outlet) +
			`</title><id>urn:x:outlet</id><updated>2026-01-01T00:00:00Z</updated><entry` + base + `><title type="html">` + x(r.Title) +
			`</title><id>urn:x:` + x(c.Name) + `</id><updated>2026-01-01T00:00:00Z</updated><link href="` + x(r.Link) + `"/>` + summary + content + `</entry></feed>`
	default: // json-text
		item := map[string]any{"id": c.Name, "url": r.Link, "title": r.Title}
		if r.Text {
			item["content_text"] = r.Content
		} else {
			item["content_html"] = r.Content
		}
		if r.Summary != "" {
			item["summary"] = r.Summary
		}
		doc, _ := json.Marshal(map[string]any{"version": "https://jsonfeed.org/version/1.1", "title": outlet, "items": []any{item}})
		return string(doc)
	}
}

func cdataElem(name, s string) string {
	if s == "" {
		return ""
	}
	return "<" + name + "><![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]></" + name + ">"
}

func elem(name, s string) string {
	if s == "" {
		return ""
	}
	return "<" + name + ">" + s + "</" + name + ">"
}
