package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/internal/metrics/metricstest"
	"github.com/tidyfeed/tidyfeed/storage"
)

// adminConfig writes a feeds.yaml with a separate admin address and basic
// auth, for the feed URLs and one local file.
func adminConfig(t *testing.T, dir, listen, admin string, urls ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %q\ndata: tidyfeed.db\nfetch:\n  allow_private_networks: true\n  timeout: 5s\n", listen)
	if admin != "" {
		fmt.Fprintf(&b, "admin:\n  listen: %q\n  username: ops\n  password: hunter2\n", admin)
	}
	fmt.Fprintf(&b, "keep: {max_items: 100}\noutput:\n  title: Admin test\n  link: http://%s/\nfeeds:\n", listen)
	for _, u := range urls {
		fmt.Fprintf(&b, "  - url: %s\n", u)
	}
	local := filepath.Join(dir, "secret-folder", "local.rss")
	if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(local, []byte(rssDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "  - path: %s\n    name: Local file\n", local)
	path := filepath.Join(dir, "feeds.yaml")
	if err := os.WriteFile(path+".tmp", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil { // atomic, as editors save
		t.Fatal(err)
	}
	return path
}

// get fetches url with optional basic auth and returns status and body.
func get(t *testing.T, url string, auth bool, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth("ops", "hunter2")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestAdminEndpoints runs the daemon with a separate, password-protected
// admin address and checks what each side serves: metrics scraped and
// parsed after real polls, health, the status page and API, backups through
// the daemon, and series of a removed feed going away on reload.
func TestAdminEndpoints(t *testing.T) {
	_, srv := newPublisher(t, map[string]string{"/a.rss": rssDoc, "/b.atom": atomDoc})
	dir := t.TempDir()
	addr, admin := freeAddr(t), freeAddr(t)
	a, b, down := srv.URL+"/a.rss", srv.URL+"/b.atom", srv.URL+"/down.rss"
	config := adminConfig(t, dir, addr, admin, a, b, down)

	runDaemon(t, config)
	adminURL := "http://" + admin
	waitFor(t, "/readyz", 10*time.Second, func() bool { code, _ := get(t, adminURL+"/readyz", false); return code == 200 })
	var mfs map[string]*dto.MetricFamily
	waitFor(t, "every feed to be polled", 10*time.Second, func() bool {
		code, body := get(t, adminURL+"/metrics", true)
		if code != 200 {
			return false
		}
		mfs = metricstest.Parse(t, strings.NewReader(body))
		return len(metricstest.Feeds(mfs, "tidyfeed_feed_last_attempt_timestamp_seconds")) == 4
	})

	t.Run("public side serves feeds only", func(t *testing.T) {
		for _, p := range []string{"/metrics", "/status", "/api/status", "/api/backup", "/healthz"} {
			if code, _ := get(t, "http://"+addr+p, true); code != http.StatusNotFound {
				t.Errorf("public %s: HTTP %d, want 404 (admin endpoints live on admin.listen)", p, code)
			}
		}
		for _, p := range []string{"/", "/feed.atom", "/feed.rss", "/feed.json", "/nope"} {
			code, body := get(t, "http://"+addr+p, false)
			if p != "/nope" && code != 200 {
				t.Errorf("public %s: HTTP %d, want 200", p, code)
			}
			for _, leak := range []string{dir, "secret-folder", "no such file", "404 Not Found", "down.rss"} {
				if strings.Contains(body, leak) {
					t.Errorf("public %s shows %q", p, leak)
				}
			}
		}
	})
	t.Run("basic auth", func(t *testing.T) {
		for _, p := range []string{"/metrics", "/status", "/api/status", "/api/backup"} {
			if code, _ := get(t, adminURL+p, false); code != http.StatusUnauthorized {
				t.Errorf("admin %s without credentials: HTTP %d, want 401", p, code)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, adminURL+"/metrics", nil)
		req.SetBasicAuth("ops", "wrong")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("wrong password: %v %v, want 401", resp.StatusCode, err)
		}
		if code, _ := get(t, adminURL+"/healthz", false); code != 200 {
			t.Errorf("/healthz without credentials: HTTP %d, want 200", code)
		}
	})
	t.Run("per-feed metrics", func(t *testing.T) {
		_, text := get(t, adminURL+"/metrics", true)
		jsonBefore, _ := metricstest.Value(metricstest.Parse(t, strings.NewReader(text)), "tidyfeed_output_requests_total", map[string]string{"format": "json", "code": "200"})
		get(t, "http://"+addr+"/feed.json", false)
		resp, err := http.Get("http://" + addr + "/feed.atom")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if code, _ := get(t, "http://"+addr+"/feed.atom", false, "If-None-Match", resp.Header.Get("ETag")); code != 304 {
			t.Fatalf("conditional GET: HTTP %d, want 304", code)
		}
		_, text = get(t, adminURL+"/metrics", true)
		mfs := metricstest.Parse(t, strings.NewReader(text))
		checks := []struct {
			name   string
			labels map[string]string
			test   func(float64) bool
			want   string
		}{
			{"tidyfeed_feed_entries_total", map[string]string{"feed": a, "kind": "new"}, func(v float64) bool { return v == 2 }, "2"},
			{"tidyfeed_feed_polls_total", map[string]string{"feed": b, "outcome": "new"}, func(v float64) bool { return v == 1 }, "1"},
			{"tidyfeed_feed_responses_total", map[string]string{"feed": a, "class": "2xx"}, func(v float64) bool { return v == 1 }, "1"},
			{"tidyfeed_feed_responses_total", map[string]string{"feed": down, "class": "4xx"}, func(v float64) bool { return v == 1 }, "1"},
			{"tidyfeed_feed_consecutive_errors", map[string]string{"feed": down}, func(v float64) bool { return v == 1 }, "1"},
			{"tidyfeed_feed_consecutive_errors", map[string]string{"feed": a}, func(v float64) bool { return v == 0 }, "0"},
			{"tidyfeed_feed_problem", map[string]string{"feed": down, "kind": "not-found"}, func(v float64) bool { return v == 1 }, "1"},
			{"tidyfeed_feed_received_bytes_total", map[string]string{"feed": a}, func(v float64) bool { return v == float64(len(rssDoc)) }, fmt.Sprint(len(rssDoc))},
			{"tidyfeed_feed_fetch_duration_seconds", map[string]string{"feed": b}, func(v float64) bool { return v == 1 }, "1 observation"},
			{"tidyfeed_feed_last_success_timestamp_seconds", map[string]string{"feed": a}, func(v float64) bool { return time.Since(time.Unix(int64(v), 0)) < time.Minute }, "within the last minute"},
			{"tidyfeed_feed_next_check_timestamp_seconds", map[string]string{"feed": a}, func(v float64) bool { return time.Unix(int64(v), 0).After(time.Now()) }, "in the future"},
			{"tidyfeed_output_requests_total", map[string]string{"format": "json", "code": "200"}, func(v float64) bool { return v == jsonBefore+1 }, "one more"},
			{"tidyfeed_output_requests_total", map[string]string{"format": "atom", "code": "304"}, func(v float64) bool { return v == 1 }, "1"},
			{"tidyfeed_store_file_bytes", nil, func(v float64) bool { return v > 0 }, "> 0"},
			{"tidyfeed_store_free_pages", nil, func(v float64) bool { return v >= 0 }, ">= 0"},
			{"go_goroutines", nil, func(v float64) bool { return v > 0 }, "> 0"},
			{"process_resident_memory_bytes", nil, func(v float64) bool { return v > 0 }, "> 0"},
		}
		for _, c := range checks {
			got, ok := metricstest.Value(mfs, c.name, c.labels)
			if !ok || !c.test(got) {
				t.Errorf("%s%v = %v (present %v), want %s", c.name, c.labels, got, ok, c.want)
			}
		}
		if t.Failed() {
			t.Logf("/metrics:\n%s", text)
		}
	})
	t.Run("status page and API", func(t *testing.T) {
		code, page := get(t, adminURL+"/status", true)
		if code != 200 || strings.Count(page, "<tr class=") != 4 || !strings.Contains(page, `data-state="failing"`) {
			t.Errorf("/status: HTTP %d, want 4 rows with one failing:\n%s", code, page)
		}
		var out, errOut strings.Builder
		if err := run(t.Context(), []string{"status", "-config", config}, &out, &errOut); err != nil {
			t.Fatalf("tidyfeed status through the admin address: %v\n%s", err, errOut.String())
		}
		if !strings.Contains(out.String(), "4 feeds, 1 with problems") {
			t.Errorf("tidyfeed status:\n%s", out.String())
		}
	})
	t.Run("backup through the daemon", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "backup.db")
		out, errOut, err := tidyfeed(t, "backup", "-config", config, dst)
		if err != nil || !strings.Contains(out, "verified (via the daemon)") {
			t.Fatalf("tidyfeed backup: %v\n%s%s", err, out, errOut)
		}
		st, err := storage.Verify(t.Context(), dst)
		if err != nil || st.Entries < 5 || st.Feeds != 4 {
			t.Errorf("backup: %+v, %v; want the polled entries of 4 feeds", st, err)
		}
	})
	t.Run("backup refuses the store itself", func(t *testing.T) {
		data := filepath.Join(dir, "tidyfeed.db") // adminConfig's data:
		before, err := os.Stat(data)
		if err != nil {
			t.Fatal(err)
		}
		// Through another path to the same file, too.
		for _, dst := range []string{data, filepath.Join(dir, "secret-folder", "..", "tidyfeed.db")} {
			_, errOut, err := tidyfeed(t, "backup", "-config", config, dst)
			after, serr := os.Stat(data)
			if err == nil || !strings.Contains(err.Error()+errOut, "is the store itself") || serr != nil || !os.SameFile(before, after) {
				t.Errorf("backup onto the live store %s: %v %s; want it refused and the file untouched", dst, err, errOut)
			}
		}
		if s, err := storage.Open(data, storage.Options{Timeout: 300 * time.Millisecond}); err == nil {
			s.Close()
			t.Errorf("a second writer could open %s while the daemon runs", data)
		}
	})
	t.Run("removed feed's series go away", func(t *testing.T) {
		adminConfig(t, dir, addr, admin, a, down)
		waitFor(t, "the reload to drop feed b", 10*time.Second, func() bool {
			_, text := get(t, adminURL+"/metrics", true)
			mfs := metricstest.Parse(t, strings.NewReader(text))
			return !metricstest.Feeds(mfs, "tidyfeed_feed_polls_total")[b] && !metricstest.Feeds(mfs, "tidyfeed_feed_last_attempt_timestamp_seconds")[b]
		})
		_, text := get(t, adminURL+"/metrics", true)
		mfs := metricstest.Parse(t, strings.NewReader(text))
		for _, name := range []string{"tidyfeed_feed_polls_total", "tidyfeed_feed_responses_total", "tidyfeed_feed_fetch_duration_seconds",
			"tidyfeed_feed_entries_total", "tidyfeed_feed_consecutive_errors", "tidyfeed_feed_stored_entries"} {
			got := metricstest.Feeds(mfs, name)
			if got[b] || len(got) > 3 {
				t.Errorf("%s after removing %s: feeds %v, want at most the 3 configured", name, b, got)
			}
		}
	})
}

// TestReadyz checks that /readyz names what is missing until the store is
// open, a config loaded and the scheduler running.
func TestReadyz(t *testing.T) {
	d := &daemon{}
	check := func(wantCode int, wantBody ...string) {
		t.Helper()
		rec := httptest.NewRecorder()
		d.readyz(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if rec.Code != wantCode {
			t.Errorf("/readyz = %d, want %d", rec.Code, wantCode)
		}
		for _, w := range wantBody {
			if !strings.Contains(rec.Body.String(), w) {
				t.Errorf("/readyz body %q lacks %q", rec.Body.String(), w)
			}
		}
	}
	check(503, "store not open", "config not loaded", "scheduler not running")
	d.store = openStore(t)
	check(503, "config not loaded", "scheduler not running")
	d.cfg = &config.Config{}
	check(503, "scheduler not running")
	d.running.Store(true)
	check(200, "ready")
	rec := httptest.NewRecorder()
	d.healthz(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != 200 {
		t.Errorf("/healthz = %d, want 200", rec.Code)
	}
}

// TestCompactCommand shrinks a store with many pruned entries offline, and
// refuses while another process holds the file.
func TestCompactCommand(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "feeds.yaml")
	if err := os.WriteFile(config, []byte("data: tidyfeed.db\nfeeds: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tidyfeed.db")
	s, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fillStore(t, s, 2000)
	if _, err := s.Prune(t.Context(), func(string) storage.Keep { return storage.Keep{MaxItems: 10} }, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tidyfeed(t, "compact", "-config", config); err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Errorf("compact while the file is open: %v, want a refusal", err)
	}
	s.Close()
	before, _ := os.Stat(path)
	out, errOut, err := tidyfeed(t, "compact", "-config", config)
	if err != nil {
		t.Fatalf("compact: %v\n%s", err, errOut)
	}
	after, _ := os.Stat(path)
	t.Logf("%s", out)
	if after.Size()*2 > before.Size() {
		t.Errorf("compact: %d → %d bytes, want at least halved", before.Size(), after.Size())
	}
	if st, err := storage.Verify(t.Context(), path); err != nil || st.Entries != 10 {
		t.Errorf("after compact: %+v, %v; want 10 entries", st, err)
	}
}

// fillStore saves n entries of one feed, an hour apart.
func fillStore(t *testing.T, s *storage.Store, n int) {
	t.Helper()
	now := time.Now()
	var es []feeds.Entry
	for i := range n {
		key := fmt.Sprintf("k%d", i)
		es = append(es, feeds.Entry{Key: key, Hash: key, Title: "Entry " + key, Link: "https://fill.example/" + key,
			Content: "<p>" + strings.Repeat("Some words of an entry body. ", 40) + key + "</p>", Published: now.Add(-time.Duration(i) * time.Hour)})
	}
	if _, err := s.Save(t.Context(), storage.Batch{State: feeds.FeedState{FeedID: "https://fill.example/feed"}, Entries: es}); err != nil {
		t.Fatal(err)
	}
}

// TestAutoCompact checks the daemon's start-up compaction: a store that is
// mostly free pages is rewritten, a small or dense one is left alone.
func TestAutoCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tidyfeed.db")
	s, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fillStore(t, s, 2000)
	if _, err := s.Prune(t.Context(), func(string) storage.Keep { return storage.Keep{MaxItems: 10} }, 0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, _ := os.Stat(path)
	var logs syncBuffer
	logger := newLogger(&logs, config.Log{})
	autoCompact(t.Context(), path, logger)
	after, _ := os.Stat(path)
	if after.Size()*2 > before.Size() || !strings.Contains(logs.String(), "store compacted") {
		t.Errorf("auto compaction: %d → %d bytes, log %q; want the sparse file compacted", before.Size(), after.Size(), logs.String())
	}
	autoCompact(t.Context(), path, logger) // now small and dense: untouched
	if again, _ := os.Stat(path); again.Size() != after.Size() || strings.Count(logs.String(), "store compacted") != 1 {
		t.Errorf("second start compacted again: %d → %d bytes", after.Size(), again.Size())
	}
}

// TestRetentionRequestsSync: a retention pass that removes entries asks
// syncLoop for a sync, so the static folder and the hub's subscribers
// drop them even when no poll stores anything afterwards; a pass that
// removes nothing asks for none.
func TestRetentionRequestsSync(t *testing.T) {
	cfg, err := config.Parse("feeds.yaml", []byte("keep: {max_items: 2}\nfeeds:\n  - url: https://a.example/feed\n"))
	if err != nil {
		t.Fatal(err)
	}
	feed := cfg.Sources()[0].ID
	store := openStore(t)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var batch storage.Batch
	batch.State.FeedID = feed
	for i := range 5 {
		batch.Entries = append(batch.Entries, feeds.Entry{Key: fmt.Sprint("k", i), Hash: fmt.Sprint("h", i),
			Title: fmt.Sprint("Story ", i), Link: fmt.Sprintf("https://a.example/%d", i), Content: "<p>text</p>",
			Published: base.Add(time.Duration(i) * time.Hour)})
	}
	if _, err := store.Save(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	d := &daemon{store: store, cfg: cfg, syncReq: make(chan struct{}, 1), logger: logger, metrics: newMetrics(store, logger)}

	for pass, want := range []struct {
		kept int
		sync bool
	}{{2, true}, {2, false}} {
		d.retainOnce(t.Context())
		es, err := store.Recent(t.Context(), []string{feed}, 0)
		if err != nil {
			t.Fatal(err)
		}
		requested := len(d.syncReq) == 1
		if requested {
			<-d.syncReq
		}
		if len(es) != want.kept || requested != want.sync {
			t.Errorf("pass %d: %d entries kept, sync requested %v; want %d, %v", pass+1, len(es), requested, want.kept, want.sync)
		}
	}
}
