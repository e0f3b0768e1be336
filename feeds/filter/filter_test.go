package filter_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/filter"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func mustCompile(t *testing.T, r filter.Rules) *filter.Set {
	t.Helper()
	s, err := filter.Compile(r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func entry(title string, age time.Duration) feeds.Entry {
	return feeds.Entry{Key: title, Title: title, Link: "https://example.com/" + title,
		Published: now.Add(-age), Updated: now.Add(-age)}
}

func titles(es []feeds.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Title)
	}
	return out
}

// polled is the state of a feed polled once before, an hour ago.
func polled() feeds.FeedState {
	return feeds.FeedState{FeedID: "f", LastSuccess: now.Add(-time.Hour), Entries: 3}
}

func TestApplyDrops(t *testing.T) {
	rich := feeds.Entry{Key: "rich", Title: "Quarterly results", Link: "https://example.com/biz/q3",
		Content: "<p>Revenue <b>grew</b> &amp; profits fell</p>", Authors: []feeds.Person{{Name: "Ann Author", Email: "ann@example.com"}},
		Categories: []string{"Business", "Markets"}, Published: now.Add(-time.Hour)}
	tests := []struct {
		name  string
		opts  filter.Options
		src   feeds.Source
		in    []feeds.Entry
		want  []string
		drops map[string]int
	}{
		{name: "exclude title", opts: filter.Options{Rules: mustCompile(t, filter.Rules{Exclude: []filter.Rule{{Field: filter.Title, Pattern: `(?i)sponsored`}}})},
			in: []feeds.Entry{entry("Sponsored: buy", time.Hour), entry("news", time.Hour)}, want: []string{"news"}, drops: map[string]int{"exclude:title": 1}},
		{name: "exclude content text across tags", opts: filter.Options{Rules: mustCompile(t, filter.Rules{Exclude: []filter.Rule{{Field: filter.Content, Pattern: `grew & profits`}}})},
			in: []feeds.Entry{rich, entry("news", time.Hour)}, want: []string{"news"}, drops: map[string]int{"exclude:content": 1}},
		{name: "exclude link", opts: filter.Options{Rules: mustCompile(t, filter.Rules{Exclude: []filter.Rule{{Field: filter.Link, Pattern: `/biz/`}}})},
			in: []feeds.Entry{rich, entry("news", time.Hour)}, want: []string{"news"}, drops: map[string]int{"exclude:link": 1}},
		{name: "exclude author email", opts: filter.Options{Rules: mustCompile(t, filter.Rules{Exclude: []filter.Rule{{Field: filter.Author, Pattern: `^ann@`}}})},
			in: []feeds.Entry{rich, entry("news", time.Hour)}, want: []string{"news"}, drops: map[string]int{"exclude:author": 1}},
		{name: "include category", opts: filter.Options{Rules: mustCompile(t, filter.Rules{Include: []filter.Rule{{Field: filter.Category, Pattern: `^Markets$`}}})},
			in: []feeds.Entry{rich, entry("news", time.Hour), entry("more", time.Hour)}, want: []string{"Quarterly results"}, drops: map[string]int{"include": 2}},
		{name: "exclude feed name", src: feeds.Source{ID: "f", Name: "Tabloid Daily"},
			opts: filter.Options{Rules: mustCompile(t, filter.Rules{Exclude: []filter.Rule{{Field: filter.FeedName, Pattern: `Tabloid`}}})},
			in:   []feeds.Entry{entry("a", time.Hour), entry("b", time.Hour)}, want: nil, drops: map[string]int{"exclude:feed": 2}},
		{name: "per-feed rules add to global", src: feeds.Source{ID: "f"},
			opts: filter.Options{
				Rules: mustCompile(t, filter.Rules{Exclude: []filter.Rule{{Field: filter.Title, Pattern: `^ad`}}}),
				Feeds: map[string]filter.FeedOptions{"f": {Rules: mustCompile(t, filter.Rules{Exclude: []filter.Rule{{Field: filter.Title, Pattern: `^promo`}}})}}},
			in: []feeds.Entry{entry("ad1", time.Hour), entry("promo1", time.Hour), entry("news", time.Hour)}, want: []string{"news"},
			drops: map[string]int{"exclude:title": 2}},
		{name: "per-feed rules only for their feed", src: feeds.Source{ID: "g"},
			opts: filter.Options{Feeds: map[string]filter.FeedOptions{"f": {Rules: mustCompile(t, filter.Rules{Exclude: []filter.Rule{{Field: filter.Title, Pattern: `.`}}})}}},
			in:   []feeds.Entry{entry("news", time.Hour)}, want: []string{"news"}, drops: nil},
		{name: "max age", opts: filter.Options{MaxAge: 7 * 24 * time.Hour},
			in: []feeds.Entry{entry("old", 8*24*time.Hour), entry("new", time.Hour), {Key: "undated", Title: "undated"}}, want: []string{"new", "undated"},
			drops: map[string]int{"max-age": 1}},
		{name: "per-feed max age overrides", src: feeds.Source{ID: "f"},
			opts: filter.Options{MaxAge: 30 * 24 * time.Hour, Feeds: map[string]filter.FeedOptions{"f": {MaxAge: 2 * time.Hour}}},
			in:   []feeds.Entry{entry("old", 3*time.Hour), entry("new", time.Hour)}, want: []string{"new"}, drops: map[string]int{"max-age": 1}},
		{name: "future drop", opts: filter.Options{Future: filter.Drop},
			in: []feeds.Entry{entry("typo", -3*365*24*time.Hour), entry("skew", -5*time.Minute), entry("news", time.Hour)}, want: []string{"skew", "news"},
			drops: map[string]int{"future": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Now = func() time.Time { return now }
			st := polled()
			got := filter.New(tt.opts).Apply(tt.src, &st, tt.in)
			if fmt.Sprint(titles(got)) != fmt.Sprint(tt.want) {
				t.Errorf("kept %q, want %q", titles(got), tt.want)
			}
			if !maps.Equal(st.Dropped, tt.drops) {
				t.Errorf("Dropped = %v, want %v", st.Dropped, tt.drops)
			}
		})
	}
}

