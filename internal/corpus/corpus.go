// Package corpus locates the shared test corpus (../shared/corpus beside
// the module) for tests, and lists its feed inputs. Tests that use it call
// Dir, which skips the test when the corpus is absent.
package corpus

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Root returns the corpus folder, or "" when it is not there. It looks for
// shared/corpus beside the module root.
func Root() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	// file is <module>/internal/corpus/corpus.go.
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "corpus")
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return filepath.Clean(dir)
	}
	return ""
}

// Dir returns the corpus sub-folder sub, skipping t when it is absent.
func Dir(t testing.TB, sub string) string {
	t.Helper()
	root := Root()
	if root == "" {
		t.Skip("shared corpus not found beside the module")
	}
	dir := filepath.Join(root, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus folder %s not found", sub)
	}
	return dir
}

// FeedInput is one role=input row of feeds/INDEX.tsv.
type FeedInput struct {
	Path   string // relative to the feeds folder
	Format string // sniffed_format column, e.g. "rss-2.0", "atom-1.0"
}

// FeedInputs lists every role=input row of feeds/INDEX.tsv in file order,
// skipping t when the corpus is absent.
func FeedInputs(t testing.TB) (dir string, inputs []FeedInput) {
	t.Helper()
	dir = Dir(t, "feeds")
	f, err := os.Open(filepath.Join(dir, "INDEX.tsv"))
	if err != nil {
		t.Fatalf("open corpus index: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 4 || cols[2] != "input" {
			continue
		}
		inputs = append(inputs, FeedInput{Path: cols[0], Format: cols[3]})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read corpus index: %v", err)
	}
	return dir, inputs
}

// realCaptureDirs are the corpus folders that hold feeds captured from real
// sites (see feeds/README.md), as opposed to unit-test snippets.
var realCaptureDirs = []string{
	"rsparser/", "feedreader-dotnet/Feeds/", "feedjira/", "rss-parser/input/",
	"feed-rs/", "miniflux/parser/", "node-feedparser/", "simplepie/", "trafilatura/",
}

// IsRealCapture reports whether a feeds/ path is a capture of a real site:
// a file of at least 4 KB in one of the folders the corpus README describes
// as real captures.
func IsRealCapture(dir string, in FeedInput) bool {
	real := false
	for _, p := range realCaptureDirs {
		real = real || strings.HasPrefix(in.Path, p)
	}
	if !real || strings.HasSuffix(in.Path, ".html") || strings.HasSuffix(in.Path, ".opml") {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, in.Path))
	return err == nil && fi.Size() >= 4096
}
