package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// politeServer plays the behaviours `tidyfeed status` reports on, and
// records when each path was requested.
type politeServer struct {
	mu   sync.Mutex
	hits map[string][]time.Time
}

func (p *politeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.hits[r.URL.Path] = append(p.hits[r.URL.Path], time.Now())
	p.mu.Unlock()
	switch r.URL.Path {
	case "/ok.rss", "/new.rss":
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, rssDoc)
	case "/limited":
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	case "/gone":
		w.WriteHeader(http.StatusGone)
	case "/moved":
		http.Redirect(w, r, "/new.rss", http.StatusMovedPermanently)
	default:
		http.NotFound(w, r)
	}
}

func (p *politeServer) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.hits[path])
}

// writePoliteConfig writes a feeds.yaml for the politeServer's feeds.
func writePoliteConfig(t *testing.T, dir, listen, base string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %q\ndata: tidyfeed.db\nfetch:\n  allow_private_networks: true\n  timeout: 5s\n", listen)
	fmt.Fprintf(&b, "polling:\n  host_spacing: 200ms\nfeeds:\n")
	for _, p := range []string{"/ok.rss", "/limited", "/gone", "/moved"} {
		fmt.Fprintf(&b, "  - url: %s%s\n", base, p)
	}
	path := filepath.Join(dir, "feeds.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestStatusAndPollSkips(t *testing.T) {
	pub := &politeServer{hits: map[string][]time.Time{}}
	srv := httptest.NewServer(pub)
	t.Cleanup(srv.Close)
	config := writePoliteConfig(t, t.TempDir(), "127.0.0.1:8080", srv.URL)

	out, _, err := tidyfeed(t, "status", "-config", config)
	if err != nil || strings.Count(out, "never polled") != 4 {
		t.Fatalf("status before any poll: %v\n%s", err, out)
	}
	if out, _, err = tidyfeed(t, "poll", "-config", config); err != nil {
		t.Fatalf("poll: %v\n%s", err, out)
	}
	// One host: its four feeds were polled one at a time, spaced.
	var starts []time.Time
	for _, hs := range pub.hits {
		starts = append(starts, hs...)
	}
	if first, last := minMax(starts); last.Sub(first) < 3*200*time.Millisecond {
		t.Errorf("four feeds of one host polled within %v, want at least 600ms (spacing 200ms)", last.Sub(first))
	}

	out, _, err = tidyfeed(t, "status", "-config", config)
	if err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	blocks := strings.Split(out, "\n\n")
	if len(blocks) != 5 {
		t.Fatalf("status has %d blocks, want 4 feeds and a summary:\n%s", len(blocks), out)
	}
	for i, want := range [][]string{
		{"/ok.rss", "last attempt", "last success", "last status    200 OK", "errors         0", "next check", "(adaptive)", `validators     ETag "v1"`},
		{"/limited", "last status    429 Too Many Requests", "errors         1 since", "(retry-after)", "PROBLEM        server asked to wait (Retry-After) until", "last success   never"},
		{"/gone", "last status    410 Gone", "(gone)", "PROBLEM        GONE since"},
		{"/moved", "last status    200 OK", "moved          permanently to " + srv.URL + "/new.rss, seen on 1 poll(s)"},
	} {
		for _, w := range want {
			if !strings.Contains(blocks[i], w) {
				t.Errorf("status block %d lacks %q:\n%s", i, w, blocks[i])
			}
		}
	}
	if !strings.Contains(blocks[4], "4 feeds, 2 with problems") {
		t.Errorf("status summary %q, want 4 feeds, 2 with problems", blocks[4])
	}

	// A second manual poll skips the Retry-After and gone feeds, says so,
	// and sends them no request; the others go out conditionally.
	limited, gone := pub.count("/limited"), pub.count("/gone")
	out, _, err = tidyfeed(t, "poll", "-config", config)
	if err != nil {
		t.Fatalf("second poll: %v\n%s", err, out)
	}
	for _, w := range []string{`/limited\s+skipped\s+retry-after until`, `/gone\s+skipped\s+gone until`, "2 skipped"} {
		if !regexp.MustCompile(w).MatchString(out) {
			t.Errorf("second poll output lacks %q:\n%s", w, out)
		}
	}
	if pub.count("/limited") != limited || pub.count("/gone") != gone {
		t.Errorf("second poll requested /limited %d→%d, /gone %d→%d times; want no requests", limited, pub.count("/limited"), gone, pub.count("/gone"))
	}
	if !strings.Contains(out, "not-modified") {
		t.Errorf("second poll of /ok.rss not conditional:\n%s", out)
	}

	out, _, err = tidyfeed(t, "status", "-config", config, "-json")
	var rep statusReport
	if err != nil || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Feeds) != 4 || rep.Feeds[2].State.Gone.IsZero() {
		t.Errorf("status -json: %v, %d feeds, want 4 with the third gone:\n%s", err, len(rep.Feeds), out)
	}
}

