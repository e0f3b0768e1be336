package config

import (
	"path/filepath"
	"testing"
)

func TestAddFeeds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feeds.yaml")
	tests := []struct {
		name, in, want string
		add            []NewFeed
		added          int
	}{
		{
			name: "comments and order kept, duplicates skipped",
			in: `# my feeds
listen: 127.0.0.1:8080   # local only
feeds:
  # tech
  - url: https://b.example/feed   # the B blog
    name: B
  - url: https://a.example/feed
  # - url: https://old.example/feed   (disabled)

# the outputs
outputs:
  - name: all
`,
			add: []NewFeed{{URL: "https://A.example/feed"}, {URL: "https://c.example/rss", Name: "C: the blog", Tags: []string{"news", "daily"}},
				{URL: "https://c.example/rss"}},
			added: 1,
			want: `# my feeds
listen: 127.0.0.1:8080   # local only
feeds:
  # tech
  - url: https://b.example/feed   # the B blog
    name: B
  - url: https://a.example/feed
  # - url: https://old.example/feed   (disabled)
  - url: https://c.example/rss
    name: "C: the blog"
    tags: [news, daily]

# the outputs
outputs:
  - name: all
`,
		},
		{
			name: "feeds last, indented by four, no final newline",
			in:   "interval: 1h\nfeeds:\n    -   url: https://a.example/feed",
			add:  []NewFeed{{URL: "https://c.example/rss", Name: "C"}}, added: 1,
			want: "interval: 1h\nfeeds:\n    -   url: https://a.example/feed\n    - url: https://c.example/rss\n      name: C\n",
		},
		{
			name: "feeds last, with a comment at the end",
			in:   "feeds:\n  - url: https://a.example/feed\n\n# the end\n",
			add:  []NewFeed{{URL: "https://c.example/rss"}}, added: 1,
			want: "feeds:\n  - url: https://a.example/feed\n  - url: https://c.example/rss\n\n# the end\n",
		},
		{
			name: "no feeds key",
			in:   "# empty config\ninterval: 1h\n",
			add:  []NewFeed{{URL: "https://c.example/rss"}}, added: 1,
			want: "# empty config\ninterval: 1h\nfeeds:\n  - url: https://c.example/rss\n",
		},
		{
			name: "empty feeds key",
			in:   "feeds:\n# none yet\ninterval: 1h\n",
			add:  []NewFeed{{URL: "https://c.example/rss"}}, added: 1,
			want: "feeds:\n  - url: https://c.example/rss\n# none yet\ninterval: 1h\n",
		},
		{
			name: "nothing new",
			in:   "feeds:\n  - url: https://a.example/feed\n",
			add:  []NewFeed{{URL: "https://a.example/feed"}}, added: 0,
			want: "feeds:\n  - url: https://a.example/feed\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, added, err := AddFeeds(path, []byte(tt.in), tt.add)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", out, tt.want)
			}
			if len(added) != tt.added {
				t.Errorf("added %d feeds, want %d", len(added), tt.added)
			}
		})
	}
	t.Run("flow style is refused", func(t *testing.T) {
		if _, _, err := AddFeeds(path, []byte("feeds: [{url: https://a.example/}]\n"), []NewFeed{{URL: "https://b.example/"}}); err == nil {
			t.Error("no error for a flow-style feeds list")
		}
	})
	t.Run("bad url is refused", func(t *testing.T) {
		if _, _, err := AddFeeds(path, []byte("feeds:\n"), []NewFeed{{URL: "ftp://b.example/"}}); err == nil {
			t.Error("no error for an ftp URL")
		}
	})
}
