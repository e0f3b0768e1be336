package clean

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/internal/corpus"
	"github.com/tidyfeed/tidyfeed/internal/htmlcheck"
)

// renderFragment parses s as a body fragment, the way a feed reader
// embeds it, and serialises it again.
func renderFragment(s string) (string, error) {
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, n := range nodes {
		if err := html.Render(&b, n); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// FuzzCleanHTML runs arbitrary markup through the whole cleaner as an
// entry's content, summary and title, and requires: nothing htmlcheck
// calls dangerous in Content; Content valid HTML in the sense that a
// parse/serialise round trip of it is stable (a second round trip changes
// nothing, so no mutation hides in it); Title and Summary, plain text,
// valid UTF-8 without NUL; and an absolute http(s) link or none. Seeds: a few hand-written
// traps, the corpus's attack payloads and real-world pages when present.
func FuzzCleanHTML(f *testing.F) {
	for _, s := range []string{
		`<p>Hello <b>world</b></p>`,
		`<img src=x onerror=alert(1)>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<svg><style><img src=x onerror=alert(1)></style></svg>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`<p>Share this article</p><div class="related"><a href="/x">More</a></div>`,
		"<form><button formaction=javascript:alert(1)>x",
		`<iframe src="https://www.youtube.com/embed/x"></iframe>`,
		"\x00<scr\x00ipt>alert(1)</script>",
	} {
		f.Add(s)
	}
	if root := corpus.Root(); root != "" {
		seedFromCorpus(f, filepath.Join(root, "sanitize"))
	}
	c := New(Options{})
	f.Fuzz(func(t *testing.T, s string) {
		// The pipeline hands clean valid UTF-8 (package fetch decodes
		// every body); invalid bytes are not this stage's input.
		s = strings.ToValidUTF8(s, "\uFFFD")
		e := feeds.Entry{Raw: feeds.Raw{Title: s, Link: "https://news.example/a", Content: s, Summary: s, Base: "https://news.example/a"}}
		c.Clean(&e, Feed{})
		if d := htmlcheck.Dangerous(e.Content); len(d) > 0 {
			t.Fatalf("content %q is dangerous: %v\ninput %q", e.Content, d, s)
		}
		r1, err := renderFragment(e.Content)
		if err != nil {
			t.Fatalf("content %q does not parse: %v", e.Content, err)
		}
		r2, err := renderFragment(r1)
		if err != nil || r2 != r1 {
			t.Fatalf("content not stable under a parse/serialise round trip:\n out %q\n r1  %q\n r2  %q (%v)", e.Content, r1, r2, err)
		}
		// Title and Summary are plain text (publish escapes them): they
		// must be valid UTF-8 without NUL.
		for name, text := range map[string]string{"title": e.Title, "summary": e.Summary} {
			if !utf8.ValidString(text) || strings.ContainsRune(text, 0) {
				t.Fatalf("%s %q is not clean text", name, text)
			}
		}
		if e.Link != "" && !strings.HasPrefix(e.Link, "https://") && !strings.HasPrefix(e.Link, "http://") {
			t.Fatalf("link %q is not absolute http(s)", e.Link)
		}
	})
}

// seedFromCorpus adds the corpus's attack payloads (one per line) and its
// real-world pages (cut to 8 KB: the fuzzer mutates big inputs slowly) as seeds.
func seedFromCorpus(f *testing.F, dir string) {
	n := 0
	filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() || n >= 2000 {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		switch {
		case strings.HasSuffix(p, ".html"):
			f.Add(string(b[:min(len(b), 8<<10)]))
			n++
		case strings.HasSuffix(p, ".txt"):
			for l := range strings.Lines(string(b)) {
				if l = strings.TrimSpace(l); l != "" && n < 2000 {
					f.Add(l)
					n++
				}
			}
		}
		return nil
	})
}
