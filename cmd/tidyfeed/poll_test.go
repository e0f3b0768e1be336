package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// TestLargestFirst checks the order local feeds are polled in: largest
// file first, equal sizes in config order, unreadable files last.
func TestLargestFirst(t *testing.T) {
	dir := t.TempDir()
	var srcs []feeds.Source
	for _, f := range []struct {
		name string
		size int
	}{{"small", 10}, {"big", 300}, {"missing", -1}, {"mid", 100}, {"mid2", 100}} {
		path := filepath.Join(dir, f.name)
		if f.size >= 0 {
			if err := os.WriteFile(path, []byte(strings.Repeat("x", f.size)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		srcs = append(srcs, feeds.Source{ID: f.name, Path: path})
	}
	idx := []int{0, 1, 2, 3, 4}
	largestFirst(srcs, idx)
	var got []string
	for _, i := range idx {
		got = append(got, srcs[i].ID)
	}
	if want := []string{"big", "mid", "mid2", "small", "missing"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}
