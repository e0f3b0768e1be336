package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestScale polls 10,000 small feeds (10 items each) from a loopback
// publisher with a real `tidyfeed poll` child process, twice: a full first
// cycle on an empty store, then a second cycle where 95% of the feeds answer
// 304 and 5% add one item. It logs wall time, CPU (user+sys), peak RSS of
// the child and the database size, and fails when peak RSS reaches 300 MB.
//
// It is heavy, so it runs only with TIDYFEED_SCALE set (its value, when a
// number, is the feed count):
//
//	TIDYFEED_SCALE=1 go test -run TestScale -v -timeout 30m ./cmd/tidyfeed
func TestScale(t *testing.T) {
	env := os.Getenv("TIDYFEED_SCALE")
	if env == "" {
		t.Skip("set TIDYFEED_SCALE=1 to run (10,000 feeds; minutes)")
	}
	n := 10000
	if v, err := strconv.Atoi(env); err == nil && v > 1 {
		n = v
	}
	var gen atomic.Int64
	gen.Store(1)
	var requests, notModified atomic.Int64
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		id, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/f/"), ".xml"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		items := 10
		if gen.Load() > 1 && id%20 == 0 {
			items = 11 // 5% of the feeds change on the second cycle
		}
		etag := fmt.Sprintf(`"%d-%d"`, id, items)
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed %d</title><link>http://example.org/%d/</link><description>scale</description>`, id, id)
		for k := items; k >= 1; k-- {
			fmt.Fprintf(&b, `<item><title>Post %d of feed %d</title><link>http://example.org/%d/%d</link><guid>http://example.org/%d/%d</guid><pubDate>%s</pubDate><description>&lt;p&gt;Paragraph one of post %d in feed %d, with &lt;a href="http://example.org/x"&gt;a link&lt;/a&gt; and some words to clean.&lt;/p&gt;&lt;p&gt;Second paragraph.&lt;/p&gt;</description></item>`,
				k, id, id, k, id, k, base.Add(time.Duration(k)*time.Hour).Format(time.RFC1123Z), k, id)
		}
		b.WriteString("</channel></rss>")
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(b.String()))
	}))
	defer srv.Close()

	dir := t.TempDir()
	bin := buildTidyfeed(t, dir)
	db := filepath.Join(dir, "tidyfeed.db")
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "data: %q\nfetch: {allow_private_networks: true, timeout: 60s}\npolling: {per_host: 16, host_spacing: 0s, concurrency: 32}\nfilters: {backlog: 0}\nfeeds:\n", db)
	for i := range n {
		fmt.Fprintf(&cfg, "  - url: %s/f/%d.xml\n", srv.URL, i)
	}
	config := filepath.Join(dir, "feeds.yaml")
	if err := os.WriteFile(config, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	for cycle := 1; cycle <= 2; cycle++ {
		gen.Store(int64(cycle))
		requests.Store(0)
		notModified.Store(0)
		cmd := exec.Command(bin, "poll", "-config", config)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		out, err := cmd.Output()
		wall := time.Since(start)
		if err != nil {
			t.Fatalf("cycle %d: tidyfeed poll: %v\n%s", cycle, err, stderr.String())
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		rssMB := float64(ru.Maxrss) / 1024 // Linux: KiB
		fi, err := os.Stat(db)
		if err != nil {
			t.Fatalf("cycle %d: stat db: %v", cycle, err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		t.Logf("cycle %d: %d feeds, %d requests (%d × 304): wall %.1f s, cpu %.1f s, peak RSS %.0f MB, db %.1f MB; %s",
			cycle, n, requests.Load(), notModified.Load(), wall.Seconds(), cpu.Seconds(), rssMB, float64(fi.Size())/1e6, lines[len(lines)-1])
		if got := requests.Load(); got < int64(n) {
			t.Errorf("cycle %d: publisher saw %d requests, want ≥ %d", cycle, got, n)
		}
		if cycle == 2 && notModified.Load() < int64(n*9/10) {
			t.Errorf("cycle 2: %d × 304, want ≥ %d (conditional requests not sent?)", notModified.Load(), n*9/10)
		}
		if rssMB >= 300 {
			t.Errorf("cycle %d: peak RSS %.0f MB, want < 300 MB", cycle, rssMB)
		}
	}
}
