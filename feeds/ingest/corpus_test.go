package ingest_test

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
	"github.com/tidyfeed/tidyfeed/feeds/publish"
	"github.com/tidyfeed/tidyfeed/internal/corpus"
	"github.com/tidyfeed/tidyfeed/internal/race"
	"github.com/tidyfeed/tidyfeed/storage"
)

var update = flag.Bool("update", false, "rewrite testdata baselines from this run")

const baselineFile = "testdata/corpus-baseline.tsv"

// corpusResult is what one corpus input yielded through the pipeline.
type corpusResult struct {
	entries int    // entries stored
	err     string // "" or a short error class
}

func (r corpusResult) String() string {
	if r.err != "" {
		return "error: " + r.err
	}
	return strconv.Itoa(r.entries)
}

// TestCorpusPipeline runs every feed input of the shared corpus through
// read → parse → clean → dedupe → store → render, in all three formats, and
// fails on a panic, a slow file, an unparseable render, script in the
// output, or a regression against the committed baseline.
func TestCorpusPipeline(t *testing.T) {
	dir, inputs := corpus.FeedInputs(t)
	store, err := storage.Open(filepath.Join(t.TempDir(), "corpus.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	in := ingest.New(ingest.Options{
		Parser:  parse.New(parse.Options{}),
		Cleaner: clean.New(clean.Options{}),
		Store:   store,
		Logger:  discardLogger(),
	})

	results := make(map[string]corpusResult, len(inputs))
	var files, withEntries, total int
	for _, input := range inputs {
		src := feeds.Source{ID: "file:" + input.Path, Path: filepath.Join(dir, input.Path)}
		start := time.Now()
		out := ingestNoPanic(t, in, src)
		if d := time.Since(start); d > perFileLimit() {
			t.Errorf("%s: took %v, want under %v", input.Path, d, perFileLimit())
		}
		res := corpusResult{entries: out.Entries}
		if out.Err != nil {
			res = corpusResult{err: errorClass(out.Err)}
		}
		results[input.Path] = res
		files++
		if res.entries > 0 {
			withEntries++
			total += res.entries
			checkRenders(t, store, src, input.Path, res.entries)
		}
	}
	t.Logf("corpus: %d files, %d yield entries, %d entries in all", files, withEntries, total)
	compareBaseline(t, results)
}

// perFileLimit is how long one corpus file may take through the pipeline:
// 2s, as the corpus's TESTING.md asks, or 10s under the race detector,
// which slows this code several times over.
func perFileLimit() time.Duration {
	if race.Enabled {
		return 10 * time.Second
	}
	return 2 * time.Second
}

func ingestNoPanic(t *testing.T, in *ingest.Ingester, src feeds.Source) (out ingest.Outcome) {
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic: %v\n%s", src.Path, r, debug.Stack())
			out = ingest.Outcome{Err: fmt.Errorf("panic")}
		}
	}()
	return in.Ingest(t.Context(), src)
}

// errorClass shortens an error to something stable enough for a baseline.
func errorClass(err error) string {
	switch {
	case errors.Is(err, parse.ErrNotFeed):
		return "not a feed"
	}
	return "failed"
}

// checkRenders renders the source alone in every format and checks the
// documents parse, hold its entries, and carry no script.
func checkRenders(t *testing.T, store *storage.Store, src feeds.Source, name string, entries int) {
	t.Helper()
	p := publish.New(store, publish.Options{
		Link:     "http://127.0.0.1:8080/",
		MaxItems: 100000,
		Sources:  []publish.SourceInfo{{ID: src.ID, Name: name}},
	})
	for _, f := range publish.Formats {
		doc, err := p.Render(t.Context(), f)
		if err != nil {
			t.Errorf("%s: render %s: %v", name, f, err)
			continue
		}
		n, err := countItems(f, doc.Body)
		if err != nil {
			t.Errorf("%s: rendered %s does not parse: %v", name, f, err)
			continue
		}
		if n != entries {
			t.Errorf("%s: rendered %s has %d items, want %d", name, f, n, entries)
		}
		if strings.Contains(strings.ToLower(string(doc.Body)), "<script") {
			t.Errorf("%s: rendered %s contains <script", name, f)
		}
	}
}

// countItems decodes a rendered document strictly and counts its entries.
func countItems(f publish.Format, body []byte) (int, error) {
	if f == publish.JSON {
		var doc struct {
			Items []json.RawMessage `json:"items"`
		}
		err := json.Unmarshal(body, &doc)
		return len(doc.Items), err
	}
	dec := xml.NewDecoder(strings.NewReader(string(body)))
	dec.Strict = true
	n := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if se, ok := tok.(xml.StartElement); ok && (se.Name.Local == "item" || se.Name.Local == "entry") {
			n++
		}
	}
}

// compareBaseline fails when a file yields fewer entries than the committed
// baseline or newly fails; -update rewrites the baseline.
func compareBaseline(t *testing.T, results map[string]corpusResult) {
	t.Helper()
	if *update {
		writeBaseline(t, results)
		return
	}
	base := readBaseline(t)
	var regressions, improvements int
	for path, want := range base {
		got, ok := results[path]
		switch {
		case !ok:
			t.Errorf("%s: in the baseline but not in the corpus index", path)
		case got.err != "" && want.err == "":
			regressions++
			t.Errorf("%s: now fails (%s), baseline had %d entries", path, got.err, want.entries)
		case got.err == "" && got.entries < want.entries:
			regressions++
			t.Errorf("%s: %d entries, baseline %d", path, got.entries, want.entries)
		case got.String() != want.String():
			improvements++
		}
	}
	for path := range results {
		if _, ok := base[path]; !ok {
			t.Errorf("%s: not in the baseline; run with -update and review", path)
		}
	}
	if improvements > 0 {
		t.Logf("%d files do better than the baseline; run with -update to record it", improvements)
	}
}

func readBaseline(t *testing.T) map[string]corpusResult {
	t.Helper()
	f, err := os.Open(baselineFile)
	if err != nil {
		t.Fatalf("read baseline (run with -update to create it): %v", err)
	}
	defer f.Close()
	base := map[string]corpusResult{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		path, val, ok := strings.Cut(sc.Text(), "\t")
		if !ok || strings.HasPrefix(path, "#") {
			continue
		}
		if msg, isErr := strings.CutPrefix(val, "error: "); isErr {
			base[path] = corpusResult{err: msg}
			continue
		}
		n, err := strconv.Atoi(val)
		if err != nil {
			t.Fatalf("baseline line %q: %v", sc.Text(), err)
		}
		base[path] = corpusResult{entries: n}
	}
	return base
}

func writeBaseline(t *testing.T, results map[string]corpusResult) {
	t.Helper()
	paths := make([]string, 0, len(results))
	for p := range results {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	b.WriteString("# path\tentries stored (or error class) after parse → clean → dedupe → store; see corpus_test.go\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "%s\t%s\n", p, results[p])
	}
	if err := os.WriteFile(baselineFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
