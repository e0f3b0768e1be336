package clean

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

var update = flag.Bool("update", false, "rewrite testdata/golden files from the current output")

// TestGolden pins the full output (title, link, summary, body, report) of
// every fixture case. Run `go test ./feeds/clean -run Golden -update`
// after an intended change and review the diff like code.
func TestGolden(t *testing.T) {
	c := New(Options{})
	for _, f := range loadFixtures(t) {
		for _, tc := range f.Cases {
			name := slug(f.Outlet + "-" + tc.Name)
			t.Run(name, func(t *testing.T) {
				e := feeds.Entry{Raw: f.asParsed(tc.Raw)}
				rep := c.Clean(&e, Feed{Rules: tc.Rules})
				var b strings.Builder
				b.WriteString("<!-- title: " + e.Title + " -->\n")
				b.WriteString("<!-- link: " + e.Link + " -->\n")
				b.WriteString("<!-- summary: " + e.Summary + " -->\n")
				b.WriteString("<!-- report:\n" + strings.ReplaceAll(rep.String(), "--", "- -") + "\n-->\n")
				b.WriteString(e.Content + "\n")
				got := b.String()
				path := filepath.Join("testdata", "golden", name+".golden.html")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs (run with -update and review the diff):\n got:\n%s\nwant:\n%s", path, got, want)
				}
			})
		}
	}
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