func TestFuturePolicy(t *testing.T) {
	typo := now.Add(3 * 365 * 24 * time.Hour)
	for _, tt := range []struct {
		policy filter.Policy
		want   time.Time
		kept   int
	}{
		{filter.Keep, typo, 1},
		{filter.Clamp, now, 1},
		{"", now, 1}, // the default clamps
		{filter.Drop, time.Time{}, 0},
	} {
		t.Run(string(tt.policy), func(t *testing.T) {
			st := polled()
			in := []feeds.Entry{{Key: "k", Title: "t", Published: typo, Updated: typo}}
			got := filter.New(filter.Options{Future: tt.policy, Now: func() time.Time { return now }}).Apply(feeds.Source{}, &st, in)
			if len(got) != tt.kept {
				t.Fatalf("kept %d entries, want %d", len(got), tt.kept)
			}
			if tt.kept == 1 && (!got[0].Published.Equal(tt.want) || got[0].Updated.After(tt.want)) {
				t.Errorf("published %v updated %v, want %v", got[0].Published, got[0].Updated, tt.want)
			}
		})
	}
}

func TestBacklogCap(t *testing.T) {
	f := filter.New(filter.Options{Backlog: 3, Now: func() time.Time { return now }})
	var doc []feeds.Entry
	for i := range 10 { // an archive feed, oldest first
		doc = append(doc, entry(fmt.Sprintf("e%d", i), time.Duration(10-i)*24*time.Hour))
	}
	var st feeds.FeedState // never polled
	got := f.Apply(feeds.Source{ID: "f"}, &st, append([]feeds.Entry(nil), doc...))
	if fmt.Sprint(titles(got)) != "[e7 e8 e9]" {
		t.Errorf("first poll kept %v, want the newest 3 [e7 e8 e9]", titles(got))
	}
	if st.Dropped["backlog"] != 7 {
		t.Errorf("Dropped = %v, want backlog: 7", st.Dropped)
	}
	if want := doc[7].Published; !st.Filter.Horizon.Equal(want) {
		t.Errorf("Horizon = %v, want %v", st.Filter.Horizon, want)
	}

	// The next poll sees the same archive plus one new post: the old ones
	// stay held back, the new one passes.
	st.LastSuccess, st.Entries = now.Add(-time.Hour), 3
	doc = append(doc, entry("fresh", time.Minute))
	got = f.Apply(feeds.Source{ID: "f"}, &st, doc)
	if fmt.Sprint(titles(got)) != "[e7 e8 e9 fresh]" {
		t.Errorf("second poll kept %v, want [e7 e8 e9 fresh]", titles(got))
	}
	if st.Dropped["backlog"] != 7 {
		t.Errorf("second poll Dropped = %v, want backlog: 7 (the document's count, not a running total)", st.Dropped)
	}

	t.Run("small feeds are not cut", func(t *testing.T) {
		var st feeds.FeedState
		got := f.Apply(feeds.Source{ID: "g"}, &st, []feeds.Entry{entry("a", time.Hour), entry("b", time.Hour)})
		if len(got) != 2 || st.Dropped != nil || !st.Filter.Horizon.IsZero() {
			t.Errorf("kept %v, dropped %v, horizon %v; want both kept and nothing recorded", titles(got), st.Dropped, st.Filter.Horizon)
		}
	})
	t.Run("negative means no cap", func(t *testing.T) {
		var st feeds.FeedState
		got := filter.New(filter.Options{Backlog: -1}).Apply(feeds.Source{}, &st, doc[:10:10])
		if len(got) != 10 {
			t.Errorf("kept %d, want 10", len(got))
		}
	})
}