func minMax(ts []time.Time) (lo, hi time.Time) {
	for i, t := range ts {
		if i == 0 || t.Before(lo) {
			lo = t
		}
		if i == 0 || t.After(hi) {
			hi = t
		}
	}
	return lo, hi
}

// TestStatusFromDaemon checks that `tidyfeed status` asks a running daemon
// when the store is locked, and that POST /refresh skips the feeds a
// server asked to wait.
func TestStatusFromDaemon(t *testing.T) {
	pub := &politeServer{hits: map[string][]time.Time{}}
	srv := httptest.NewServer(pub)
	t.Cleanup(srv.Close)
	addr := freeAddr(t)
	config := writePoliteConfig(t, t.TempDir(), addr, srv.URL)

	runDaemon(t, config)

	var out string
	waitFor(t, "every feed to be polled", 15*time.Second, func() bool {
		var err error
		out, _, err = tidyfeed(t, "status", "-config", config)
		return err == nil && !strings.Contains(out, "never polled") && strings.Contains(out, "GONE")
	})
	for _, w := range []string{"last status    200 OK", "PROBLEM        GONE since", "(retry-after)"} {
		if !strings.Contains(out, w) {
			t.Errorf("status from the daemon lacks %q:\n%s", w, out)
		}
	}

	resp, err := http.Post("http://"+addr+"/refresh", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep refreshReport
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /refresh: %d, %v", resp.StatusCode, err)
	}
	reasons := map[string]string{}
	for _, s := range rep.Skipped {
		reasons[strings.TrimPrefix(s.ID, srv.URL)] = s.Reason
		if !s.Until.After(time.Now()) {
			t.Errorf("refresh skipped %s until %v, in the past", s.ID, s.Until)
		}
	}
	if reasons["/limited"] != "retry-after" || reasons["/gone"] != "gone" || len(reasons) != 2 {
		t.Errorf("refresh skipped %v, want /limited for retry-after and /gone", rep.Skipped)
	}
	// 30 s: once, in a CI run on a machine loaded by other test runs (its
	// ingest tests took twice their usual time), 10 s were not enough.
	waitFor(t, "the refresh to poll /ok.rss", 30*time.Second, func() bool { return pub.count("/ok.rss") >= 2 })

	// `tidyfeed poll` while the daemon holds the store asks it to refresh.
	out, _, err = tidyfeed(t, "poll", "-config", config)
	if err != nil || !regexp.MustCompile(`/limited\s+skipped\s+retry-after until`).MatchString(out) || !strings.Contains(out, "the running daemon polls") {
		t.Errorf("poll while the daemon runs: %v\n%s", err, out)
	}
	if pub.count("/limited") != 1 || pub.count("/gone") != 1 {
		t.Errorf("after refresh: /limited %d, /gone %d requests; want 1 each", pub.count("/limited"), pub.count("/gone"))
	}
}
