// Package metrics exports tidyfeed's operational numbers in the Prometheus
// text format: per-feed polling series (last attempt and success, errors,
// next check, fetch durations, responses by status class, bytes, entries
// new, updated, merged and dropped by reason), output requests by format and
// status, store size and free pages, and the Go and process collectors.
//
// It takes plain values: cmd/tidyfeed translates an ingest outcome into a
// Poll, hands the configured feed IDs to SetFeeds on every config load, and
// gives Options the functions that read feed states and store statistics
// at scrape time. No pipeline stage imports this package or Prometheus.
//
// # Caveats
//
// Label cardinality is bounded by the configured feeds: SetFeeds deletes the
// series of feeds that left the configuration, and polls of unknown feeds
// are ignored. The feed label is the source ID (the URL as configured, or
// "file:" and a path), so /metrics belongs behind the admin address or basic
// auth when paths are private. Counters restart from zero with the process,
// as Prometheus expects; timestamps and error counts come from the store.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// namespace prefixes every tidyfeed series.
const namespace = "tidyfeed"

// StoreStats is what the store collector reports.
type StoreStats struct {
	FileBytes int64 // size of the database file
	DataBytes int64 // bytes in use by the database's pages
	FreePages int   // pages free for reuse (compaction reclaims them)
	PageSize  int   // bytes per page; 0 means 4096
	Entries   int   // stored entries
}

// Options configures New. The zero value is usable: it exports the Go and
// process collectors and the counters, but no state or store gauges.
type Options struct {
	// States returns every stored feed state; it is called on each scrape
	// and its result filtered to the configured feeds. nil means no
	// per-feed state gauges.
	States func(ctx context.Context) ([]feeds.FeedState, error)
	// Store returns the store's statistics on each scrape; nil means no
	// store gauges.
	Store func(ctx context.Context) (StoreStats, error)
	// Version and Commit label tidyfeed_build_info; "" means "unknown".
	Version, Commit string
	// Logger receives scrape-time read failures; nil means slog.Default().
	Logger *slog.Logger
	// Buckets are the fetch duration histogram's upper bounds in seconds;
	// nil means 0.05s to 60s in 11 steps.
	Buckets []float64
}

// Metrics holds tidyfeed's collectors. It is safe for concurrent use;
// create it with New.
type Metrics struct {
	opts Options
	reg  *prometheus.Registry

	polls     *prometheus.CounterVec   // feed, outcome
	responses *prometheus.CounterVec   // feed, class
	fetchDur  *prometheus.HistogramVec // feed
	bytes     *prometheus.CounterVec   // feed
	entries   *prometheus.CounterVec   // feed, kind
	dropped   *prometheus.CounterVec   // feed, reason
	requests  *prometheus.CounterVec   // format, code

	mu    sync.RWMutex
	feeds map[string]bool // configured feed IDs; nil before SetFeeds
}

// New returns Metrics with its collectors registered in a registry of its
// own (not Prometheus's global one).
func New(opts Options) *Metrics {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Buckets == nil {
		opts.Buckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60}
	}
	m := &Metrics{opts: opts, reg: prometheus.NewRegistry()}
	m.polls = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "feed_polls_total",
		Help: "Polls of a feed by outcome: new, updated, unchanged, not-modified or error."}, []string{"feed", "outcome"})
	m.responses = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "feed_responses_total",
		Help: "Responses to a feed's polls by status class: 2xx, 304, 3xx, 4xx, 5xx, or none (no HTTP response: network error, local file)."},
		[]string{"feed", "class"})
	m.fetchDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "feed_fetch_duration_seconds",
		Help: "Time to fetch a feed (request and body), per feed.", Buckets: opts.Buckets}, []string{"feed"})
	m.bytes = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "feed_received_bytes_total",
		Help: "Body bytes received from a feed, before decompression."}, []string{"feed"})
	m.entries = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "feed_entries_total",
		Help: "Entries stored from a feed by kind: new, updated, or merged (new entries that joined another feed's story)."},
		[]string{"feed", "kind"})
	m.dropped = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "feed_entries_dropped_total",
		Help: "Entries of a feed not stored or removed, by reason: duplicate (repeated in one document), tombstoned (purged before, listed again), retention (pruned by keep)."},
		[]string{"feed", "reason"})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "output_requests_total",
		Help: "Requests for the published feeds by format and HTTP status code (304 when the reader's copy was current)."},
		[]string{"format", "code"})
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: "build_info",
		Help: "Always 1; labels name the running build."}, []string{"version", "commit"})
	build.WithLabelValues(orUnknown(opts.Version), orUnknown(opts.Commit)).Set(1)

	m.reg.MustRegister(m.polls, m.responses, m.fetchDur, m.bytes, m.entries, m.dropped, m.requests, build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		stateCollector{m}, storeCollector{m})
	return m
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// Handler serves the registry in the Prometheus text (or negotiated)
// format. Collection errors are logged and the rest is still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError,
		ErrorLog: slogPrinter{m.opts.Logger}})
}

