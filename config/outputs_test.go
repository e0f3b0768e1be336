package config

import (
	"path/filepath"
	"testing"
	"time"
)

func TestParseOutputsAndFilters(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feeds.yaml")
	src := `output:
  title: All
  dir: public
  hub: https://hub.example/
  archive: 1d
filters:
  exclude:
    - {title: "(?i)sponsored"}
    - category: "^Ads$"
  max_age: 30d
  future: drop
  backlog: 20
feeds:
  - url: https://a.example/feed
    name: Alpha
    tags: [tech, daily]
    filters:
      include: [{content: golang}]
      backlog: 0
  - url: https://b.example/feed
    tags: [podcast]
outputs:
  - name: tech
    title: Tech only
    tags: [tech]
    max_items: 10
    filters: {exclude: [{author: Bob}]}
  - name: shows
    feeds: [https://b.example/feed]
`
	cfg, err := Parse(path, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Output.Dir != filepath.Join(dir, "public") || cfg.Output.Hub != "https://hub.example/" || cfg.Output.Archive != 24*time.Hour {
		t.Errorf("output = %+v, want dir %s, hub, archive 24h", cfg.Output, filepath.Join(dir, "public"))
	}
	g := cfg.Filters
	if len(g.Exclude) != 2 || g.Exclude[1] != (FilterRule{Field: "category", Pattern: "^Ads$"}) || g.MaxAge != 30*24*time.Hour ||
		g.Future != "drop" || g.Backlog == nil || *g.Backlog != 20 {
		t.Errorf("global filters = %+v", g)
	}
	f := cfg.Feeds[0].Filters
	if len(f.Include) != 1 || f.Include[0].Field != "content" || f.Backlog == nil || *f.Backlog != 0 {
		t.Errorf("feed filters = %+v, want include content and backlog 0", f)
	}
	if cfg.Feeds[1].Filters.Backlog != nil {
		t.Errorf("feed without filters has backlog %v, want nil (the global value)", *cfg.Feeds[1].Filters.Backlog)
	}
	if len(cfg.Outputs) != 2 {
		t.Fatalf("got %d outputs, want 2", len(cfg.Outputs))
	}
	tech, shows := cfg.Outputs[0], cfg.Outputs[1]
	if tech.Name != "tech" || tech.Title != "Tech only" || tech.MaxItems != 10 || len(tech.Filters.Exclude) != 1 {
		t.Errorf("outputs[0] = %+v", tech)
	}
	for _, c := range []struct {
		o    NamedOutput
		feed int
		want bool
	}{{tech, 0, true}, {tech, 1, false}, {shows, 0, false}, {shows, 1, true}, {NamedOutput{Name: "all"}, 1, true}} {
		if got := c.o.Selects(cfg.Feeds[c.feed]); got != c.want {
			t.Errorf("output %q selects feed %d = %v, want %v", c.o.Name, c.feed, got, c.want)
		}
	}
}

func TestParseOutputErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feeds.yaml")
	tests := []struct {
		name, src string
		want      []wantErr
	}{
		{"bad name", "outputs:\n  - name: Tech News\n", []wantErr{{2, 11, "lower-case"}}},
		{"reserved name", "outputs:\n  - name: feed\n", []wantErr{{2, 11, "reserved"}}},
		{"no name", "outputs:\n  - title: x\n", []wantErr{{2, 5, "needs a name"}}},
		{"duplicate", "outputs:\n  - name: a\n  - name: a\n", []wantErr{{3, 5, "duplicate output name"}}},
		{"unknown feed and tag", "feeds:\n  - {url: https://a.example/, tags: [x]}\noutputs:\n  - {name: a, feeds: [Nope], tags: [y]}\n",
			[]wantErr{{4, 5, `no feed is named or located "Nope"`}, {4, 5, `no feed has the tag "y"`}}},
		{"bad regexp", "filters:\n  exclude: [{title: \"(\"}]\n", []wantErr{{2, 21, "missing closing )"}}},
		{"unknown field", "filters:\n  exclude: [{body: x}]\n", []wantErr{{2, 14, `unknown key "body"`}}},
		{"two fields", "filters:\n  include:\n    - {title: a, link: b}\n", []wantErr{{3, 7, "one field and a pattern"}}},
		{"bad future", "filters: {future: later}\n", []wantErr{{1, 19, "must be one of"}}},
		{"date rules not per output", "outputs:\n  - {name: a, filters: {max_age: 1d}}\n", []wantErr{{2, 25, `unknown key "max_age"`}}},
		{"bad hub", "output: {hub: ftp://hub}\n", []wantErr{{1, 15, "http or https"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(path, []byte(tt.src))
			checkErrors(t, err, path, tt.want)
		})
	}
}