// TestBacklogCapHoldsWhatHorizonMisses checks that entries the cap held
// back without a date, or with the date of the oldest entry kept, stay held
// back on later polls (through the state's JSON, as storage keeps it),
// while new entries pass, and that the state forgets entries that left
// the document.
func TestBacklogCapHoldsWhatHorizonMisses(t *testing.T) {
	f := filter.New(filter.Options{Backlog: 2, Now: func() time.Time { return now }})
	day := now.Add(-24 * time.Hour)
	dated := func(title string) feeds.Entry {
		return feeds.Entry{Key: title, Title: title, Published: day}
	}
	doc := []feeds.Entry{dated("d1"), dated("d2"), dated("d3"), {Key: "u1", Title: "u1"}, {Key: "u2", Title: "u2"}}
	var st feeds.FeedState
	got := f.Apply(feeds.Source{ID: "f"}, &st, slices.Clone(doc))
	if fmt.Sprint(titles(got)) != "[d1 d2]" || st.Dropped["backlog"] != 3 || len(st.Filter.Held) != 3 {
		t.Fatalf("first poll kept %v, dropped %v, held %v; want [d1 d2], backlog: 3, 3 held", titles(got), st.Dropped, st.Filter.Held)
	}
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	st = feeds.FeedState{}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}

	st.LastSuccess, st.Entries = now.Add(-time.Hour), 2
	next := append([]feeds.Entry{dated("d0"), {Key: "u0", Title: "u0"}}, doc[:4]...) // u2 left the document
	got = f.Apply(feeds.Source{ID: "f"}, &st, next)
	if fmt.Sprint(titles(got)) != "[d0 u0 d1 d2]" {
		t.Errorf("second poll kept %v, want [d0 u0 d1 d2]", titles(got))
	}
	if st.Dropped["backlog"] != 2 || len(st.Filter.Held) != 2 {
		t.Errorf("second poll dropped %v, held %v; want backlog: 2 and 2 held (d3, u1)", st.Dropped, st.Filter.Held)
	}
}