// Registry returns the registry, for tests and for Gather.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SetFeeds declares the configured feed IDs. Series of feeds that are no
// longer configured are deleted, so cardinality follows the config.
func (m *Metrics) SetFeeds(ids []string) {
	next := make(map[string]bool, len(ids))
	for _, id := range ids {
		next[id] = true
	}
	m.mu.Lock()
	prev := m.feeds
	m.feeds = next
	m.mu.Unlock()
	for id := range prev {
		if next[id] {
			continue
		}
		l := prometheus.Labels{"feed": id}
		for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{
			m.polls, m.responses, m.fetchDur, m.bytes, m.entries, m.dropped} {
			v.DeletePartialMatch(l)
		}
	}
}

// configured reports whether id is a configured feed; before the first
// SetFeeds every feed is.
func (m *Metrics) configured(id string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.feeds == nil || m.feeds[id]
}

// Poll is what one poll of one feed did, as the metrics count it.
type Poll struct {
	Feed    string // feeds.Source.ID
	Outcome string // "new", "updated", "unchanged", "not-modified" or "error"
	// HTTPStatus is the response's status code, 0 when there was none
	// (network error, local file).
	HTTPStatus int
	// Fetched is true when a request was answered or a file read; only
	// then are FetchDuration and Bytes observed.
	Fetched       bool
	FetchDuration time.Duration
	Bytes         int64
	New, Updated  int
	Merged        int // of New, how many joined another feed's story
	// Dropped counts entries not stored by reason ("duplicate",
	// "tombstoned"); zero counts are skipped.
	Dropped map[string]int
}

// ObservePoll counts one poll. Polls of feeds not configured (a poll that
// finished after a reload removed its feed) are ignored.
func (m *Metrics) ObservePoll(p Poll) {
	if !m.configured(p.Feed) {
		return
	}
	m.polls.WithLabelValues(p.Feed, p.Outcome).Inc()
	m.responses.WithLabelValues(p.Feed, StatusClass(p.HTTPStatus)).Inc()
	if p.Fetched {
		m.fetchDur.WithLabelValues(p.Feed).Observe(p.FetchDuration.Seconds())
		m.bytes.WithLabelValues(p.Feed).Add(float64(p.Bytes))
	}
	for kind, n := range map[string]int{"new": p.New, "updated": p.Updated, "merged": p.Merged} {
		c := m.entries.WithLabelValues(p.Feed, kind) // created at zero, so rates exist from the first poll
		if n > 0 {
			c.Add(float64(n))
		}
	}
	for reason, n := range p.Dropped {
		if n > 0 {
			m.dropped.WithLabelValues(p.Feed, reason).Add(float64(n))
		}
	}
}

// ObservePruned counts entries of feed removed by retention.
func (m *Metrics) ObservePruned(feed string, n int) {
	if n > 0 && m.configured(feed) {
		m.dropped.WithLabelValues(feed, "retention").Add(float64(n))
	}
}

// StatusClass names the class of an HTTP status for the responses series:
// "304" apart from the other 3xx, "none" for 0.
func StatusClass(code int) string {
	switch {
	case code == 0:
		return "none"
	case code == http.StatusNotModified:
		return "304"
	case code >= 100 && code < 600:
		return strconv.Itoa(code/100) + "xx"
	}
	return "other"
}

// slogPrinter adapts a logger to promhttp's Println-style error log.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	p.l.Warn("metrics collection", "error", fmt.Sprint(v...))
}
