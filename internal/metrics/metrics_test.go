package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/internal/metrics"
	"github.com/tidyfeed/tidyfeed/internal/metrics/metricstest"
)

// scrape fetches /metrics over HTTP and parses it with the Prometheus text
// parser.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape status = %d, want 200", resp.StatusCode)
	}
	return metricstest.Parse(t, resp.Body)
}

func TestScrapePerFeedSeries(t *testing.T) {
	attempt := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	states := []feeds.FeedState{
		{FeedID: "https://a.example/feed", LastAttempt: attempt, LastSuccess: attempt, NextCheck: attempt.Add(30 * time.Minute), NextReason: "interval", Entries: 12},
		{FeedID: "https://b.example/feed", LastAttempt: attempt, LastSuccess: attempt.Add(-time.Hour), ConsecutiveErrors: 3, ErrorKind: "temporary", NextCheck: attempt.Add(time.Hour), NextReason: "backoff"},
		{FeedID: "https://old.example/feed", LastAttempt: attempt}, // stored, no longer configured
	}
	m := metrics.New(metrics.Options{
		States: func(context.Context) ([]feeds.FeedState, error) { return states, nil },
		Store: func(context.Context) (metrics.StoreStats, error) {
			return metrics.StoreStats{FileBytes: 1 << 20, FreePages: 7, PageSize: 4096, Entries: 12}, nil
		},
		Version: "v1.2.3", Commit: "abc123",
	})
	m.SetFeeds([]string{"https://a.example/feed", "https://b.example/feed"})
	m.ObservePoll(metrics.Poll{Feed: "https://a.example/feed", Outcome: "new", HTTPStatus: 200, Fetched: true,
		FetchDuration: 300 * time.Millisecond, Bytes: 5000, New: 4, Updated: 1, Merged: 2, Dropped: map[string]int{"duplicate": 1, "tombstoned": 2}})
	m.ObservePoll(metrics.Poll{Feed: "https://a.example/feed", Outcome: "not-modified", HTTPStatus: 304, Fetched: true, FetchDuration: 50 * time.Millisecond, Bytes: 0})
	m.ObservePoll(metrics.Poll{Feed: "https://b.example/feed", Outcome: "error", HTTPStatus: 503})
	m.ObservePoll(metrics.Poll{Feed: "https://gone.example/feed", Outcome: "new", HTTPStatus: 200, New: 9}) // not configured
	m.ObservePruned("https://a.example/feed", 5)

	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	mfs := scrape(t, mux)

	a, b := map[string]string{"feed": "https://a.example/feed"}, map[string]string{"feed": "https://b.example/feed"}
	with := func(base map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for kk, vv := range base {
			out[kk] = vv
		}
		return out
	}
	tests := []struct {
		name   string
		metric string
		labels map[string]string
		want   float64
	}{
		{"last attempt", "tidyfeed_feed_last_attempt_timestamp_seconds", a, float64(attempt.Unix())},
		{"last success", "tidyfeed_feed_last_success_timestamp_seconds", b, float64(attempt.Add(-time.Hour).Unix())},
		{"consecutive errors", "tidyfeed_feed_consecutive_errors", b, 3},
		{"healthy feed has no errors", "tidyfeed_feed_consecutive_errors", a, 0},
		{"next check with reason", "tidyfeed_feed_next_check_timestamp_seconds", with(b, "reason", "backoff"), float64(attempt.Add(time.Hour).Unix())},
		{"problem", "tidyfeed_feed_problem", with(b, "kind", "temporary"), 1},
		{"stored entries", "tidyfeed_feed_stored_entries", a, 12},
		{"fetch histogram count", "tidyfeed_feed_fetch_duration_seconds", a, 2},
		{"200 responses", "tidyfeed_feed_responses_total", with(a, "class", "2xx"), 1},
		{"304 responses", "tidyfeed_feed_responses_total", with(a, "class", "304"), 1},
		{"5xx responses", "tidyfeed_feed_responses_total", with(b, "class", "5xx"), 1},
		{"bytes", "tidyfeed_feed_received_bytes_total", a, 5000},
		{"new", "tidyfeed_feed_entries_total", with(a, "kind", "new"), 4},
		{"updated", "tidyfeed_feed_entries_total", with(a, "kind", "updated"), 1},
		{"merged", "tidyfeed_feed_entries_total", with(a, "kind", "merged"), 2},
		{"dropped duplicate", "tidyfeed_feed_entries_dropped_total", with(a, "reason", "duplicate"), 1},
		{"dropped tombstoned", "tidyfeed_feed_entries_dropped_total", with(a, "reason", "tombstoned"), 2},
		{"dropped retention", "tidyfeed_feed_entries_dropped_total", with(a, "reason", "retention"), 5},
		{"polls by outcome", "tidyfeed_feed_polls_total", with(b, "outcome", "error"), 1},
		{"store file", "tidyfeed_store_file_bytes", nil, 1 << 20},
		{"store free pages", "tidyfeed_store_free_pages", nil, 7},
		{"store free bytes", "tidyfeed_store_free_bytes", nil, 7 * 4096},
		{"build info", "tidyfeed_build_info", map[string]string{"version": "v1.2.3", "commit": "abc123"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := metricstest.Value(mfs, tt.metric, tt.labels)
			if !ok {
				t.Fatalf("%s%v missing", tt.metric, tt.labels)
			}
			if got != tt.want {
				t.Errorf("%s%v = %v, want %v", tt.metric, tt.labels, got, tt.want)
			}
		})
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := mfs[name]; !ok {
			t.Errorf("%s missing: Go and process collectors not registered", name)
		}
	}
	for _, name := range []string{"tidyfeed_feed_last_attempt_timestamp_seconds", "tidyfeed_feed_polls_total", "tidyfeed_feed_entries_total"} {
		if got := metricstest.Feeds(mfs, name); got["https://old.example/feed"] || got["https://gone.example/feed"] || len(got) == 0 {
			t.Errorf("%s feeds = %v, want only configured feeds", name, got)
		}
	}
}

