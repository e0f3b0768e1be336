package clean

import (
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// seedParagraphs are the seven paragraphs the reference entry must keep.
func seedParagraphs(t *testing.T, lines []string) []string {
	t.Helper()
	var out []string
	in := false
	for _, l := range lines {
		if strings.HasPrefix(l, "Barack Obama and Francois Hollande have repeated") && strings.HasSuffix(l, "militants.") {
			in = true
		}
		if in && l != "" {
			out = append(out, l)
		}
		if strings.HasSuffix(l, "in Syria and Iraq.") {
			break
		}
	}
	if len(out) != 7 {
		t.Fatalf("seed file: found %d paragraphs, want 7", len(out))
	}
	return out
}

func TestSeedArticle(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "seed-article.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	title := lines[0]
	want := seedParagraphs(t, lines)

	var asHTML strings.Builder
	for _, l := range lines {
		if l != "" {
			asHTML.WriteString("<p>" + html.EscapeString(l) + "</p>\n")
		}
	}
	cases := []struct {
		name string
		raw  feeds.Raw
	}{
		{"content as paragraphs", feeds.Raw{Title: title, Link: "https://www.euronews.com/2015/11/24/france-and-us", Content: asHTML.String()}},
		{"plain-text description", feeds.Raw{Title: title, Link: "https://www.euronews.com/2015/11/24/france-and-us", Summary: text}},
	}
	c := New(Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := feeds.Entry{Raw: tc.raw}
			rep := c.Clean(&e, Feed{})
			if e.Title != title {
				t.Errorf("Title = %q, want %q", e.Title, title)
			}
			got := paragraphs(t, e.Content)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("body paragraphs:\n got: %q\nwant: %q\nreport:\n%s", got, want, rep)
			}
			if e.Summary == "" || !strings.HasPrefix(want[0], strings.TrimSuffix(e.Summary, "…")) && !strings.HasPrefix(strings.Join(want, " "), strings.TrimSuffix(e.Summary, "…")) {
				t.Errorf("Summary = %q, want an excerpt starting %q", e.Summary, want[0][:40])
			}
			for _, dirt := range []string{"Share this article", "Comments", "Close Button", "Copy to clipboard", "Copied", "ADVERTISEMENT", "By Euronews", "You might also like", "Salah Abdeslam", "militants. The"} {
				if strings.Contains(e.Content, html.EscapeString(dirt)) {
					t.Errorf("body still contains %q", dirt)
				}
			}
		})
	}
}
