package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// realCaptureDirs are the corpus folders holding real-site captures rather
// than unit-test snippets.
var realCaptureDirs = []string{
	"rsparser/", "feedreader-dotnet/", "feedjira/", "rss-parser/input/",
	"feed-rs/", "miniflux/parser/", "simplepie/", "podcast-namespace/", "trafilatura/",
}

// realCaptures loads the real captures of 2 KB or more that bare gofeed
// and Parse both accept, so both sides of the benchmark do the same documents.
func realCaptures(b *testing.B) (docs [][]byte, size int64) {
	dir := corpusDir(b)
	for _, r := range corpusInputs(b, dir) {
		real := false
		for _, d := range realCaptureDirs {
			real = real || strings.HasPrefix(r.path, d)
		}
		if !real || r.bytes < 2048 {
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, r.path))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := gofeed.NewParser().Parse(bytes.NewReader(body)); err != nil {
			continue
		}
		if _, _, err := New(Options{}).Parse(body, ""); err != nil {
			continue // RSS-in-JSON, which gofeed reads as an empty JSON Feed
		}
		docs = append(docs, body)
		size += int64(len(body))
	}
	if len(docs) == 0 {
		b.Fatal("no real captures found")
	}
	return docs, size
}

// BenchmarkParse compares Parse with bare gofeed parsing (its default
// translators, content image scan included) over the corpus real captures.
// The pipeline budget is 2x bare gofeed.
func BenchmarkParse(b *testing.B) {
	docs, size := realCaptures(b)
	b.Logf("%d real captures, %d bytes", len(docs), size)
	b.Run("tidyfeed", func(b *testing.B) {
		p := New(Options{})
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range docs {
				if _, _, err := p.Parse(d, "https://example.com/feed"); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("gofeed", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range docs {
				if _, err := gofeed.NewParser().Parse(bytes.NewReader(d)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
