package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// wantErr is one expected problem: its position and a fragment of its
// message.
type wantErr struct {
	line, col int
	msg       string
}

// checkErrors requires err to be an Errors holding exactly want, in order.
func checkErrors(t *testing.T, err error, file string, want []wantErr) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got error %v (%T), want config.Errors", err, err)
	}
	if len(errs) != len(want) {
		t.Errorf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i := range min(len(errs), len(want)) {
		got, w := errs[i], want[i]
		if got.File != file || got.Line != w.line || got.Column != w.col || !strings.Contains(got.Msg, w.msg) {
			t.Errorf("error %d:\n got %s\nwant %s:%d:%d: ...%s...", i, got, file, w.line, w.col, w.msg)
		}
	}
}

func TestParseErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feeds.yaml")
	tests := []struct {
		name string
		yaml string
		want []wantErr
	}{
		{
			name: "typo in top-level key",
			yaml: "listen: \":8080\"\nintervall: 10m\n",
			want: []wantErr{{2, 1, `unknown key "intervall" (did you mean "interval"?)`}},
		},
		{
			name: "typo in feed key",
			yaml: "feeds:\n  - ulr: https://example.org/\n",
			want: []wantErr{
				{2, 5, `unknown key "ulr" (did you mean "url"?)`},
				{2, 5, "feeds[0] needs a url or a path"},
			},
		},
		{
			name: "unknown key without suggestion",
			yaml: "fetch:\n  proxy: socks5://x\n",
			want: []wantErr{{2, 3, `unknown key "proxy" in fetch (known keys: "timeout"`}},
		},
		{
			name: "polling keys",
			yaml: "polling:\n  adaptiv: false\n  per_host: 0\n  host_spacing: 1h\n  backoff_cap: soon\n  adaptive: maybe\n",
			want: []wantErr{
				{2, 3, `unknown key "adaptiv" (did you mean "adaptive"?)`},
				{3, 13, "polling.per_host must be between 1 and 16, got 0"},
				{4, 17, "polling.host_spacing must be between 0s and 10m"},
				{5, 16, "polling.backoff_cap: "},
				{6, 13, "polling.adaptive must be true or false"},
			},
		},
		{
			name: "duplicate key",
			yaml: "interval: 10m\ninterval: 20m\n",
			want: []wantErr{{2, 1, `duplicate key "interval" (first at line 1:1)`}},
		},
		{
			name: "bad duration",
			yaml: "interval: 10 minutes\n",
			want: []wantErr{{1, 11, `interval: invalid duration "10 minutes"`}},
		},
		{
			name: "duration without unit",
			yaml: "fetch:\n  timeout: 30\n",
			want: []wantErr{{2, 12, `fetch.timeout: duration "30" has no unit`}},
		},
		{
			name: "duration out of range",
			yaml: "interval: 30s\nfetch: {timeout: 11m}\nfeeds:\n  - {url: https://a.example/, interval: 31d}\n",
			want: []wantErr{
				{1, 11, "interval must be between 1m0s and 30d, got 30s"},
				{2, 18, "fetch.timeout must be between 1s and 10m0s, got 11m"},
				{4, 41, "feeds[0].interval must be between 1m0s and 30d, got 31d"},
			},
		},
		{
			name: "bad size",
			yaml: "fetch:\n  max_body: 10 furlongs\n",
			want: []wantErr{{2, 13, `fetch.max_body: invalid size "10 furlongs"`}},
		},
		{
			name: "size out of range",
			yaml: "fetch:\n  max_body: 2GiB\n",
			want: []wantErr{{2, 13, "fetch.max_body must be between 1KB and 1GB, got 2GiB"}},
		},
		{
			name: "max_items out of range",
			yaml: "output:\n  max_items: 0\n",
			want: []wantErr{{2, 14, "output.max_items must be between 1 and 100000, got 0"}},
		},
		{
			name: "wrong types",
			yaml: "log: text\nfetch:\n  allow_private_networks: \"yes\"\noutput:\n  max_items: lots\nfeeds:\n  url: https://example.org/\n",
			want: []wantErr{
				{1, 6, `log must be a mapping of keys to values, got "text"`},
				{3, 27, `fetch.allow_private_networks must be true or false, got "yes"`},
				{5, 14, `output.max_items must be a whole number, got "lots"`},
				{7, 3, "feeds must be a list, got a mapping"},
			},
		},
		{
			name: "bad log values",
			yaml: "log: {format: xml, level: verbose}\n",
			want: []wantErr{
				{1, 15, `log.format must be one of "text", "json", got "xml"`},
				{1, 27, `log.level must be one of "debug", "info", "warn", "error", got "verbose"`},
			},
		},
		{
			name: "bad listen",
			yaml: "listen: localhost\n",
			want: []wantErr{{1, 9, `listen: "localhost" is not host:port`}},
		},
		{
			name: "listen port out of range",
			yaml: "listen: \":99999\"\n",
			want: []wantErr{{1, 9, "port must be a number from 1 to 65535"}},
		},
		{
			name: "bad output link",
			yaml: "output:\n  link: /feeds/\n",
			want: []wantErr{{2, 9, `output.link: URL "/feeds/" must be absolute`}},
		},
		{
			name: "bad urls",
			yaml: "feeds:\n  - url: ftp://example.org/feed\n  - url: example.org/feed\n  - url: \"http://\"\n  - url: \"http://exa mple.org/\"\n",
			want: []wantErr{
				{2, 10, `feeds[0].url: URL "ftp://example.org/feed" must use http or https, not ftp`},
				{3, 10, `feeds[1].url: URL "example.org/feed" must be absolute`},
				{4, 10, `feeds[2].url: URL "http://" has no host`},
				{5, 10, `feeds[3].url: invalid URL "http://exa mple.org/"`},
			},
		},
		{
			name: "both url and path",
			yaml: "feeds:\n  - url: https://example.org/feed\n    path: seed.xml\n",
			want: []wantErr{
				{3, 5, "feeds[0] has both url and path; a feed needs exactly one"},
			},
		},
		{
			name: "neither url nor path",
			yaml: "feeds:\n  - name: Nameless\n  - url: \"\"\n",
			want: []wantErr{
				{2, 5, "feeds[0] needs a url or a path"},
				{3, 5, "feeds[1]: url must not be empty"},
			},
		},
		{
			name: "path is a folder",
			yaml: "feeds:\n  - path: .\n",
			want: []wantErr{{2, 11, "is a folder, not a feed file"}},
		},
		{
			name: "duplicate feeds",
			yaml: "feeds:\n  - url: https://Example.org/feed\n  - url: HTTPS://example.org:443/feed\n  - url: https://example.org/other\n",
			want: []wantErr{{3, 5, "duplicate feed HTTPS://example.org:443/feed (line 2:5 lists it too)"}},
		},
		{
			name: "bad regexp",
			yaml: "feeds:\n  - url: https://example.org/feed\n    replace:\n      - {pattern: \"Sponsored (by\", with: \"\"}\n      - {with: x}\n      - plain\n",
			want: []wantErr{
				{4, 19, "feeds[0].replace[0].pattern: error parsing regexp: missing closing )"},
				{5, 9, "feeds[0].replace[1] needs a non-empty pattern"},
				{6, 9, `feeds[0].replace[2] must be a mapping like {pattern: "...", with: "..."}, got "plain"`},
			},
		},
		{
			name: "empty list items",
			yaml: "feeds:\n  - url: https://example.org/feed\n    tags: [news, \"\"]\n    disable: [~]\n    remove: [[.ad]]\n",
			want: []wantErr{
				{3, 18, "feeds[0].tags[1] must not be empty"},
				{4, 15, "feeds[0].disable[0] must not be empty"},
				{5, 14, "feeds[0].remove[0] must be a string, got a list"},
			},
		},
		{
			name: "yaml syntax error",
			yaml: "listen: \":8080\"\nfeeds: [https://example.org/feed\n",
			want: []wantErr{{3, 1, "yaml syntax error: did not find expected ',' or ']' (while parsing a flow sequence started at 2:8)"}},
		},
		{
			name: "tab indentation",
			yaml: "fetch:\n\ttimeout: 10s\n",
			want: []wantErr{{2, 1, "yaml syntax error: found character that cannot start any token"}},
		},
		{
			name: "two documents",
			yaml: "listen: \":8080\"\n---\nlisten: \":9090\"\n",
			want: []wantErr{{3, 1, "a second YAML document"}},
		},
		{
			name: "not a mapping",
			yaml: "- url: https://example.org/feed\n",
			want: []wantErr{{1, 1, "the configuration must be a mapping of keys to values, got a list"}},
		},
		{
			name: "merge key",
			yaml: "output: &o {title: x}\nlog:\n  <<: *o\n",
			want: []wantErr{{3, 3, "merge keys (<<) are not supported in log"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse(path, []byte(tt.yaml))
			if cfg != nil {
				t.Errorf("got a config %+v along with errors, want nil", cfg)
			}
			checkErrors(t, err, path, tt.want)
		})
	}
}

