package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadDuration is how long TestLoad hammers the outputs: a few seconds by
// default, TIDYFEED_LOAD (a Go duration, e.g. 30s) for the benchmark run
// BENCHMARKS.md describes.
func loadDuration(t *testing.T) time.Duration {
	if s := os.Getenv("TIDYFEED_LOAD"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("TIDYFEED_LOAD=%q: %v", s, err)
		}
		return d
	}
	return 3 * time.Second
}

// loadConfig writes a feeds.yaml for feeds /f/<from>../f/<to-1> of base
// by atomic rename, as editors save.
func loadConfig(t *testing.T, path, listen, base string, from, to int) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %q\ndata: load.db\ninterval: 1h\nlog: {level: warn}\n", listen)
	fmt.Fprintf(&b, "fetch: {allow_private_networks: true, timeout: 5s}\n")
	fmt.Fprintf(&b, "polling: {adaptive: false, concurrency: 4, per_host: 4, host_spacing: 0s}\n")
	fmt.Fprintf(&b, "output: {link: \"http://%s/\"}\nfeeds:\n", listen)
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "  - url: %s/f/%d\n", base, i)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// runDaemon runs `tidyfeed run -config config` in-process until the test
// ends, then stops it and requires a clean exit within 20 seconds. It
// returns the daemon's log.
func runDaemon(t *testing.T, config string) *syncBuffer {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run", "-config", config}, logs, logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v after cancel\n%s", err, logs.String())
			}
		case <-time.After(20 * time.Second):
			t.Error("run did not stop after cancel")
		}
	})
	return logs
}

// startInProcess is runDaemon, waiting until addr serves /feed.atom.
func startInProcess(t *testing.T, config, addr string) *syncBuffer {
	t.Helper()
	logs := runDaemon(t, config)
	waitFor(t, "the daemon to serve", 10*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/feed.atom")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	return logs
}

// loadTarget is a daemon under load: 30 loopback feeds refreshed every
// 200ms (each poll adds an entry, so the outputs keep changing) until ctx
// ends. Wait for the refresh loop with bg.Wait.
type loadTarget struct {
	addr string
	pub  *crashPublisher
	ctx  context.Context
	bg   sync.WaitGroup
}

// startLoadTarget starts the daemon in-process and the refresh loop for
// loadDuration, refreshing every 200ms or TIDYFEED_LOAD_REFRESH.
func startLoadTarget(t *testing.T) *loadTarget {
	t.Helper()
	lt := &loadTarget{pub: &crashPublisher{polls: map[string]int{}}, addr: freeAddr(t)}
	feedSrv := httptest.NewServer(lt.pub)
	t.Cleanup(feedSrv.Close)
	config := filepath.Join(t.TempDir(), "feeds.yaml")
	loadConfig(t, config, lt.addr, feedSrv.URL, 0, 30)
	startInProcess(t, config, lt.addr)

	every := 200 * time.Millisecond
	if v := os.Getenv("TIDYFEED_LOAD_REFRESH"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("TIDYFEED_LOAD_REFRESH=%q: want a positive duration", v)
		}
		every = d
	}
	ctx, stop := context.WithTimeout(t.Context(), loadDuration(t))
	t.Cleanup(stop)
	lt.ctx = ctx
	lt.bg.Go(func() { // polling keeps running
		for ctx.Err() == nil {
			if resp, err := http.Post("http://"+lt.addr+"/refresh", "", nil); err == nil {
				resp.Body.Close()
			}
			select {
			case <-ctx.Done():
			case <-time.After(every):
			}
		}
	})
	return lt
}

