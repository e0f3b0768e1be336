package parse

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/internal/corpus"
	"github.com/tidyfeed/tidyfeed/internal/race"
	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite the golden and baseline files in testdata/")

// corpusDir returns the shared feed corpus, skipping the test when absent.
func corpusDir(t testing.TB) string { return corpus.Dir(t, "feeds") }

type indexRow struct {
	path, sniffed string
	bytes         int
}

// corpusInputs returns the role=input rows of INDEX.tsv.
func corpusInputs(t testing.TB, dir string) []indexRow {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "INDEX.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []indexRow
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 4 || cols[2] != "input" {
			continue
		}
		n, _ := strconv.Atoi(cols[1])
		rows = append(rows, indexRow{path: cols[0], bytes: n, sniffed: cols[3]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("INDEX.tsv lists no input rows")
	}
	return rows
}

// safeParse parses body, turning a panic into an error naming it.
func safeParse(p *Parser, body []byte, base string) (f feeds.Feed, es []feeds.Entry, err error, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			err, panicked = fmt.Errorf("panic: %v", r), true
		}
	}()
	f, es, err = p.Parse(body, base)
	return f, es, err, false
}

// shortErr is the first line of an error, cut to 80 bytes, for golden files.
func shortErr(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 80 {
		s = s[:80]
	}
	return "error: " + s
}

// TestCorpus parses every input document of the corpus: no panic, under 2 s
// each, every URL absolute, and the entry count (or error) per file equal to
// testdata/corpus-entries.tsv. Run with -update to accept a change; review
// the diff like code. It also reports format detection agreement with
// INDEX.tsv's sniffed_format against testdata/format-baseline.txt.
func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	rows := corpusInputs(t, dir)
	p := New(Options{})

	var (
		golden             strings.Builder
		withEntries, total int
		slowest            time.Duration
		slowestPath        string
		fmtPass, fmtTotal  int
		fmtFails           []string
	)
	for _, r := range rows {
		body, err := os.ReadFile(filepath.Join(dir, r.path))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		f, es, err, panicked := safeParse(p, body, "file:///corpus/"+r.path)
		d := time.Since(start)
		if panicked {
			t.Errorf("%s: %v", r.path, err)
		}
		if limit := parseLimit(); d > limit {
			t.Errorf("%s: parse took %v, want under %v", r.path, d, limit)
		}
		if d > slowest {
			slowest, slowestPath = d, r.path
		}
		if err != nil {
			fmt.Fprintf(&golden, "%s\t%s\n", r.path, shortErr(err))
		} else {
			fmt.Fprintf(&golden, "%s\t%d\n", r.path, len(es))
			assertAbsolute(t, es)
			if len(es) > 0 {
				withEntries++
				total += len(es)
			}
		}
		if want := sniffedFormat(r.sniffed); want != "" {
			fmtTotal++
			if err == nil && f.Format == want {
				fmtPass++
			} else {
				fmtFails = append(fmtFails, fmt.Sprintf("%s (sniffed %s, got %q, err %v)", r.path, r.sniffed, f.Format, err))
			}
		}
	}
	t.Logf("%d inputs: %d yield entries, %d entries in all; slowest %v (%s)", len(rows), withEntries, total, slowest, slowestPath)
	t.Logf("format detection: %d/%d agree with sniffed_format (%.1f%%)", fmtPass, fmtTotal, 100*float64(fmtPass)/float64(fmtTotal))
	for _, f := range fmtFails {
		t.Logf("format mismatch: %s", f)
	}
	compareGolden(t, "testdata/corpus-entries.tsv", golden.String())
	checkBaseline(t, "testdata/format-baseline.txt", fmtPass, fmtTotal)
}

// sniffedFormat maps INDEX.tsv's sniffed_format to Feed.Format, or "" for
// rows outside the rss-*/atom-*/jsonfeed-* families.
func sniffedFormat(s string) string {
	switch {
	case strings.HasPrefix(s, "rss-") && s != "rss-in-json":
		return "rss"
	case strings.HasPrefix(s, "atom-"):
		return "atom"
	case strings.HasPrefix(s, "jsonfeed-"):
		return "json"
	}
	return ""
}

// compareGolden fails on any difference from the golden file, listing the
// changed lines, or rewrites it under -update.
func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	wantLines := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(want)), "\n") {
		k, v, _ := strings.Cut(l, "\t")
		wantLines[k] = v
	}
	changed := 0
	for _, l := range strings.Split(strings.TrimSpace(got), "\n") {
		k, v, _ := strings.Cut(l, "\t")
		if w, ok := wantLines[k]; !ok || w != v {
			changed++
			t.Errorf("%s: got %q, want %q (golden %s)", k, v, w, path)
		}
		delete(wantLines, k)
	}
	for k := range wantLines {
		t.Errorf("%s: missing from this run but in golden %s", k, path)
	}
}

