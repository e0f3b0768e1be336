package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "90s", want: 90 * time.Second},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "2d", want: 48 * time.Hour},
		{in: "1w", want: 7 * 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: " 30m ", want: 30 * time.Minute},
		{in: "0", want: 0},
		{in: "30", wantErr: true},
		{in: "1.5d", wantErr: true},
		{in: "d", wantErr: true},
		{in: "2dd", wantErr: true},
		{in: "1d-1h", wantErr: true},
		{in: "99999999999999999999d", wantErr: true},
		{in: "100000000w", wantErr: true},
		{in: "ten minutes", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDuration(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: "10MB", want: 10_000_000},
		{in: "10MiB", want: 10 << 20},
		{in: "512KB", want: 512_000},
		{in: "512kib", want: 512 << 10},
		{in: "1 GB", want: 1_000_000_000},
		{in: "1.5MiB", want: 3 << 19},
		{in: "1048576", want: 1 << 20},
		{in: "100B", want: 100},
		{in: "10XB", wantErr: true},
		{in: "MB", wantErr: true},
		{in: "1.2.3MB", wantErr: true},
		{in: "-5MB", wantErr: true},
		{in: "9999999999999999999", wantErr: true},
		{in: "99999999999GiB", wantErr: true},
		{in: "1e3", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseSize(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct{ key, want string }{
		{"intervall", "interval"},
		{"Interval", "interval"},
		{"ulr", "url"},
		{"max-body", "max_body"},
		{"maxitems", "max_items"},
		{"userAgent", "user_agent"},
		{"timeouts_ms", ""}, // too far: the message lists the known keys instead
		{"proxy", ""},
		{"x", ""},
	}
	known := append(append(append([]string{}, topKeys...), fetchKeys...), append(outputKeys, feedKeys...)...)
	for _, tt := range tests {
		if got := suggest(tt.key, known); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"listen: \":8080\"\ninterval: 2d\nfeeds:\n  - url: https://example.org/feed\n    replace: [{pattern: a(b, with: x}]\n",
		"feeds:\n  - &a {url: http://x.example/, tags: &t [a, b]}\n  - *a\n  - {path: seed.xml, tags: *t}\n",
		"log: {format: xml}\nfetch: {max_body: 1.5GiB, timeout: 1w}\noutput: {link: 'http://[::1', max_items: 1e9}\n",
		"a: &a [*a]\n",
		"x: &x [1]\ny: &y [*x, *x, *x]\nz: [*y, *y, *y]\nfeeds: [*y]\n",
		"intervall: 1m\n---\nlisten: x\n",
		"feeds: [https://example.org/feed\n",
		"<<: {listen: ':1'}\n",
		"? [a, b]\n: c\n",
		"\t\x00\xff",
	} {
		f.Add([]byte(seed))
	}
	path := filepath.Join(f.TempDir(), "feeds.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(path, data)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("Parse returned config %v and error %v; want exactly one", cfg, err)
		}
		if err != nil {
			errs, ok := err.(Errors)
			if !ok || len(errs) == 0 {
				t.Fatalf("Parse error %T %v, want non-empty Errors", err, err)
			}
			for _, e := range errs {
				if e.Line < 1 || e.Column < 1 || e.Msg == "" {
					t.Fatalf("error without position or message: %#v", e)
				}
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join("testdata", "full.yaml")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(path, data); err != nil {
			b.Fatal(err)
		}
	}
}
