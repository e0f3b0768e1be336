package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMissingFeedFile: a local feed file that does not exist does not
// invalidate feeds.yaml. poll warns of it at its line, polls the other
// feeds and reports it as one failing feed; once the file appears, the
// next poll stores its entries.
func TestMissingFeedFile(t *testing.T) {
	dir := t.TempDir()
	present, missing := filepath.Join(dir, "present.rss"), filepath.Join(dir, "later.rss")
	if err := os.WriteFile(present, []byte(rssDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "feeds.yaml")
	yaml := fmt.Sprintf("data: tidyfeed.db\nfeeds:\n  - path: %s\n  - path: %s\n", present, missing)
	if err := os.WriteFile(config, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := tidyfeed(t, "poll", "-config", config)
	if err != nil {
		t.Fatalf("poll with one missing file: %v\n%s%s", err, out, errOut)
	}
	if want := "feeds.yaml:4:11: feeds[1].path: no such file"; !strings.Contains(errOut, want) {
		t.Errorf("poll's standard error lacks the warning %q:\n%s", want, errOut)
	}
	if !strings.Contains(out, "1 failed") {
		t.Errorf("poll output does not report the missing file's feed as failed:\n%s", out)
	}
	if err := os.WriteFile(missing, []byte(strings.ReplaceAll(rssDoc, "https://blog.example", "https://later.example")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err = tidyfeed(t, "poll", "-config", config)
	if err != nil || strings.Contains(errOut, "no such file") || !strings.Contains(out, "2 new entries, 0 updated, 0 failed") {
		t.Errorf("poll once the file exists: %v\n%s%s", err, out, errOut)
	}
}