// checkBaseline fails when pass falls below the committed baseline count,
// or rewrites the baseline under -update.
func checkBaseline(t *testing.T, path string, pass, total int) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, fmt.Appendf(nil, "%d %d\n", pass, total), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read baseline (run with -update to create it): %v", err)
	}
	var wantPass, wantTotal int
	if _, err := fmt.Sscan(string(b), &wantPass, &wantTotal); err != nil {
		t.Fatalf("baseline %s: %v", path, err)
	}
	if pass < wantPass {
		t.Errorf("%s: %d/%d pass, baseline %d/%d", path, pass, total, wantPass, wantTotal)
	}
	if total != wantTotal {
		t.Errorf("%s: %d cases, baseline has %d", path, total, wantTotal)
	}
}

// TestCorpusRelativeURLs runs feedparser's wellformed/base cases (TESTING.md
// §4.1 #7) for the fields parse owns: entry and feed links, the base of
// entry content and summary, and the href/src values in content resolved
// against Raw.Base. Other checks (title, author, generator bases ...) are
// counted as not applicable. The pass count may not fall below
// testdata/base-baseline.txt.
func TestCorpusRelativeURLs(t *testing.T) {
	dir := corpusDir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "feedparser-expectations.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exps []struct {
		File    string   `json:"file"`
		Headers []string `json:"http_headers"`
		Checks  []struct {
			Path   string `json:"path"`
			Equals any    `json:"equals"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(raw, &exps); err != nil {
		t.Fatal(err)
	}
	p := New(Options{})
	var pass, total, skipped int
	for _, x := range exps {
		if !strings.HasPrefix(x.File, "feedparser/wellformed/base/") {
			continue
		}
		base := "http://127.0.0.1:8097/tests/wellformed/base/" + filepath.Base(x.File)
		for _, h := range x.Headers {
			if v, ok := strings.CutPrefix(h, "Content-Location: "); ok {
				base = strings.TrimSpace(v)
			}
		}
		body, err := os.ReadFile(filepath.Join(dir, x.File))
		if err != nil {
			t.Fatal(err)
		}
		f, es, err, panicked := safeParse(p, body, base)
		if panicked {
			t.Errorf("%s: %v", x.File, err)
		}
		for _, c := range x.Checks {
			want, _ := c.Equals.(string)
			want = wantFor(c.Path, want)
			got, ok := baseCheck(c.Path, f, es)
			if !ok {
				skipped++
				continue
			}
			total++
			if err == nil && unescape(got) == unescape(want) {
				pass++
			} else {
				t.Logf("base case %s: %s = %q, want %q (err %v)", filepath.Base(x.File), c.Path, got, want, err)
			}
		}
	}
	t.Logf("relative URL resolution: %d/%d pass (%.1f%%), %d checks not applicable", pass, total, 100*float64(pass)/float64(max(total, 1)), skipped)
	if total == 0 {
		t.Fatal("no applicable wellformed/base checks found")
	}
	checkBaseline(t, "testdata/base-baseline.txt", pass, total)
}

// baseCheck returns what parse produced for a feedparser expectation path,
// and false when parse has no equivalent field.
func baseCheck(path string, f feeds.Feed, es []feeds.Entry) (string, bool) {
	var e feeds.Entry
	if len(es) > 0 {
		e = es[0]
	}
	switch path {
	case "feed['link']", "feed['links'][0]['href']":
		return f.Link, true
	case "entries[0]['link']", "entries[0]['links'][0]['href']":
		return e.Link, true
	case "entries[0]['content'][0]['base']":
		return e.Raw.Base, true
	case "entries[0]['summary_detail']['base']":
		if e.Raw.Content != "" {
			return "", false // Raw.Base belongs to the content
		}
		return e.Raw.Base, true
	case "entries[0]['content'][0]['value']":
		return refs(e.Raw.Content, e.Raw.Base), true
	case "entries[0]['summary']", "entries[0]['description']":
		return refs(e.Raw.Summary, e.Raw.Base), true
	}
	return "", false
}

// wantFor turns a feedparser expectation into what baseCheck returns: for
// content values, the list of their href/src values.
func wantFor(path, equals string) string {
	if strings.HasSuffix(path, "['value']") || path == "entries[0]['summary']" || path == "entries[0]['description']" {
		return refs(equals, "")
	}
	return equals
}

// refs returns the href and src values of an HTML fragment, resolved
// against base when base is not "", separated by spaces.
func refs(fragment, base string) string {
	b, err := url.Parse(base)
	if err != nil {
		return "unparsable base " + base
	}
	var out []string
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return strings.Join(out, " ")
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		for {
			k, v, more := z.TagAttr()
			if a := string(k); a == "href" || a == "src" {
				ref := strings.TrimSpace(string(v))
				if base != "" {
					if u, err := url.Parse(ref); err == nil {
						ref = b.ResolveReference(u).String()
					}
				}
				out = append(out, ref)
			}
			if !more {
				break
			}
		}
	}
}

// unescape undoes percent-encoding so that a URI and the IRI it encodes
// compare equal.
func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// parseLimit is the per-file time budget: 2 s, or 10 s under the race
// detector.
func parseLimit() time.Duration {
	if race.Enabled {
		return 10 * time.Second
	}
	return 2 * time.Second
}
