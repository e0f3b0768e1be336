package clean

import (
	"slices"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// TestKeepsLookalikes checks that prose resembling dirt survives.
func TestKeepsLookalikes(t *testing.T) {
	cases := []struct {
		name    string
		title   string
		content string
		keep    []string
	}{
		{"share as a noun", "Markets slide",
			"<p>Share prices fell sharply on Monday after the bank cut its forecast.</p><p>Comments from the minister were brief.</p><p>Follow the money, the old saying goes.</p>",
			[]string{"Share prices fell sharply", "Comments from the minister were brief.", "Follow the money, the old saying goes."}},
		{"by at the start of prose", "Port expansion",
			"<p>By the end of the year, the port will double its capacity.</p><p>Work starts in March.</p>",
			[]string{"By the end of the year, the port will double its capacity.", "Work starts in March."}},
		{"newsletter as a subject", "An anniversary",
			"<p>Our newsletter turns ten this week, and we want to thank every reader who wrote to us over the years.</p><p>The first issue went to just 40 people.</p>",
			[]string{"Our newsletter turns ten this week", "The first issue went to just 40 people."}},
		{"a links roundup is content", "Five links for Friday",
			`<ul><li><a href="https://a.example/x/one">A long read on harbour cities and trade</a></li><li><a href="https://b.example/y/two">Why tides are hard to predict well</a></li><li><a href="https://c.example/z/three">The lost art of the ship's log book</a></li></ul>`,
			[]string{"A long read on harbour cities", "Why tides are hard", "The lost art of the ship"}},
		{"title words in a longer lead", "Rain returns",
			"<p>Rain returns to the valley after a dry spring, bringing relief to farmers who had feared for the harvest.</p>",
			[]string{"Rain returns to the valley after a dry spring"}},
		{"recipe list", "Pancakes",
			"<p>These pancakes are thin and quick to make on a weekday morning.</p><h3>Ingredients</h3><ul><li>2 eggs</li><li>250 ml milk</li><li>120 g flour</li></ul><p>Whisk everything together and rest the batter.</p>",
			[]string{"Ingredients", "2 eggs", "250 ml milk", "120 g flour", "Whisk everything together"}},
		{"related in a sentence", "Study published",
			"<p>The study found that sleep and memory are closely related.</p><p>Related research in mice points the same way, the authors said.</p>",
			[]string{"closely related.", "Related research in mice"}},
	}
	c := New(Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := feeds.Entry{Raw: feeds.Raw{Title: tc.title, Link: "https://news.example/a/1", Content: tc.content}}
			rep := c.Clean(&e, Feed{})
			for _, k := range tc.keep {
				if n := countIn(e.Content, k); n != 1 {
					t.Errorf("%q appears %d times, want 1; report:\n%s", k, n, rep)
				}
			}
		})
	}
}

func TestPerFeedRules(t *testing.T) {
	c := New(Options{})
	raw := feeds.Raw{Title: "Quarry reopens", Link: "https://q.example/quarry",
		Content: `<p>The quarry reopened on Monday after a two-month safety review by inspectors.</p><p class="imprint">Printed by Valley Press Ltd.</p><p>Share this article</p><p>Price: 4 EUR</p>`}
	rules := feeds.CleanRules{
		Remove:  []string{"p.imprint"},
		Replace: []feeds.Replacement{{Pattern: `Price: (\d+) EUR`, With: "Cost: ${1} euros"}},
		Disable: []string{"share"},
	}
	e := feeds.Entry{Raw: raw}
	rep := c.Clean(&e, Feed{Rules: rules})
	if countIn(e.Content, "Valley Press") != 0 {
		t.Errorf("remove selector left %q", e.Content)
	}
	if countIn(e.Content, "Cost: 4 euros") != 1 {
		t.Errorf("replace not applied: %q", e.Content)
	}
	if countIn(e.Content, "Share this article") != 1 {
		t.Errorf("share family disabled, but the widget was removed: %q", e.Content)
	}
	if !slices.Contains(rep.Rules(), "feed/remove") {
		t.Errorf("report %v lacks feed/remove", rep.Rules())
	}
	// The global Disable option works the same way.
	e = feeds.Entry{Raw: raw}
	New(Options{Disable: []string{"share"}}).Clean(&e, Feed{})
	if countIn(e.Content, "Share this article") != 1 {
		t.Errorf("share family disabled globally, but the widget was removed: %q", e.Content)
	}
}

func TestExplain(t *testing.T) {
	c := New(Options{})
	e := feeds.Entry{Raw: feeds.Raw{Title: "Bridge closed", Link: "https://b.example/bridge",
		Content: "<p>Bridge closed</p><p>The old bridge is closed to traffic until further notice, the council said on Monday.</p><p>ADVERTISEMENT</p>"}}
	x := c.Explain(e, Feed{})
	if e.Content != "" {
		t.Errorf("Explain modified its argument: Content = %q", e.Content)
	}
	if x.Before != e.Raw.Content {
		t.Errorf("Before = %q, want the raw content", x.Before)
	}
	if got, want := x.Report.Rules(), []string{"ads/marker", "title/repeat"}; !slices.Equal(got, want) {
		t.Errorf("rules = %v, want %v", got, want)
	}
	if !strings.Contains(x.Report.String(), `ads/marker: "ADVERTISEMENT"`) {
		t.Errorf("String() = %q, want a line for the ad marker", x.Report.String())
	}
	if countIn(x.After, "The old bridge is closed") != 1 || strings.Contains(x.After, "ADVERTISEMENT") {
		t.Errorf("After = %q", x.After)
	}
	if (Report{}).String() != "nothing removed" {
		t.Errorf("empty report String() = %q", Report{}.String())
	}
}

func TestRuleFamilies(t *testing.T) {
	got := RuleFamilies()
	for _, r := range pipeline {
		if !slices.Contains(got, r.family) {
			t.Errorf("pipeline rule %s/%s has undocumented family", r.family, r.name)
		}
	}
	for _, f := range got {
		if RuleFamilyDoc(f) == "" {
			t.Errorf("family %q has no doc", f)
		}
	}
}

func TestSummary(t *testing.T) {
	lead := "The museum will reopen its west wing on Saturday after three years of restoration work on the roof and the galleries."
	body := "<p>" + lead + "</p><p>Entry will be free for the first weekend, and guided tours start every hour from ten in the morning.</p>"
	cases := []struct {
		name    string
		summary string
		want    string // prefix of the wanted summary
	}{
		{"empty summary gives an excerpt", "", "The museum will reopen its west wing"},
		{"teaser summary gives an excerpt", "The museum will reopen its west wing on Sat […]", "The museum will reopen its west wing on Saturday"},
		{"own summary kept as text", "<p>A <b>restored</b> wing opens.</p>", "A restored wing opens."},
		{"dirty summary cleaned", "A restored wing opens.\n\nThe post Museum appeared first on City News.", "A restored wing opens."},
	}
	c := New(Options{ExcerptLength: 120})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := feeds.Entry{Raw: feeds.Raw{Title: "Museum", Link: "https://m.example/x", Content: body, Summary: tc.summary}}
			c.Clean(&e, Feed{})
			if !strings.HasPrefix(e.Summary, tc.want) || strings.Contains(e.Summary, "appeared first") || len([]rune(e.Summary)) > 121 {
				t.Errorf("Summary = %q, want it to start with %q (≤ 120 chars, no trailer)", e.Summary, tc.want)
			}
		})
	}
}