// TestLoad polls 30 loopback feeds (refreshed every 200ms, each poll adds
// an entry, so the output keeps changing) while 32 clients read the three
// outputs, half of them conditionally. Every request must succeed, 304s
// must be served, and the heap must stay flat; p50, p99 and throughput
// are logged.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	lt := startLoadTarget(t)
	ctx, addr, pub := lt.ctx, lt.addr, lt.pub
	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)

	const workers = 32
	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var ok200, ok304, failed atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, workers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			etags := map[string]string{}
			for i := 0; ctx.Err() == nil; i++ {
				p := []string{"/feed.atom", "/feed.rss", "/feed.json"}[rand.IntN(3)]
				req, _ := http.NewRequest(http.MethodGet, "http://"+addr+p, nil)
				if i%2 == 1 && etags[p] != "" {
					req.Header.Set("If-None-Match", etags[p])
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				lat[w] = append(lat[w], time.Since(t0))
				switch {
				case err != nil:
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				case resp.StatusCode == http.StatusOK:
					ok200.Add(1)
					etags[p] = resp.Header.Get("ETag")
				case resp.StatusCode == http.StatusNotModified:
					ok304.Add(1)
				default:
					failed.Add(1)
					firstErr.CompareAndSwap(nil, resp.Status)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	lt.bg.Wait()
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)

	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	total := ok200.Load() + ok304.Load() + failed.Load()
	t.Logf("%d requests in %v (%.0f/s) by %d clients: %d 200, %d 304, %d failed; p50 %v, p99 %v, max %v; heap %d → %d MiB; %d polls",
		total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), workers, ok200.Load(), ok304.Load(), failed.Load(),
		pct(0.50), pct(0.99), all[len(all)-1], m0.HeapAlloc>>20, m1.HeapAlloc>>20, pub.total())
	if failed.Load() > 0 {
		t.Errorf("%d requests failed (first: %v); want none", failed.Load(), firstErr.Load())
	}
	if ok200.Load() == 0 {
		t.Errorf("no 200s under load")
	}
	// Under load the output changes with every poll, so whether a client's
	// conditional request meets an unchanged document depends on the
	// machine's speed; once polling stops, a repeat must be answered 304.
	if got := conditionalRepeat(t, client, "http://"+addr+"/feed.atom"); got != http.StatusNotModified {
		t.Errorf("conditional repeat after the load: status %d, want 304", got)
	}
	if pub.total() < 60 {
		t.Errorf("the publisher saw %d polls; want polling to have run during the load", pub.total())
	}
	if growth := int64(m1.HeapAlloc) - int64(m0.HeapAlloc); growth > 64<<20 {
		t.Errorf("heap grew by %d MiB under load; want it flat (under 64 MiB)", growth>>20)
	}
}

// TestReloadStorm rewrites feeds.yaml 100 times in quick succession, each
// time with a different set of feeds, then settles on feeds 0-4: the
// daemon must reject nothing, keep serving throughout, and end up
// publishing exactly the last config's feeds.
func TestReloadStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("reload storm")
	}
	pub := &crashPublisher{polls: map[string]int{}}
	feedSrv := httptest.NewServer(pub)
	t.Cleanup(feedSrv.Close)
	dir := t.TempDir()
	addr := freeAddr(t)
	config := filepath.Join(dir, "feeds.yaml")
	loadConfig(t, config, addr, feedSrv.URL, 0, 20)
	logs := startInProcess(t, config, addr)

	served := 0
	for i := range 100 {
		from := i % 15
		loadConfig(t, config, addr, feedSrv.URL, from, from+5+i%7)
		if _, code := getJSON(addr); code == http.StatusOK {
			served++
		}
		time.Sleep(20 * time.Millisecond) // the storm's pace: 100 edits in about 2s
	}
	loadConfig(t, config, addr, feedSrv.URL, 0, 5)
	waitFor(t, "the output to carry exactly feeds 0-4", 15*time.Second, func() bool {
		http.Post("http://"+addr+"/refresh", "", nil)
		f, code := getJSON(addr)
		if code != http.StatusOK || len(f.Items) == 0 {
			return false
		}
		feedsSeen := map[string]bool{}
		for _, it := range f.Items {
			// Item links are http://crash.test/<feed>/<n>.
			parts := strings.Split(it.URL, "/")
			if len(parts) < 5 {
				return false
			}
			feedsSeen[parts[3]] = true
		}
		for k := range feedsSeen {
			if k < "0" || k > "4" || len(k) != 1 {
				return false
			}
		}
		return len(feedsSeen) == 5
	})
	if served != 100 {
		t.Errorf("output served %d of 100 times during the storm; want every time", served)
	}
	for _, bad := range []string{"config reload failed", "config edit rejected", "panic"} {
		if strings.Contains(logs.String(), bad) {
			t.Errorf("logs contain %q:\n%s", bad, logs.String())
		}
	}
}

