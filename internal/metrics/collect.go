package metrics

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// scrapeTimeout bounds the store reads of one scrape.
const scrapeTimeout = 5 * time.Second

var (
	descStoreFile = prometheus.NewDesc(namespace+"_store_file_bytes", "Size of the database file.", nil, nil)
	descStoreData = prometheus.NewDesc(namespace+"_store_data_bytes", "Bytes in use by the database's pages.", nil, nil)
	descStoreFree = prometheus.NewDesc(namespace+"_store_free_pages",
		"Database pages free for reuse; tidyfeed compact returns them to the file system.", nil, nil)
	descStoreFreeBytes = prometheus.NewDesc(namespace+"_store_free_bytes", "Free pages times the page size.", nil, nil)
	descStoreEntries   = prometheus.NewDesc(namespace+"_store_entries", "Entries in the store.", nil, nil)
)

// stateSpecs are the per-feed gauges read from the stored feed states
// at scrape time, so they are exactly what the store says; each with the
// function that adds one feed's sample.
var stateSpecs = []struct {
	name, help, label string
	add               func(*family, feeds.FeedState)
}{
	{"feed_last_attempt_timestamp_seconds", "Unix time of the feed's last poll attempt; absent before the first.", "",
		func(fam *family, st feeds.FeedState) {
			if !st.LastAttempt.IsZero() {
				fam.add(st.FeedID, "", unix(st.LastAttempt))
			}
		}},
	{"feed_last_success_timestamp_seconds", "Unix time of the feed's last successful poll; absent before the first.", "",
		func(fam *family, st feeds.FeedState) {
			if !st.LastSuccess.IsZero() {
				fam.add(st.FeedID, "", unix(st.LastSuccess))
			}
		}},
	{"feed_consecutive_errors", "Failed polls of the feed in a row (0 when the last poll succeeded).", "",
		func(fam *family, st feeds.FeedState) { fam.add(st.FeedID, "", float64(st.ConsecutiveErrors)) }},
	{"feed_next_check_timestamp_seconds", "Unix time the feed is planned to be polled next, labelled with why (interval, ttl, backoff, retry-after, ...).", "reason",
		func(fam *family, st feeds.FeedState) {
			if !st.NextCheck.IsZero() {
				fam.add(st.FeedID, st.NextReason, unix(st.NextCheck))
			}
		}},
	{"feed_stored_entries", "Entries of the feed in the store.", "",
		func(fam *family, st feeds.FeedState) { fam.add(st.FeedID, "", float64(st.Entries)) }},
	{"feed_problem", "1 when the feed needs attention, labelled with the kind: gone, challenge, not-found, retry-after, temporary; 0 otherwise (kind=\"\").", "kind",
		func(fam *family, st feeds.FeedState) {
			kind, v := problemKind(st), 1.0
			if kind == "" {
				v = 0
			}
			fam.add(st.FeedID, kind, v)
		}},
}

// stateFamilies reads the stored feed states and calls emit with each
// per-feed gauge family in turn, for the configured feeds only.
func (m *Metrics) stateFamilies(emit func(*dto.MetricFamily)) error {
	if m.opts.States == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	states, err := m.opts.States(ctx)
	if err != nil {
		return fmt.Errorf("read feed states: %w", err)
	}
	m.mu.RLock()
	states = slices.DeleteFunc(states, func(st feeds.FeedState) bool { return !m.configured(st.FeedID) })
	m.mu.RUnlock()
	slices.SortFunc(states, func(a, b feeds.FeedState) int { return strings.Compare(a.FeedID, b.FeedID) })
	for _, spec := range stateSpecs {
		fam := newFamily(spec.name, spec.help, dto.MetricType_GAUGE, spec.label)
		for _, st := range states {
			spec.add(fam, st)
		}
		emit(fam.mf)
	}
	return nil
}

// problemKind names what is wrong with a feed, "" when nothing is.
func problemKind(st feeds.FeedState) string {
	switch {
	case !st.Gone.IsZero():
		return "gone"
	case st.ConsecutiveErrors > 0 && st.ErrorKind != "":
		return st.ErrorKind
	case st.ConsecutiveErrors > 0:
		return "temporary"
	}
	return ""
}

// storeCollector reports the store's size and free pages at scrape time.
type storeCollector struct{ m *Metrics }

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStoreFile, descStoreData, descStoreFree, descStoreFreeBytes, descStoreEntries} {
		ch <- d
	}
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	if c.m.opts.Store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	st, err := c.m.opts.Store(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descStoreFile, err)
		return
	}
	page := st.PageSize
	if page <= 0 {
		page = 4096
	}
	ch <- gauge(descStoreFile, float64(st.FileBytes))
	ch <- gauge(descStoreData, float64(st.DataBytes))
	ch <- gauge(descStoreFree, float64(st.FreePages))
	ch <- gauge(descStoreFreeBytes, float64(st.FreePages*page))
	ch <- gauge(descStoreEntries, float64(st.Entries))
}

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