func TestSetFeedsRemovesSeries(t *testing.T) {
	ids := []string{"https://a.example/feed", "https://b.example/feed", "https://c.example/feed"}
	var states []feeds.FeedState
	for _, id := range ids {
		states = append(states, feeds.FeedState{FeedID: id, LastAttempt: time.Unix(1_700_000_000, 0)})
	}
	m := metrics.New(metrics.Options{States: func(context.Context) ([]feeds.FeedState, error) { return states, nil }})
	m.SetFeeds(ids)
	for _, id := range ids {
		m.ObservePoll(metrics.Poll{Feed: id, Outcome: "new", HTTPStatus: 200, Fetched: true, New: 1})
	}
	before := scrape(t, m.Handler())
	if got := len(metricstest.Feeds(before, "tidyfeed_feed_polls_total")); got != 3 {
		t.Fatalf("feeds with polls before the reload = %d, want 3", got)
	}
	m.SetFeeds(ids[:1])
	after := scrape(t, m.Handler())
	for _, name := range []string{"tidyfeed_feed_polls_total", "tidyfeed_feed_responses_total", "tidyfeed_feed_fetch_duration_seconds",
		"tidyfeed_feed_received_bytes_total", "tidyfeed_feed_entries_total", "tidyfeed_feed_last_attempt_timestamp_seconds"} {
		got := metricstest.Feeds(after, name)
		if len(got) != 1 || !got[ids[0]] {
			t.Errorf("%s feeds after the reload = %v, want only %s", name, got, ids[0])
		}
	}
}

func TestOutputCountsFormatAndStatus(t *testing.T) {
	m := metrics.New(metrics.Options{})
	h := m.Output(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"x"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write([]byte("feed"))
	}))
	do := func(path, inm string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	do("/feed.atom", "")
	do("/feed.atom", `"x"`)
	do("/feed.atom", `"x"`)
	do("/feed.json", "")
	do("/tech.rss", "")
	do("/weird", "")
	mfs := scrape(t, m.Handler())
	tests := []struct {
		format, code string
		want         float64
	}{
		{"atom", "200", 1}, {"atom", "304", 2}, {"json", "200", 1}, {"rss", "200", 1}, {"other", "200", 1},
	}
	for _, tt := range tests {
		t.Run(tt.format+"/"+tt.code, func(t *testing.T) {
			got, ok := metricstest.Value(mfs, "tidyfeed_output_requests_total", map[string]string{"format": tt.format, "code": tt.code})
			if !ok || got != tt.want {
				t.Errorf("requests{format=%s,code=%s} = %v (present %v), want %v", tt.format, tt.code, got, ok, tt.want)
			}
		})
	}
}