// conditionalRepeat fetches u, then fetches it again with the ETag it got,
// and returns the second status. A poll that commits in between changes the
// document, so it tries a few times.
func conditionalRepeat(t *testing.T, client *http.Client, u string) int {
	t.Helper()
	status := 0
	for range 5 {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		again, err := client.Do(req)
		if err != nil {
			t.Fatalf("conditional GET %s: %v", u, err)
		}
		again.Body.Close()
		if status = again.StatusCode; status == http.StatusNotModified {
			break
		}
	}
	return status
}

// TestLoadWrk is TestLoad with Debian's wrk as the load generator, a
// separate process, so the numbers are the daemon's rather than a Go
// client's sharing its process: 2 threads and 32 connections
// (TIDYFEED_WRK_CONNS) on /feed.atom with gzip, while the outputs keep
// changing; TIDYFEED_WRK_DELAY=N makes each connection wait a random
// 0..N ms before each request, for a load below saturation. It runs only
// with TIDYFEED_WRK=1 and wrk on PATH (BENCHMARKS.md); every response
// must be a 200, and wrk's latency distribution and throughput are logged.
func TestLoadWrk(t *testing.T) {
	wrk := wrkCommand(t, "32")
	lt := startLoadTarget(t)
	d := time.Until(deadlineOf(lt.ctx)).Round(time.Second)
	wrk.Args = append(wrk.Args, fmt.Sprintf("-d%ds", int(d.Seconds())), "http://"+lt.addr+"/feed.atom")
	out, err := wrk.CombinedOutput()
	lt.bg.Wait()
	checkWrk(t, fmt.Sprintf("%d polls meanwhile", lt.pub.total()), out, err)
	if lt.pub.total() < 30 {
		t.Errorf("the publisher saw %d polls; want polling to have run during the load", lt.pub.total())
	}
}

// wrkCommand returns a wrk command (2 threads, gzip, latency
// distribution) still without its duration and URL: conns connections
// unless TIDYFEED_WRK_CONNS says, and with TIDYFEED_WRK_DELAY=N each
// connection waits a random 0..N ms before each request. It skips t unless
// TIDYFEED_WRK is set, and fails it when wrk is not installed.
func wrkCommand(t *testing.T, conns string) *exec.Cmd {
	t.Helper()
	if os.Getenv("TIDYFEED_WRK") == "" {
		t.Skip("set TIDYFEED_WRK=1 (and install wrk) to run the wrk load benchmark")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Fatalf("TIDYFEED_WRK is set but wrk is not installed: %v", err)
	}
	if c := os.Getenv("TIDYFEED_WRK_CONNS"); c != "" {
		conns = c
	}
	args := []string{"-t2", "-c" + conns, "--latency", "-H", "Accept-Encoding: gzip"}
	if v := os.Getenv("TIDYFEED_WRK_DELAY"); v != "" {
		// Each connection waits a random 0..v ms before each request: a
		// load below saturation, whose latency is the server's and not
		// the queue of a closed loop that keeps both cores full.
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			t.Fatalf("TIDYFEED_WRK_DELAY=%q: want a positive number of milliseconds", v)
		}
		script := filepath.Join(t.TempDir(), "delay.lua")
		lua := fmt.Sprintf("function delay()\n  return math.random(0, %d)\nend\n", ms)
		if err := os.WriteFile(script, []byte(lua), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-s", script)
	}
	return exec.Command(wrk, args...)
}

// checkWrk logs wrk's report under title and fails t when wrk failed,
// saw an error response or socket error, or printed no distribution.
func checkWrk(t *testing.T, title string, out []byte, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	report := string(out)
	t.Logf("wrk, %s:\n%s", title, report)
	for _, bad := range []string{"Non-2xx or 3xx responses", "Socket errors"} {
		if strings.Contains(report, bad) {
			t.Errorf("wrk saw %s", bad)
		}
	}
	if !strings.Contains(report, "99%") || !strings.Contains(report, "Requests/sec") {
		t.Errorf("wrk printed no latency distribution")
	}
}

// deadlineOf is ctx's deadline; ctx must have one.
func deadlineOf(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}
