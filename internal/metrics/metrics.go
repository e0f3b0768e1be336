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
//
// The per-feed series are not registered with Prometheus's client: each
// feed's counters are plain numbers, and Handler builds and writes one
// family at a time after the registry's own (see feed.go), which at
// 10,000 feeds holds a twelfth of the memory between scrapes and a family
// rather than the whole scrape during one.
package metrics

import (
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/internal/accept"
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
	opts     Options
	reg      *prometheus.Registry
	requests *prometheus.CounterVec // format, code

	// mu guards feeds and counters; a scrape holds it for reading while
	// it turns the counters into metrics.
	mu       sync.RWMutex
	feeds    map[string]bool // configured feed IDs; nil before SetFeeds
	counters map[string]*feedCounters
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
	m := &Metrics{opts: opts, reg: prometheus.NewRegistry(), counters: map[string]*feedCounters{}}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "output_requests_total",
		Help: "Requests for the published feeds by format and HTTP status code (304 when the reader's copy was current)."},
		[]string{"format", "code"})
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: "build_info",
		Help: "Always 1; labels name the running build."}, []string{"version", "commit"})
	build.WithLabelValues(orUnknown(opts.Version), orUnknown(opts.Commit)).Set(1)

	m.reg.MustRegister(m.requests, build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		storeCollector{m})
	return m
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// Handler serves every series in the Prometheus text format (or the one
// the scraper negotiates), gzipped when the scraper accepts it: first the
// registry's (Go, process, build, output requests, store), then the
// per-feed families one at a time. A family that cannot be read (the store
// failing) is logged and left out; the rest is still served.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		format := expfmt.Negotiate(r.Header)
		w.Header().Set("Content-Type", string(format))
		var out io.Writer = w
		if accept.Gzip(r.Header.Get("Accept-Encoding")) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Add("Vary", "Accept-Encoding")
			gz := gzip.NewWriter(w)
			defer gz.Close()
			out = gz
		}
		enc := expfmt.NewEncoder(out, format)
		var failed error
		encode := func(mf *dto.MetricFamily) {
			if len(mf.Metric) == 0 || failed != nil {
				return
			}
			failed = enc.Encode(mf)
		}
		mfs, err := m.reg.Gather()
		if err != nil {
			m.opts.Logger.Warn("metrics collection", "error", err)
		}
		for _, mf := range mfs {
			encode(mf)
		}
		m.counterFamilies(encode)
		if err := m.stateFamilies(encode); err != nil {
			m.opts.Logger.Warn("metrics collection", "error", err)
		}
		if c, ok := enc.(expfmt.Closer); ok && failed == nil {
			failed = c.Close()
		}
		if failed != nil {
			m.opts.Logger.Debug("metrics: writing the scrape", "error", failed) // the scraper went away
		}
	})
}

// SetFeeds declares the configured feed IDs. Counters of feeds that are no
// longer configured are deleted, so cardinality follows the config.
func (m *Metrics) SetFeeds(ids []string) {
	next := make(map[string]bool, len(ids))
	for _, id := range ids {
		next[id] = true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.feeds = next
	for id := range m.counters {
		if !next[id] {
			delete(m.counters, id)
		}
	}
}

// configured reports whether id is a configured feed; before the first
// SetFeeds every feed is. The caller holds m.mu.
func (m *Metrics) configured(id string) bool {
	return m.feeds == nil || m.feeds[id]
}

// feed returns id's counters, creating them, or nil when id is not a
// configured feed. The caller holds m.mu for writing.
func (m *Metrics) feed(id string) *feedCounters {
	if !m.configured(id) {
		return nil
	}
	f := m.counters[id]
	if f == nil {
		f = &feedCounters{}
		m.counters[id] = f
	}
	return f
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
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.feed(p.Feed)
	if f == nil {
		return
	}
	f.polls.add(p.Outcome, 1)
	f.responses.add(StatusClass(p.HTTPStatus), 1)
	if p.Fetched {
		f.observeFetch(p.FetchDuration, m.opts.Buckets)
		f.bytes += uint64(max(p.Bytes, 0))
	}
	f.polled = true // new, updated and merged exist from the first poll, so rates do
	for i, n := range [...]int{p.New, p.Updated, p.Merged} {
		f.entries[i] += uint64(max(n, 0))
	}
	for reason, n := range p.Dropped {
		if n > 0 {
			f.dropped.add(reason, uint64(n))
		}
	}
}

// ObservePruned counts entries of feed removed by retention.
func (m *Metrics) ObservePruned(feed string, n int) {
	if n <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if f := m.feed(feed); f != nil {
		f.dropped.add("retention", uint64(n))
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
