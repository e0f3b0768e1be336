package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// scalePublisher serves feed /f/<id>.xml: 10 items (11 for every 20th
// feed from generation 2 on), with an ETag, counting requests and 304s.
type scalePublisher struct {
	gen, requests, notModified atomic.Int64
	*httptest.Server
}

func newScalePublisher(t *testing.T) *scalePublisher {
	t.Helper()
	p := &scalePublisher{}
	p.gen.Store(1)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		id, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/f/"), ".xml"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		items := 10
		if p.gen.Load() > 1 && id%20 == 0 {
			items = 11 // 5% of the feeds change on the second cycle
		}
		etag := fmt.Sprintf(`"%d-%d"`, id, items)
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			p.notModified.Add(1)
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
	t.Cleanup(p.Close)
	return p
}

// scaleConfig writes feeds.yaml for n feeds of pub into dir, with extra
// top-level lines, and returns its path and the database's.
func scaleConfig(t *testing.T, dir string, pub *scalePublisher, n int, extra string) (config, db string) {
	t.Helper()
	db = filepath.Join(dir, "tidyfeed.db")
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "%sdata: %q\nfetch: {allow_private_networks: true, timeout: 60s}\npolling: {per_host: 16, host_spacing: 0s, concurrency: 32}\nfilters: {backlog: 0}\nfeeds:\n", extra, db)
	for i := range n {
		fmt.Fprintf(&cfg, "  - url: %s/f/%d.xml\n", pub.URL, i)
	}
	config = filepath.Join(dir, "feeds.yaml")
	if err := os.WriteFile(config, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return config, db
}

// scaleSetup skips the test unless TIDYFEED_SCALE is set, and returns its
// feed count (10,000 unless it is a number larger than 1), a scale
// publisher, a temporary folder and a tidyfeed binary built into it.
func scaleSetup(t *testing.T) (n int, pub *scalePublisher, dir, bin string) {
	t.Helper()
	env := os.Getenv("TIDYFEED_SCALE")
	if env == "" {
		t.Skip("set TIDYFEED_SCALE=1 to run (10,000 feeds; minutes)")
	}
	n = 10000
	if v, err := strconv.Atoi(env); err == nil && v > 1 {
		n = v
	}
	dir = t.TempDir()
	return n, newScalePublisher(t), dir, buildTidyfeed(t, dir)
}

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
	n, pub, dir, bin := scaleSetup(t)
	config, db := scaleConfig(t, dir, pub, n, "")

	for cycle := 1; cycle <= 2; cycle++ {
		pub.gen.Store(int64(cycle))
		pub.requests.Store(0)
		pub.notModified.Store(0)
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
			cycle, n, pub.requests.Load(), pub.notModified.Load(), wall.Seconds(), cpu.Seconds(), rssMB, float64(fi.Size())/1e6, lines[len(lines)-1])
		if got := pub.requests.Load(); got < int64(n) {
			t.Errorf("cycle %d: publisher saw %d requests, want ≥ %d", cycle, got, n)
		}
		if cycle == 2 && pub.notModified.Load() < int64(n*9/10) {
			t.Errorf("cycle 2: %d × 304, want ≥ %d (conditional requests not sent?)", pub.notModified.Load(), n*9/10)
		}
		if rssMB >= 300 {
			t.Errorf("cycle %d: peak RSS %.0f MB, want < 300 MB", cycle, rssMB)
		}
	}
}

