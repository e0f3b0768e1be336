package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/internal/corpus"
	"github.com/tidyfeed/tidyfeed/internal/htmlcheck"
)

// outputItem is one entry of an exported document, whatever its format.
type outputItem struct {
	Source string // source feed name
	Title  string
	Link   string
	HTML   []string // every HTML-bearing field: content, description, summary
}

// exportItems polls nothing: it exports the merged feed in format f and
// decodes its entries.
func exportItems(t *testing.T, config, format string) []outputItem {
	t.Helper()
	out, stderr, err := tidyfeed(t, "export", "-config", config, "-format", format)
	if err != nil {
		t.Fatalf("export %s: %v\n%s", format, err, stderr)
	}
	switch format {
	case "json":
		var doc struct {
			Items []struct {
				Title       string `json:"title"`
				URL         string `json:"url"`
				ContentHTML string `json:"content_html"`
				Ext         struct {
					Source struct{ Title string } `json:"source"`
				} `json:"_tidyfeed"`
			} `json:"items"`
		}
		dec := json.NewDecoder(strings.NewReader(out))
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("export json: %v", err)
		}
		items := make([]outputItem, len(doc.Items))
		for i, it := range doc.Items {
			items[i] = outputItem{Source: it.Ext.Source.Title, Title: it.Title, Link: it.URL, HTML: []string{it.ContentHTML}}
		}
		return items
	case "atom":
		var doc struct {
			Entries []struct {
				Title   string `xml:"title"`
				Content string `xml:"content"`
				Summary string `xml:"summary"`
				Source  struct {
					Title string `xml:"title"`
				} `xml:"source"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("export atom: %v", err)
		}
		items := make([]outputItem, len(doc.Entries))
		for i, e := range doc.Entries {
			items[i] = outputItem{Source: e.Source.Title, Title: e.Title, HTML: []string{e.Content, html.EscapeString(e.Summary)}}
		}
		return items
	default:
		var doc struct {
			Items []struct {
				Title       string `xml:"title"`
				Description string `xml:"description"`
				Content     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			} `xml:"channel>item"`
		}
		if err := xml.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("export rss: %v", err)
		}
		items := make([]outputItem, len(doc.Items))
		for i, it := range doc.Items {
			items[i] = outputItem{Title: it.Title, HTML: []string{it.Content, it.Description}}
		}
		return items
	}
}

// pollFiles writes a config listing the files as local feeds named after
// themselves, polls it, and returns the config path.
func pollFiles(t *testing.T, files []string) string {
	t.Helper()
	var b strings.Builder
	// backlog: 0 lifts the first-poll cap: these tests judge every entry.
	b.WriteString("output:\n  max_items: 100000\nfilters:\n  backlog: 0\nfeeds:\n")
	for _, f := range files {
		// dedupe: false: these tests judge the cleaning of every entry,
		// and cross-feed merging would show one copy per story.
		fmt.Fprintf(&b, "  - path: %q\n    name: %q\n    dedupe: false\n", f, filepath.Base(f))
	}
	config := filepath.Join(t.TempDir(), "feeds.yaml")
	if err := os.WriteFile(config, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, err := tidyfeed(t, "poll", "-config", config); err != nil {
		t.Fatalf("poll: %v\n%s%s", err, lastLine(out), stderr)
	}
	return config
}

// assertSafe fails on any dangerous construct in any exported format.
func assertSafe(t *testing.T, config string) (items int) {
	t.Helper()
	for _, format := range []string{"atom", "rss", "json"} {
		got := exportItems(t, config, format)
		items = len(got)
		for _, it := range got {
			for _, h := range it.HTML {
				if bad := htmlcheck.Dangerous(h); len(bad) > 0 {
					t.Errorf("%s %s item %q: dangerous output %v in %q", format, it.Source, it.Title, bad, h)
				}
			}
			if strings.ContainsAny(it.Title, "\x00") {
				t.Errorf("%s title carries a NUL: %q", format, it.Title)
			}
		}
	}
	return items
}

// TestSeedArticle is the reference case: the dirty entry from
// shared/examples/seed-article.txt, once as HTML paragraphs in
// content:encoded and once as plain text in the description, must come out
// as the title once and exactly the article's seven paragraphs.
func TestSeedArticle(t *testing.T) {
	root := corpus.Root()
	if root == "" {
		t.Skip("shared folder not found")
	}
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(root), "examples", "seed-article.txt"))
	if err != nil {
		t.Skip("seed article not found")
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	title := lines[0]
	var paras strings.Builder
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			paras.WriteString("<p>" + html.EscapeString(l) + "</p>\n")
		}
	}
	item := func(guid, body string) string {
		return fmt.Sprintf(`<item><title>%s</title><link>https://www.euronews.example/2015/11/24/%s</link><guid isPermaLink="false">%s</guid>
<pubDate>Tue, 24 Nov 2015 21:10:00 +0000</pubDate>%s</item>`, html.EscapeString(title), guid, guid, body)
	}
	dir := t.TempDir()
	docs := map[string]string{
		"html.xml": item("seed-html", "<content:encoded><![CDATA["+paras.String()+"]]></content:encoded><description>Barack Obama and Francois Hollande have repeated their call…</description>"),
		"text.xml": item("seed-text", "<description>"+html.EscapeString(string(raw))+"</description>"),
	}
	var files []string
	for name, it := range docs {
		doc := `<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Euronews</title><link>https://www.euronews.example/</link><description>d</description>` + it + `</channel></rss>`
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	config := pollFiles(t, files)

	var want []string
	in := false
	for _, l := range lines {
		if strings.HasPrefix(l, "Barack Obama and Francois Hollande have repeated") && !strings.HasSuffix(l, "The") {
			in = true
		}
		if in && strings.TrimSpace(l) != "" {
			want = append(want, strings.TrimSpace(l))
		}
		if strings.HasSuffix(l, "in Syria and Iraq.") {
			break
		}
	}
	if len(want) != 7 {
		t.Fatalf("test setup: found %d article paragraphs, want 7", len(want))
	}
	for _, format := range []string{"json", "atom", "rss"} {
		items := exportItems(t, config, format)
		if len(items) != 2 {
			t.Fatalf("%s: %d items, want 2", format, len(items))
		}
		for _, it := range items {
			if it.Title != title {
				t.Errorf("%s: title %q, want %q", format, it.Title, title)
			}
			got := paragraphs(it.HTML[0])
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s %s: body paragraphs\n got: %q\nwant: %q", format, it.Source, got, want)
			}
		}
	}
}

var paraRE = regexp.MustCompile(`(?s)<p>(.*?)</p>`)

// paragraphs returns the text of every <p> in s, and fails the comparison
// (by returning the whole body) when anything else carries text.
func paragraphs(s string) []string {
	var out []string
	rest := s
	for _, m := range paraRE.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.TrimSpace(html.UnescapeString(m[1])))
		rest = strings.Replace(rest, m[0], "", 1)
	}
	if strings.TrimSpace(rest) != "" {
		out = append(out, "OUTSIDE PARAGRAPHS: "+strings.TrimSpace(rest))
	}
	return out
}