// TestParseReportsAllErrors checks that one document with problems of every
// kind reports them all at once, each at its own position, in file order.
func TestParseReportsAllErrors(t *testing.T) {
	const doc = `listen: "127.0.0.1"
intervall: 10m
interval: 5x
fetch:
  timeout: 0s
  max_body: 10XB
output:
  link: "mailto:me@example.org"
feeds:
  - url: https://example.org/feed.xml
    replace: [{pattern: "(", with: ""}]
  - url: https://example.org/feed.xml
  - url: gopher://example.org/
    path: seed.xml
  - path: missing.xml
    dedupe: maybe
log: {level: loud}
`
	dir := t.TempDir()
	path := filepath.Join(dir, "feeds.yaml")
	if err := writeFile(path, doc); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	checkErrors(t, err, path, []wantErr{
		{1, 9, `listen: "127.0.0.1" is not host:port`},
		{2, 1, `unknown key "intervall" (did you mean "interval"?)`},
		{3, 11, `interval: invalid duration "5x"`},
		{5, 12, "fetch.timeout must be between 1s and 10m0s, got 0s"},
		{6, 13, `fetch.max_body: invalid size "10XB"`},
		{8, 9, `output.link: URL "mailto:me@example.org" must use http or https, not mailto`},
		{11, 25, "feeds[0].replace[0].pattern: error parsing regexp"},
		{12, 5, "duplicate feed https://example.org/feed.xml (line 10:5 lists it too)"},
		{13, 10, "feeds[2].url: URL \"gopher://example.org/\" must use http or https"},
		{14, 5, "feeds[2] has both url and path"},
		{16, 13, `feeds[3].dedupe must be true or false, got "maybe"`},
		{17, 14, `log.level must be one of "debug", "info", "warn", "error", got "loud"`},
	})
}