func TestRedatingHeldBack(t *testing.T) {
	f := filter.New(filter.Options{Now: func() time.Time { return now }})
	st := polled()
	// A platform migration: 30 old posts get new GUIDs and the date of the
	// migration, minutes ago; one real post came out yesterday.
	migration := now.Add(-20 * time.Minute)
	var doc []feeds.Entry
	for i := range 30 {
		e := entry(fmt.Sprintf("old%d", i), 0)
		e.Published = migration.Add(time.Duration(i) * time.Second)
		doc = append(doc, e)
	}
	doc = append(doc, entry("yesterday", 24*time.Hour))
	got := f.Apply(feeds.Source{ID: "f"}, &st, append([]feeds.Entry(nil), doc...))
	if fmt.Sprint(titles(got)) != "[yesterday]" {
		t.Errorf("kept %v, want only [yesterday]", titles(got))
	}
	if st.Dropped["redated"] != 30 {
		t.Errorf("Dropped = %v, want redated: 30", st.Dropped)
	}

	// Next poll, an hour later: the re-dated posts are older than the last
	// poll now, but stay held back; a genuine new post passes.
	st.LastSuccess = now
	later := filter.New(filter.Options{Now: func() time.Time { return now.Add(time.Hour) }})
	doc2 := append([]feeds.Entry{{Key: "new", Title: "new", Published: now.Add(30 * time.Minute)}}, doc[:30]...)
	got = later.Apply(feeds.Source{ID: "f"}, &st, doc2)
	if fmt.Sprint(titles(got)) != "[new]" {
		t.Errorf("next poll kept %v, want [new]", titles(got))
	}
	if st.Dropped["redated"] != 30 {
		t.Errorf("next poll Dropped = %v, want redated: 30", st.Dropped)
	}

	t.Run("a normal day of posts is not a burst", func(t *testing.T) {
		st := polled()
		st.LastSuccess = now.Add(-24 * time.Hour)
		var doc []feeds.Entry
		for i := range 12 {
			doc = append(doc, entry(fmt.Sprintf("p%d", i), time.Duration(i)*time.Hour))
		}
		if got := f.Apply(feeds.Source{}, &st, doc); len(got) != 12 || st.Dropped != nil {
			t.Errorf("kept %d, dropped %v; want all 12 kept", len(got), st.Dropped)
		}
	})
}

// TestClampedDatesAreNotABurst checks that entries whose future dates are
// clamped to now (an events feed announcing what is coming) do not count
// as a re-dating burst, however many there are, while dated ones still do.
func TestClampedDatesAreNotABurst(t *testing.T) {
	f := filter.New(filter.Options{Now: func() time.Time { return now }})
	st := polled()
	var doc []feeds.Entry
	for i := range 12 {
		doc = append(doc, entry(fmt.Sprintf("event%d", i), -time.Duration(i+1)*24*time.Hour))
	}
	got := f.Apply(feeds.Source{ID: "f"}, &st, doc)
	if len(got) != 12 || st.Dropped != nil {
		t.Errorf("kept %d, dropped %v; want all 12 kept", len(got), st.Dropped)
	}
	if !st.Filter.HeldFrom.IsZero() {
		t.Errorf("HeldFrom = %v, want no re-dating window", st.Filter.HeldFrom)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, r := range []filter.Rules{
		{Include: []filter.Rule{{Field: "body", Pattern: "x"}}},
		{Exclude: []filter.Rule{{Field: filter.Title, Pattern: "("}}},
	} {
		if _, err := filter.Compile(r); err == nil {
			t.Errorf("Compile(%+v) = nil error, want one", r)
		}
	}
	if s, err := filter.Compile(filter.Rules{}); s != nil || err != nil {
		t.Errorf("Compile(zero) = %v, %v; want nil, nil", s, err)
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"<p>a <b>b</b></p><p>c&amp;d</p>": "a b c&d",
		"plain   text\n":                  "plain text",
	} {
		if got := filter.Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}
