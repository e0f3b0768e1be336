package dedupe_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/dedupe"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
	"github.com/tidyfeed/tidyfeed/internal/corpus"
	"github.com/tidyfeed/tidyfeed/internal/race"
	"github.com/tidyfeed/tidyfeed/storage"
)

// pipeline runs documents through parse → clean → dedupe → store, as
// feeds/ingest does, without fetching.
type pipeline struct {
	t       *testing.T
	parser  *parse.Parser
	cleaner *clean.Cleaner
	store   *storage.Store
}

func newPipeline(t *testing.T) *pipeline {
	s, err := storage.Open(filepath.Join(t.TempDir(), "dedupe.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &pipeline{t: t, parser: parse.New(parse.Options{}), cleaner: clean.New(clean.Options{}), store: s}
}

// entries parses and cleans one document; edit, if not nil, changes the
// parsed entries before cleaning (as a publisher's next build would).
func (p *pipeline) entries(path string, edit func([]feeds.Entry) []feeds.Entry) []feeds.Entry {
	body, err := os.ReadFile(path)
	if err != nil {
		p.t.Fatal(err)
	}
	_, es, err := p.parser.Parse(body, "file://"+filepath.ToSlash(path))
	if err != nil {
		return nil
	}
	if edit != nil {
		es = edit(es)
	}
	for i := range es {
		es[i].FeedID = path
		p.cleaner.Clean(&es[i], clean.Feed{})
	}
	return dedupe.Identify(es)
}

func (p *pipeline) save(feedID string, es []feeds.Entry) storage.SaveResult {
	for i := range es {
		es[i].FeedID = feedID
	}
	res, err := p.store.Save(p.t.Context(), storage.Batch{State: feeds.FeedState{FeedID: feedID}, Entries: es})
	if err != nil {
		p.t.Fatalf("save %s: %v", feedID, err)
	}
	return res
}

// TestCorpusRepoll feeds every real capture of the corpus twice, then
// reversed, then with tracking parameters changed in its links: only the
// first pass may add entries.
func TestCorpusRepoll(t *testing.T) {
	dir, inputs := corpus.FeedInputs(t)
	p := newPipeline(t)
	reverse := func(es []feeds.Entry) []feeds.Entry { slices.Reverse(es); return es }
	tracking := func(es []feeds.Entry) []feeds.Entry {
		for i := range es {
			if l := es[i].Raw.Link; strings.HasPrefix(l, "http") && !strings.Contains(l, "#") {
				sep := "?"
				if strings.Contains(l, "?") {
					sep = "&"
				}
				es[i].Raw.Link = l + sep + "utm_source=tidyfeed&utm_medium=feed&fbclid=abc"
				es[i].Link = es[i].Raw.Link
			}
		}
		return es
	}
	files, stored, captures := 0, 0, 0
	for _, in := range inputs {
		if !corpus.IsRealCapture(dir, in) {
			continue
		}
		// Under the race detector, which slows cleaning several times over,
		// every third capture is enough to show re-polls add nothing.
		if captures++; race.Enabled && captures%3 != 0 {
			continue
		}
		path := filepath.Join(dir, in.Path)
		first := p.entries(path, nil)
		if len(first) == 0 {
			continue
		}
		files++
		stored += p.save(path, first).New
		for _, pass := range []struct {
			name string
			edit func([]feeds.Entry) []feeds.Entry
		}{{"again", nil}, {"reversed", reverse}, {"tracking parameters changed", tracking}} {
			if res := p.save(path, p.entries(path, pass.edit)); res.New != 0 {
				t.Errorf("%s %s: %d new entries (keys %q), want 0", in.Path, pass.name, res.New, res.NewKeys[:min(3, len(res.NewKeys))])
			}
		}
	}
	if files < 20 {
		t.Fatalf("only %d real captures parsed; is the corpus complete?", files)
	}
	t.Logf("%d real captures, %d entries stored, none added by re-polls", files, stored)
}

// TestCorpusSameSite merges the corpus's same-site sets (one site's feed
// in several formats, each configured as its own feed). The truth is taken
// from outside dedupe: two entries are the same story when their titles
// and publication times are equal (the captures of one set are not always
// from the same day: DaringFireball.rss is a year older than the others).
// At least 85% of the true duplicates must merge, and no two true stories.
func TestCorpusSameSite(t *testing.T) {
	dir := corpus.Dir(t, "feeds")
	sets := [][]string{
		{"rsparser/DaringFireball.atom", "rsparser/DaringFireball.rss", "rsparser/DaringFireball.json"},
		{"rsparser/allthis.atom", "rsparser/allthis.json"},
		{"miniflux/parser/large_atom.xml", "miniflux/parser/large_rss.xml"},
	}
	for _, set := range sets {
		t.Run(filepath.Base(set[0]), func(t *testing.T) {
			p := newPipeline(t)
			sum, largest := 0, 0
			truth := map[string]bool{}
			var ids []string
			for _, f := range set {
				path := filepath.Join(dir, f)
				if _, err := os.Stat(path); err != nil {
					t.Skipf("%s not in corpus", f)
				}
				es := p.entries(path, nil)
				for _, e := range es {
					truth[strings.ToLower(strings.TrimSpace(e.Title))+"|"+e.Published.UTC().String()] = true
				}
				n := p.save(f, es).New
				sum += n
				largest = max(largest, n)
				ids = append(ids, f)
			}
			stories, err := p.store.Recent(t.Context(), ids, 0)
			if err != nil {
				t.Fatal(err)
			}
			got, want := len(stories), len(truth)
			dups := sum - want // copies a perfect dedupe merges
			merged := sum - got
			t.Logf("%v: %d entries, largest file %d, %d true stories, %d stories after dedupe, %d/%d duplicates merged",
				set, sum, largest, want, got, merged, dups)
			if got < want || got < largest {
				t.Errorf("%d stories, fewer than the %d true stories (largest file %d): a wrong merge", got, want, largest)
			}
			if float64(merged) < 0.85*float64(dups) {
				t.Errorf("merged %d of %d duplicate copies, want at least 85%%", merged, dups)
			}
		})
	}
}
