package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
	"github.com/tidyfeed/tidyfeed/internal/corpus"
)

// realCaptures lists the corpus's real captures and their total size.
func realCaptures(b *testing.B) (files []string, size int64) {
	b.Helper()
	dir, inputs := corpus.FeedInputs(b)
	for _, in := range inputs {
		if corpus.IsRealCapture(dir, in) {
			p := filepath.Join(dir, in.Path)
			fi, err := os.Stat(p)
			if err != nil {
				b.Fatal(err)
			}
			files = append(files, p)
			size += fi.Size()
		}
	}
	return files, size
}

// BenchmarkPipeline compares, over the corpus's real captures, reading and
// parsing alone with the whole poll: read → parse → clean → dedupe → store
// (a fresh database each time, fsync on) — the pipeline's budget is 2× the
// first.
func BenchmarkPipeline(b *testing.B) {
	files, size := realCaptures(b)
	b.Run("parse", func(b *testing.B) {
		p := parse.New(parse.Options{})
		b.SetBytes(size)
		for b.Loop() {
			for _, f := range files {
				resp, err := fetch.ReadFile(context.Background(), f, 10<<20)
				if err != nil {
					b.Fatal(err)
				}
				p.Parse(resp.Body, "file://"+f)
			}
		}
	})
	b.Run("poll", func(b *testing.B) {
		var cfg strings.Builder
		cfg.WriteString("feeds:\n")
		for _, f := range files {
			fmt.Fprintf(&cfg, "  - path: %q\n", f)
		}
		b.SetBytes(size)
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			config := filepath.Join(dir, "feeds.yaml")
			if err := os.WriteFile(config, []byte(cfg.String()), 0o644); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := run(context.Background(), []string{"poll", "-config", config}, io.Discard, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}