// TestScaleDaemon runs `tidyfeed run` as a child on the same 10,000 feeds
// (TIDYFEED_SCALE) from an empty store, while a client reads /feed.atom
// every 10 ms. It logs how long the daemon takes to poll every feed once,
// its CPU and peak RSS, and the serving latency during that first cycle;
// every request must succeed and peak RSS must stay under 300 MB. With
// TIDYFEED_WRK set (see TestLoadWrk), wrk also reads /feed.atom for 50 s
// from its own process (8 connections unless TIDYFEED_WRK_CONNS says), so
// the latency is measured outside the test process, which also runs the
// publisher.
//
//	TIDYFEED_SCALE=1 go test -run TestScaleDaemon -v -timeout 30m ./cmd/tidyfeed
func TestScaleDaemon(t *testing.T) {
	n, pub, dir, bin := scaleSetup(t)
	addr := freeAddr(t)
	config, _ := scaleConfig(t, dir, pub, n, fmt.Sprintf("listen: %q\n", addr))

	cmd := exec.Command(bin, "run", "-config", config)
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	polled := make(chan int, 1) // polls logged when every feed was polled once, or the log ended
	go func() {
		count := 0
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "msg=polled") || strings.Contains(sc.Text(), `msg="poll failed"`) {
				if count++; count == n {
					polled <- count
				}
			}
		}
		if count < n {
			polled <- count
		}
	}()

	var lat []time.Duration
	var anonKB, fileKB int64 // the largest RssAnon and RssFile seen
	failed, ticks := 0, 0
	var scrapes []time.Duration // /metrics scrapes that answered 200
	var wrk *exec.Cmd           // started once the daemon answers, with TIDYFEED_WRK
	var wrkOut bytes.Buffer
	wrkDone := make(chan error, 1)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(20 * time.Minute)
	var wall time.Duration
	for wall == 0 {
		select {
		case got := <-polled:
			if got < n {
				t.Fatalf("the daemon's log ended after %d polls of %d", got, n)
			}
			wall = time.Since(start)
		case <-timeout:
			cmd.Process.Kill()
			t.Fatalf("the first cycle did not finish in 20 minutes (%d requests)", pub.requests.Load())
		case <-tick.C:
			ticks++
			if ticks%50 == 0 { // about twice a second: where the RSS is
				a, f := rssSplit(cmd.Process.Pid)
				anonKB, fileKB = max(anonKB, a), max(fileKB, f)
			}
			if ticks%500 == 0 { // every 5 s, as a Prometheus server would scrape
				scrapeMetrics(t, addr, &scrapes)
			}
			t0 := time.Now()
			resp, err := http.Get("http://" + addr + "/feed.atom")
			if err != nil { // not listening yet
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed++
				continue
			}
			lat = append(lat, time.Since(t0))
			if wrk == nil && os.Getenv("TIDYFEED_WRK") != "" {
				wrk = wrkCommand(t, "8")
				wrk.Args = append(wrk.Args, "-d50s", "http://"+addr+"/feed.atom")
				wrk.Stdout, wrk.Stderr = &wrkOut, &wrkOut
				if err := wrk.Start(); err != nil {
					t.Fatal(err)
				}
				go func() { wrkDone <- wrk.Wait() }()
			}
		}
	}
	if wrk != nil {
		checkWrk(t, "during the first cycle", wrkOut.Bytes(), <-wrkDone)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("tidyfeed run did not stop cleanly: %v", err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	rssMB := float64(ru.Maxrss) / 1024
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	t.Logf("daemon, first cycle: %d feeds polled in %.1f s (%d requests), cpu %.1f s until stopped, peak RSS %.0f MB (largest sampled: anonymous %.0f MB, file-backed %.0f MB, the store's mapped pages among them); /feed.atom during it: %d requests, %d failed, p50 %v, p99 %v, max %v",
		n, wall.Seconds(), pub.requests.Load(), cpu.Seconds(), rssMB, float64(anonKB)/1024, float64(fileKB)/1024, len(lat), failed,
		pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), pct(1).Round(10*time.Microsecond))
	if failed > 0 || len(lat) == 0 {
		t.Errorf("/feed.atom: %d of %d requests failed", failed, failed+len(lat))
	}
	slices.Sort(scrapes)
	if len(scrapes) == 0 {
		t.Error("no /metrics scrape succeeded during the cycle")
	} else {
		t.Logf("/metrics: %d scrapes, slowest %v", len(scrapes), scrapes[len(scrapes)-1].Round(time.Millisecond))
	}
	if rssMB >= 300 {
		t.Errorf("peak RSS %.0f MB, want < 300 MB", rssMB)
	}
}

// scrapeMetrics reads /metrics from addr and appends its duration to
// took when it answered 200 with per-feed series; a daemon not yet
// listening is skipped, any other failure fails t.
func scrapeMetrics(t *testing.T, addr string, took *[]time.Duration) {
	t.Helper()
	t0 := time.Now()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/metrics: status %d, %v", resp.StatusCode, err)
		return
	}
	if !strings.Contains(string(body), "tidyfeed_feed_polls_total{") {
		return // no feed polled yet
	}
	*took = append(*took, time.Since(t0))
}

// rssSplit reads a process's resident anonymous and file-backed memory in
// KiB from /proc (0, 0 when it cannot).
func rssSplit(pid int) (anonKB, fileKB int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "RssAnon:":
			anonKB = v
		case "RssFile:":
			fileKB = v
		}
	}
	return anonKB, fileKB
}
