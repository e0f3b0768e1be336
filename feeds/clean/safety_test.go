package clean

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/internal/htmlcheck"
)

// attackPayloads returns the corpus's XSS payloads: DOMPurify's cases and
// every line of the payload lists.
func attackPayloads(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join(corpusDir(t), "sanitize")
	var out []string
	data, err := os.ReadFile(filepath.Join(dir, "dompurify", "expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("dompurify/expect.json: %v", err)
	}
	for _, c := range cases {
		out = append(out, c.Payload)
	}
	_ = filepath.WalkDir(filepath.Join(dir, "payloads"), func(p string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return nil
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				out = append(out, l)
			}
		}
		return nil
	})
	return out
}

// TestPayloadsThroughPipeline runs every attack payload through the whole
// cleaner (as content, and wrapped in prose) and requires safe output:
// the cleaner's own DOM passes must not undo the sanitizer's work.
func TestPayloadsThroughPipeline(t *testing.T) {
	payloads := attackPayloads(t)
	if len(payloads) < 2000 {
		t.Fatalf("found %d payloads, want the corpus's 2,800 or so", len(payloads))
	}
	c := New(Options{})
	bad := 0
	for _, p := range payloads {
		for _, content := range []string{p, "<p>The council met on Monday evening to discuss the budget for next year.</p>" + p + "<p>Share this article</p>"} {
			e := feeds.Entry{Raw: feeds.Raw{Title: p, Link: "https://x.example/a", Content: content, Summary: p}}
			c.Clean(&e, Feed{})
			if d := htmlcheck.Dangerous(e.Content); len(d) > 0 {
				bad++
				if bad <= 10 {
					t.Errorf("payload %q: output %q is dangerous: %v", p, e.Content, d)
				}
			}
			if strings.ContainsAny(e.Link, "<>\"") || !strings.HasPrefix(e.Link, "https://") {
				t.Errorf("Link = %q", e.Link)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d outputs dangerous", bad, 2*len(payloads))
	}
}

func TestUnsafeEntryLink(t *testing.T) {
	c := New(Options{})
	for _, link := range []string{"javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "/relative/only"} {
		e := feeds.Entry{Raw: feeds.Raw{Title: "t", Link: link, Content: "<p>x</p>"}}
		c.Clean(&e, Feed{})
		if e.Link != "" {
			t.Errorf("Link for %q = %q, want empty", link, e.Link)
		}
	}
	e := feeds.Entry{Raw: feeds.Raw{Title: "t", Link: "https://www.google.com/url?q=https%3A%2F%2Fnews.example%2Fstory%3Fid%3D7%26utm_source%3Dx&sa=D", Content: "<p>x</p>"}}
	c.Clean(&e, Feed{})
	if e.Link != "https://news.example/story?id=7" {
		t.Errorf("Link = %q, want the unwrapped, untracked target", e.Link)
	}
}
