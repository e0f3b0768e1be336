package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
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
func browse(t *testing.T, bin, url string, flags ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--window-size=1280,720"}, flags...)
	out, err := exec.CommandContext(ctx, bin, append(args, url)...).Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", flags, err)
	}
	return string(out)
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
