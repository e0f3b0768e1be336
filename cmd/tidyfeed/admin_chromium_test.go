package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chromium returns the headless browser's path, skipping the test when
// there is none (failing instead under CI=true, where .ci/run installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not installed (CI=true): .ci/run installs it with apt-get install chromium")
	}
	t.Skip("chromium not installed; apt-get install -y --no-install-recommends chromium")
	return ""
}

// browse runs headless Chromium on url with extra flags and returns stdout.
// A browser that dies of a signal (Chromium segfaults now and then on a
// busy machine, whatever the page) is started again, up to three times;
// any other failure, and the third crash, fail the test with the
// browser's last words.
func browse(t *testing.T, bin, url string, flags ...string) string {
	t.Helper()
	const attempts = 3
	for attempt := 1; ; attempt++ {
		out, stderr, err := runChromium(t, bin, url, flags)
		if err == nil {
			return out
		}
		var exit *exec.ExitError
		crashed := errors.As(err, &exit) && exit.ProcessState.Sys().(syscall.WaitStatus).Signaled()
		if !crashed || attempt == attempts || t.Context().Err() != nil {
			t.Fatalf("chromium %v (attempt %d): %v\n%s", flags, attempt, err, lastLines(stderr, 10))
		}
		t.Logf("chromium %v crashed (%v), starting it again:\n%s", flags, err, lastLines(stderr, 5))
	}
}

// runChromium runs the browser once, with its own profile folder and a
// minute to finish.
func runChromium(t *testing.T, bin, url string, flags []string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--window-size=1280,720"}, flags...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	var errBuf strings.Builder
	cmd.Stderr = &errBuf
	out, err := cmd.Output()
	return string(out), errBuf.String(), err
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestStatusPageInChromium renders /status in headless Chromium: one row
// per feed with its state in words, the failing feed first with its error
// in plain words, and a screenshot saved for people to look at.
func TestStatusPageInChromium(t *testing.T) {
	bin := chromium(t)
	_, srv := newPublisher(t, map[string]string{"/a.rss": rssDoc, "/b.atom": atomDoc})
	dir := t.TempDir()
	addr := freeAddr(t)
	config := adminConfig(t, dir, addr, "", srv.URL+"/a.rss", srv.URL+"/b.atom", srv.URL+"/down.rss")

	runDaemon(t, config)
	base := "http://" + addr
	waitFor(t, "every feed to be polled", 10*time.Second, func() bool {
		code, page := get(t, base+"/status", false)
		return code == 200 && !strings.Contains(page, "never polled")
	})

	dom := browse(t, bin, base+"/status", "--dump-dom")
	rows := regexp.MustCompile(`(?s)<tr class="(\w+)" data-state="([^"]+)">(.*?)</tr>`).FindAllStringSubmatch(dom, -1)
	if len(rows) != 4 {
		t.Fatalf("DOM has %d feed rows, want 4:\n%s", len(rows), dom)
	}
	if rows[0][2] != "failing" || !strings.Contains(rows[0][3], "down.rss") {
		t.Errorf("first row: state %q, want the failing feed first:\n%s", rows[0][2], rows[0][3])
	}
	if !strings.Contains(rows[0][3], "404 Not Found") && !strings.Contains(rows[0][3], "answers 404") {
		t.Errorf("failing row lacks its error in plain words:\n%s", rows[0][3])
	}
	for _, r := range rows[1:] {
		if r[2] != "ok" || r[1] != "ok" {
			t.Errorf("row state %q class %q, want ok:\n%s", r[2], r[1], r[3])
		}
	}
	for _, want := range []string{"Loopback RSS", "Loopback Atom", "Local file", `<span id="problems">1</span>`, "interval"} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM lacks %q", want)
		}
	}
	if strings.Contains(dom, "<script") {
		t.Error("status page has a script; it must work without JavaScript")
	}
	// Sorted by name on request, without JavaScript.
	byName := browse(t, bin, base+"/status?sort=name", "--dump-dom")
	if i, j := strings.Index(byName, "Local file"), strings.Index(byName, "Loopback Atom"); i < 0 || j < 0 || i > j {
		t.Errorf("?sort=name: Local file at %d, Loopback Atom at %d; want alphabetical", i, j)
	}

	shot := filepath.Join(os.TempDir(), "tidyfeed-status.png")
	os.Remove(shot)
	browse(t, bin, base+"/status", "--screenshot="+shot)
	fi, err := os.Stat(shot)
	if err != nil || fi.Size() < 5000 {
		t.Fatalf("screenshot %s: %v (%d bytes)", shot, err, fi.Size())
	}
	png, _ := os.ReadFile(shot)
	if !strings.HasPrefix(string(png), "\x89PNG") {
		t.Errorf("screenshot %s is not a PNG", shot)
	}
	t.Logf("status page screenshot: %s (%d bytes)", shot, fi.Size())
}
