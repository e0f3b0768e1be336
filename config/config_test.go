package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestLoadFull(t *testing.T) {
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := &Config{
		Path:     filepath.Join(dir, "full.yaml"),
		Listen:   "127.0.0.1:9090",
		Data:     filepath.Join(dir, "state", "tidyfeed.db"),
		Interval: 45 * time.Minute,
		Log:      Log{Format: "json", Level: "debug"},
		Fetch: Fetch{
			Timeout:              15 * time.Second,
			MaxBody:              5 << 20,
			UserAgent:            "tidyfeed-test/1.0",
			AllowPrivateNetworks: true,
		},
		Polling: Polling{Adaptive: false, Concurrency: 4, PerHost: 2, HostSpacing: 0,
			MaxRetryAfter: 6 * time.Hour, BackoffCap: 24 * time.Hour},
		Output: Output{Title: "My feeds", Link: "https://feeds.example.net/", MaxItems: 500},
		Feeds: []Feed{
			{
				URL:      "https://example.org/feed.xml",
				Name:     "Example",
				Interval: time.Hour,
				Tags:     []string{"news", "world"},
				Priority: 2,
				Dedupe:   false,
				Remove:   []string{".share", "div.related"},
				Replace:  []Replace{{Pattern: "Sponsored by .*", With: ""}},
				Disable:  []string{"share", "related"},
				Line:     15, Column: 5,
			},
			{Path: filepath.Join(dir, "seed.xml"), Dedupe: true, Line: 24, Column: 5},
			{URL: "http://blog.example.com/atom", Interval: 48 * time.Hour, Dedupe: true, Line: 25, Column: 5},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load(full.yaml):\n got %+v\nwant %+v", got, want)
	}
}

func TestParseDefaults(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feeds.yaml")
	base := Config{
		Path:     path,
		Listen:   "127.0.0.1:8080",
		Data:     filepath.Join(dir, "tidyfeed.db"),
		Interval: 30 * time.Minute,
		Log:      Log{Format: "text", Level: "info"},
		Fetch:    Fetch{Timeout: 20 * time.Second, MaxBody: 10_000_000},
		Output:   Output{Title: "tidyfeed", Link: "http://127.0.0.1:8080/", MaxItems: 200},
		Polling: Polling{Adaptive: true, Concurrency: 8, PerHost: 1, HostSpacing: 2 * time.Second,
			MaxRetryAfter: 48 * time.Hour, BackoffCap: 7 * 24 * time.Hour},
	}
	tests := []struct {
		name string
		yaml string
		edit func(c *Config) // changes from base
	}{
		{name: "empty file", yaml: ""},
		{name: "only comments", yaml: "# nothing yet\n"},
		{name: "empty mappings", yaml: "log: {}\nfetch: {}\noutput: {}\nfeeds: []\n"},
		{name: "nulls", yaml: "listen: ~\ninterval: null\nlog:\nfetch:\n  timeout: ~\noutput:\n  link: ''\n"},
		{
			name: "one feed",
			yaml: "feeds:\n  - url: https://example.org/feed\n",
			edit: func(c *Config) {
				c.Feeds = []Feed{{URL: "https://example.org/feed", Dedupe: true, Line: 2, Column: 5}}
			},
		},
		{
			name: "link follows listen",
			yaml: "listen: \":9000\"\n",
			edit: func(c *Config) { c.Listen, c.Output.Link = ":9000", "http://localhost:9000/" },
		},
		{
			name: "link follows ipv6 listen",
			yaml: "listen: \"[::1]:9000\"\n",
			edit: func(c *Config) { c.Listen, c.Output.Link = "[::1]:9000", "http://[::1]:9000/" },
		},
		{
			name: "link gets a slash",
			yaml: "output: {link: \"https://example.net\"}\n",
			edit: func(c *Config) { c.Output.Link = "https://example.net/" },
		},
		{
			name: "absolute data",
			yaml: "data: /var/lib/tidyfeed/db\n",
			edit: func(c *Config) { c.Data = "/var/lib/tidyfeed/db" },
		},
		{
			name: "anchors and aliases",
			yaml: "feeds:\n  - {url: https://a.example/feed, remove: &rm [.ad, .share]}\n  - {url: https://b.example/feed, remove: *rm}\n",
			edit: func(c *Config) {
				rm := []string{".ad", ".share"}
				c.Feeds = []Feed{
					{URL: "https://a.example/feed", Remove: rm, Dedupe: true, Line: 2, Column: 5},
					{URL: "https://b.example/feed", Remove: rm, Dedupe: true, Line: 3, Column: 5},
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := base
			if tt.edit != nil {
				tt.edit(&want)
			}
			got, err := Parse(path, []byte(tt.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("Parse(%q):\n got %+v\nwant %+v", tt.yaml, *got, want)
			}
		})
	}
}

// writeFile writes s to path, for tests.
func writeFile(path, s string) error {
	return os.WriteFile(path, []byte(s), 0o644)
}
