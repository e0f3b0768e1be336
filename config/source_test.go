package config

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

func TestSources(t *testing.T) {
	cfg, err := Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	seed, err := filepath.Abs(filepath.Join("testdata", "seed.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []feeds.Source{
		{
			ID:       "https://example.org/feed.xml",
			Name:     "Example",
			URL:      "https://example.org/feed.xml",
			Interval: time.Hour,
			Tags:     []string{"news", "world"},
			Priority: 2,
			NoDedupe: true,
			Clean: feeds.CleanRules{
				Remove:  []string{".share", "div.related"},
				Replace: []feeds.Replacement{{Pattern: "Sponsored by .*", With: ""}},
				Disable: []string{"share", "related"},
			},
		},
		{ID: "file:" + seed, Path: seed},
		{ID: "http://blog.example.com/atom", URL: "http://blog.example.com/atom", Interval: 48 * time.Hour},
	}
	if got := cfg.Sources(); !reflect.DeepEqual(got, want) {
		t.Errorf("Sources():\n got %+v\nwant %+v", got, want)
	}
}
