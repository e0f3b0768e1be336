package clean

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/internal/corpus"
	"github.com/tidyfeed/tidyfeed/internal/htmlcheck"
	"golang.org/x/net/html/charset"
)

// corpusDir returns the shared corpus, skipping the test when it is absent.
func corpusDir(t testing.TB) string { return corpus.Dir(t, ".") }

// realCaptureDirs hold real-site feed captures (see the corpus README).
var realCaptureDirs = []string{"rsparser", "feedreader-dotnet", "feedjira", "rss-parser/input", "miniflux/parser", "node-feedparser", "feed-rs", "simplepie", "trafilatura"}

// corpusEntries extracts raw entries from the real captures with
// encoding/xml: title, link, description/summary, content:encoded/content.
// It is no feed parser (that is package parse's job); it is enough to feed
// the cleaner real publishers' HTML.
func corpusEntries(t testing.TB) []feeds.Entry {
	t.Helper()
	root := filepath.Join(corpusDir(t), "feeds")
	var out []feeds.Entry
	for _, d := range realCaptureDirs {
		_ = filepath.WalkDir(filepath.Join(root, d), func(p string, de os.DirEntry, err error) error {
			if err != nil || de.IsDir() {
				return nil
			}
			ext := filepath.Ext(p)
			if ext != ".xml" && ext != ".rss" && ext != ".atom" && ext != ".rdf" {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			out = append(out, xmlEntries(data)...)
			return nil
		})
	}
	return out
}

func xmlEntries(data []byte) []feeds.Entry {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charset.NewReaderLabel
	dec.Strict = false
	var out []feeds.Entry
	var cur *feeds.Entry
	for {
		tok, err := dec.Token()
		if err != nil {
			if err != io.EOF && cur != nil {
				return out
			}
			return out
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			if ee, ok := tok.(xml.EndElement); ok && cur != nil && (ee.Name.Local == "item" || ee.Name.Local == "entry") {
				if cur.Raw.Content != "" || cur.Raw.Summary != "" {
					out = append(out, *cur)
				}
				cur = nil
			}
			continue
		}
		switch se.Name.Local {
		case "item", "entry":
			cur = &feeds.Entry{}
			continue
		}
		if cur == nil {
			continue
		}
		switch se.Name.Local {
		case "title", "link", "description", "summary", "encoded", "content":
		default:
			continue
		}
		if se.Name.Local == "link" {
			for _, a := range se.Attr {
				if a.Name.Local == "href" && cur.Raw.Link == "" {
					cur.Raw.Link = a.Value
				}
			}
		}
		var s string
		if isXHTML(se) {
			var inner struct {
				Inner string `xml:",innerxml"`
			}
			_ = dec.DecodeElement(&inner, &se)
			s = inner.Inner
		} else if err := dec.DecodeElement(&s, &se); err != nil {
			return out
		}
		s = strings.TrimSpace(s)
		switch se.Name.Local {
		case "title":
			cur.Raw.Title = s
		case "link":
			if cur.Raw.Link == "" {
				cur.Raw.Link = s
			}
		case "description", "summary":
			cur.Raw.Summary = s
		case "encoded", "content":
			cur.Raw.Content = s
		}
	}
}

func isXHTML(se xml.StartElement) bool {
	for _, a := range se.Attr {
		if a.Name.Local == "type" && a.Value == "xhtml" {
			return true
		}
	}
	return false
}

// leadOf returns the folded first words of the first long raw block that
// is not the title: the start of the article that must survive.
func leadOf(e feeds.Entry) string {
	body, _ := rawBody(e.Raw)
	root := parseBody(prepare(body, e.Raw.Text))
	dropElements(root, &Report{}, func(string) bool { return false })
	title := fold(safeText(e.Raw.Title))
	for _, b := range collectBlocks(root, nil) {
		if b.words >= 15 && !strings.HasPrefix(b.fold, title) {
			return strings.Join(strings.Fields(b.fold)[:8], " ")
		}
	}
	return ""
}

func TestCorpusInvariants(t *testing.T) {
	entries := corpusEntries(t)
	if len(entries) < 500 {
		t.Fatalf("extracted %d entries from the corpus captures, want at least 500", len(entries))
	}
	c := New(Options{})
	leads, lost := 0, 0
	for _, e := range entries {
		lead := leadOf(e)
		rep := c.Clean(&e, Feed{})
		text := collapse(textOf(parseBody(e.Content)))
		for _, d := range htmlcheck.Dangerous(e.Content) {
			t.Errorf("%s: output is dangerous: %s", e.Raw.Link, d)
		}
		for _, bad := range []string{"feeds.feedburner.com/~ff", "feeds.feedburner.com/~r", "feedads"} {
			if strings.Contains(e.Content, bad) {
				t.Errorf("%s: output still has %q", e.Raw.Link, bad)
			}
		}
		for _, bad := range []string{"appeared first on", "Continue reading"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s: output still has %q", e.Raw.Link, bad)
			}
		}
		if lead != "" {
			leads++
			if !strings.Contains(fold(text), lead) {
				lost++
				t.Logf("%s: lead %q lost; report:\n%s", e.Raw.Link, lead, rep)
			}
		}
	}
	t.Logf("%d entries, %d with a lead, %d leads lost", len(entries), leads, lost)
	if lost*100 > leads {
		t.Errorf("lost %d of %d leads, want under 1%%", lost, leads)
	}
}
