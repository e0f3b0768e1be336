package publish

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/internal/corpus"
)

// corpusDir returns the shared corpus, or skips the test when it is absent.
func corpusDir(t *testing.T) string { return corpus.Dir(t, ".") }

// TestCorpusPayloads republishes every XSS payload line of the sanitize
// corpus (2,600+ strings dense in <, &, quotes, ]]> and odd bytes) as the
// title, content, summary, category and author of an entry, plus two large
// real pages as content, and checks that every format re-parses and carries
// each string back exactly (titles and names with white space folded).
// Publish does not sanitise: the strings must survive, escaped.
func TestCorpusPayloads(t *testing.T) {
	dir := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "sanitize", "payloads", "payloadsallthethings", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no payload files under %s (err %v)", dir, err)
	}
	src := testSources[0]
	var es []feeds.Entry
	add := func(key, s string) {
		es = append(es, feeds.Entry{
			Key: key, FeedID: src.ID, Title: s, Content: s, Summary: s,
			Categories: []string{s}, Authors: []feeds.Person{{Name: s}}, Link: s,
			Published: baseTime.Add(-time.Duration(len(es)) * time.Minute),
		})
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for n := 0; sc.Scan(); n++ {
			add(fmt.Sprintf("%s:%d", filepath.Base(name), n), sc.Text())
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
	}
	for _, page := range []string{"miniflux_github.html", "miniflux_wikipedia.html"} {
		b, err := os.ReadFile(filepath.Join(dir, "sanitize", "realworld-html", page))
		if err != nil {
			t.Fatal(err)
		}
		add(page, string(b))
	}
	if len(es) < 2000 {
		t.Fatalf("only %d payloads read, want the corpus's 2,600+", len(es))
	}
	byID := make(map[string]feeds.Entry, len(es))
	for _, e := range es {
		byID[entryID(e.FeedID, e.Key)] = e
	}

	o := testOptions()
	o.MaxItems = len(es)
	p := New(newFake(es), o)
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			d, err := p.Render(t.Context(), f)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if err := checkChars(f, d.Body); err != nil {
				t.Error(err)
			}
			v, err := readers[f].read(d.Body)
			if err != nil {
				t.Fatalf("re-parse %d entries: %v", len(es), err)
			}
			if len(v.entries) != len(es) {
				t.Fatalf("got %d entries, want %d", len(v.entries), len(es))
			}
			bad := 0
			for _, ve := range v.entries {
				e, ok := byID[ve.id]
				if !ok {
					t.Fatalf("unknown id %q", ve.id)
				}
				want := line(e.Title)
				switch {
				case ve.title != want && !(f == RSS && want == ""):
					t.Errorf("%s: title = %q, want %q", e.Key, ve.title, want)
				case text(e.Content) != "" && ve.content != text(e.Content):
					t.Errorf("%s: content = %.60q, want %.60q", e.Key, ve.content, text(e.Content))
				case want != "" && !slices.Equal(ve.categories, []string{want}):
					t.Errorf("%s: categories = %q, want [%q]", e.Key, ve.categories, want)
				case want != "" && !slices.Equal(ve.authors, []string{want}):
					t.Errorf("%s: authors = %q, want [%q]", e.Key, ve.authors, want)
				default:
					continue
				}
				if bad++; bad > 10 {
					t.Fatal("too many mismatches")
				}
			}
			for _, l := range v.links {
				if l != "" && !absolute(l) {
					t.Errorf("link %q is not an absolute http(s) URL", l)
				}
			}
		})
	}
}
