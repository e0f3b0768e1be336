package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/internal/corpus"
)

// validateFeed returns the path of the shared validate-feed script. Outside
// CI a missing script skips the test; in CI (CI=true) it fails it.
func validateFeed(t *testing.T) string {
	t.Helper()
	root := corpus.Root()
	script := filepath.Join(filepath.Dir(root), "tools", "validate-feed")
	if root == "" {
		script = ""
	}
	if _, err := os.Stat(script); script == "" || err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("validate-feed not found beside the corpus (CI requires it)")
		}
		t.Skip("validate-feed not found; it lives in ../shared/tools")
	}
	return script
}

// TestMergedOutputValidates merges real captures from the corpus, serves
// them from the daemon, and runs every validator on each output format.
func TestMergedOutputValidates(t *testing.T) {
	script := validateFeed(t)
	dir, inputs := corpus.FeedInputs(t)
	var paths []string
	for _, in := range inputs {
		if corpus.IsRealCapture(dir, in) {
			paths = append(paths, filepath.Join(dir, in.Path))
		}
	}
	if len(paths) < 20 {
		t.Fatalf("only %d real captures in the corpus, want at least 20", len(paths))
	}
	paths = paths[:min(len(paths), 40)]

	work := t.TempDir()
	addr := freeAddr(t)
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %q\ndata: tidyfeed.db\noutput:\n  title: Merged real captures\n  link: http://%s/\n  max_items: 300\nfeeds:\n", addr, addr)
	for _, p := range paths {
		fmt.Fprintf(&b, "  - path: %q\n", p)
	}
	config := filepath.Join(work, "feeds.yaml")
	if err := os.WriteFile(config, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := tidyfeed(t, "poll", "-config", config)
	if err != nil {
		t.Fatalf("poll: %v\n%s%s", err, out, stderr)
	}
	t.Logf("poll of %d real captures:\n%s", len(paths), lastLine(out))

	runDaemon(t, config)
	waitFor(t, "the daemon to serve", 10*time.Second, func() bool {
		f, code := getJSON(addr)
		return code == 200 && len(f.Items) > 0
	})

	for _, format := range []string{"atom", "rss", "json"} {
		t.Run(format, func(t *testing.T) {
			u := "http://" + addr + "/feed." + format
			cmd := exec.CommandContext(t.Context(), script, "--require-all", "--expect", format, "--min-entries", "100", u)
			res, err := cmd.CombinedOutput()
			t.Logf("validate-feed %s:\n%s", u, res)
			if err != nil {
				t.Errorf("validate-feed failed for %s: %v", format, err)
			}
		})
	}
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndex(s, "\n")+1:]
}