func TestStatusClass(t *testing.T) {
	for code, want := range map[int]string{0: "none", 200: "2xx", 304: "304", 301: "3xx", 404: "4xx", 503: "5xx", 999: "other"} {
		if got := metrics.StatusClass(code); got != want {
			t.Errorf("StatusClass(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestFetchHistogramBuckets(t *testing.T) {
	const id = "https://a.example/feed"
	m := metrics.New(metrics.Options{Buckets: []float64{0.1, 1, 10}})
	m.SetFeeds([]string{id})
	for _, d := range []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second, time.Minute} {
		m.ObservePoll(metrics.Poll{Feed: id, Outcome: "unchanged", HTTPStatus: 200, Fetched: true, FetchDuration: d})
	}
	m.ObservePoll(metrics.Poll{Feed: id, Outcome: "error"}) // no response: no duration
	mfs := scrape(t, m.Handler())
	ms := mfs["tidyfeed_feed_fetch_duration_seconds"].GetMetric()
	if len(ms) != 1 {
		t.Fatalf("%d fetch duration series, want 1", len(ms))
	}
	h := ms[0].GetHistogram()
	if h.GetSampleCount() != 5 || h.GetSampleSum() != 62.65 {
		t.Errorf("count %d sum %v, want 5 and 62.65", h.GetSampleCount(), h.GetSampleSum())
	}
	want := map[float64]uint64{0.1: 2, 1: 3, 10: 4, math.Inf(1): 5} // cumulative; a bound includes equal values
	for _, b := range h.GetBucket() {
		if b.GetCumulativeCount() != want[b.GetUpperBound()] {
			t.Errorf("bucket le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want[b.GetUpperBound()])
		}
		delete(want, b.GetUpperBound())
	}
	if len(want) > 0 {
		t.Errorf("buckets missing: %v", want)
	}
}

// BenchmarkFeedCounters reports the heap that the per-feed counters of
// 10,000 polled feeds hold between scrapes (heap-bytes/feed), and the cost
// of one scrape of them with their stored states (time and allocations
// per op; the scraper asks for gzip, as Prometheus does).
func BenchmarkFeedCounters(b *testing.B) {
	const n = 10000
	ids := make([]string, n)
	states := make([]feeds.FeedState, n)
	now := time.Now()
	for i := range ids {
		ids[i] = fmt.Sprintf("https://host%d.example/feed.xml", i)
		states[i] = feeds.FeedState{FeedID: ids[i], LastAttempt: now, LastSuccess: now, NextCheck: now.Add(time.Hour), NextReason: "adaptive", Entries: 10}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := metrics.New(metrics.Options{States: func(context.Context) ([]feeds.FeedState, error) { return slices.Clone(states), nil }})
	m.SetFeeds(ids)
	for _, id := range ids {
		m.ObservePoll(metrics.Poll{Feed: id, Outcome: "new", HTTPStatus: 200, Fetched: true, FetchDuration: 300 * time.Millisecond, Bytes: 5000, New: 10})
		m.ObservePoll(metrics.Poll{Feed: id, Outcome: "not-modified", HTTPStatus: 304, Fetched: true, FetchDuration: 50 * time.Millisecond})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	h := m.Handler()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			b.Fatalf("scrape: %d, %d bytes", rec.Code, rec.Body.Len())
		}
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-bytes/feed")
}

// TestScrapeNegotiatesProtobuf: a scraper asking for the protobuf format
// (as Prometheus does for native histograms) gets it, with the per-feed
// families.
func TestScrapeNegotiatesProtobuf(t *testing.T) {
	const id = "https://a.example/feed"
	m := metrics.New(metrics.Options{States: func(context.Context) ([]feeds.FeedState, error) {
		return []feeds.FeedState{{FeedID: id, ConsecutiveErrors: 2}}, nil
	}})
	m.SetFeeds([]string{id})
	m.ObservePoll(metrics.Poll{Feed: id, Outcome: "error", HTTPStatus: 503, Fetched: true, FetchDuration: time.Second})
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, req)
	format := expfmt.ResponseFormat(rec.Result().Header)
	if format.FormatType() != expfmt.TypeProtoDelim {
		t.Fatalf("Content-Type %q, want delimited protobuf", rec.Header().Get("Content-Type"))
	}
	dec := expfmt.NewDecoder(rec.Body, format)
	mfs := map[string]*dto.MetricFamily{}
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode: %v", err)
		}
		mfs[mf.GetName()] = mf
	}
	for name, want := range map[string]float64{"tidyfeed_feed_consecutive_errors": 2, "tidyfeed_feed_fetch_duration_seconds": 1, "tidyfeed_feed_polls_total": 1} {
		if got, ok := metricstest.Value(mfs, name, map[string]string{"feed": id}); !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
}

// TestScrapeSurvivesStoreFailure: when the feed states cannot be read, the
// scrape still answers with everything else and the failure is logged.
func TestScrapeSurvivesStoreFailure(t *testing.T) {
	const id = "https://a.example/feed"
	var logged strings.Builder
	m := metrics.New(metrics.Options{
		States: func(context.Context) ([]feeds.FeedState, error) { return nil, errors.New("store closed") },
		Logger: slog.New(slog.NewTextHandler(&logged, nil)),
	})
	m.SetFeeds([]string{id})
	m.ObservePoll(metrics.Poll{Feed: id, Outcome: "new", HTTPStatus: 200, Fetched: true, New: 3})
	mfs := scrape(t, m.Handler())
	if got, ok := metricstest.Value(mfs, "tidyfeed_feed_entries_total", map[string]string{"feed": id, "kind": "new"}); !ok || got != 3 {
		t.Errorf("entries new = %v (present %v), want 3", got, ok)
	}
	if _, ok := mfs["tidyfeed_feed_consecutive_errors"]; ok {
		t.Error("state gauges served although the states could not be read")
	}
	if !strings.Contains(logged.String(), "store closed") {
		t.Errorf("log %q does not name the failure", logged.String())
	}
}
