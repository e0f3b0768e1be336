package publish

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// moduleRoot returns the directory holding go.mod, searching upwards.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// TestValidateFeed serves the three formats over loopback and runs the
// shared validation kit (third-party validators and real readers) on each.
// Without the kit it skips, except under CI=true, where it fails.
func TestValidateFeed(t *testing.T) {
	script := filepath.Join(moduleRoot(t), "..", "shared", "tools", "validate-feed")
	if _, err := os.Stat(script); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("validate-feed is required under CI=true: %v", err)
		}
		t.Skipf("validate-feed not available: %v", err)
	}
	if testing.Short() {
		t.Skip("runs external validators; skipped with -short")
	}

	entries := richEntries(12) // 36 entries from 3 sources
	p := New(newFake(entries), testOptions())
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	o := testOptions()
	o.Link = srv.URL + "/"
	p.SetOptions(o)

	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), script, "--require-all", "--expect", string(f),
				"--min-entries", strconv.Itoa(len(entries)), srv.URL+"/feed."+string(f))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			var passes int
			for l := range strings.Lines(out.String()) {
				l = strings.TrimRight(l, "\n")
				switch {
				case strings.HasPrefix(l, "PASS "):
					passes++
					t.Log(l)
				case strings.HasPrefix(l, "FAIL "), strings.HasPrefix(l, "SKIP "):
					t.Error(l)
				}
			}
			if err != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) && ee.ExitCode() == 2 {
					t.Fatalf("validate-feed usage/setup error:\n%s", out.String())
				}
				t.Fatalf("validate-feed %s: %v\n%s", f, err, out.String())
			}
			// Every format has at least the http, conditional, format,
			// min-entries, two spec checks and two parsers.
			if passes < 8 {
				t.Errorf("only %d validators passed, want at least 8:\n%s", passes, out.String())
			}
			if !strings.Contains(out.String(), " 0 failed, 0 skipped") {
				t.Errorf("summary does not say 0 failed, 0 skipped:\n%s", out.String())
			}
		})
	}
}