// TestMissingFeedFileWarns: a local feed file that does not exist is a
// warning at its position, not an error: the config loads, and the feed
// is polled (and fails) until the file appears.
func TestMissingFeedFileWarns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feeds.yaml")
	cfg, err := Parse(path, []byte("feeds:\n  - url: https://example.org/feed\n  - path: nowhere/feed.xml\n"))
	if err != nil {
		t.Fatalf("Parse: %v; want the config, with a warning", err)
	}
	if len(cfg.Feeds) != 2 {
		t.Errorf("%d feeds, want both", len(cfg.Feeds))
	}
	checkErrors(t, cfg.Warnings, path, []wantErr{{3, 11, "feeds[1].path: no such file: " + filepath.Join(dir, "nowhere", "feed.xml")}})
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(absent): got %v, want an error matching fs.ErrNotExist", err)
	}
	var errs Errors
	if errors.As(err, &errs) {
		t.Errorf("Load(absent): got config.Errors %v, want a file-system error", errs)
	}
}

func TestErrorFormat(t *testing.T) {
	errs := Errors{
		{File: "feeds.yaml", Line: 2, Column: 1, Msg: "first"},
		{File: "feeds.yaml", Line: 10, Column: 7, Msg: "second"},
	}
	if got, want := errs.Error(), "feeds.yaml:2:1: first\nfeeds.yaml:10:7: second"; got != want {
		t.Errorf("Errors.Error():\n got %q\nwant %q", got, want)
	}
	var one *Error
	if !errors.As(fmt.Errorf("reload: %w", errs), &one) || one != errs[0] {
		t.Errorf("errors.As(Errors, *Error) = %v, want the first error", one)
	}
}
