package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// scrapeTimeout bounds the store reads of one scrape.
const scrapeTimeout = 5 * time.Second

var (
	descLastAttempt = prometheus.NewDesc(namespace+"_feed_last_attempt_timestamp_seconds",
		"Unix time of the feed's last poll attempt; absent before the first.", []string{"feed"}, nil)
	descLastSuccess = prometheus.NewDesc(namespace+"_feed_last_success_timestamp_seconds",
		"Unix time of the feed's last successful poll; absent before the first.", []string{"feed"}, nil)
	descErrors = prometheus.NewDesc(namespace+"_feed_consecutive_errors",
		"Failed polls of the feed in a row (0 when the last poll succeeded).", []string{"feed"}, nil)
	descNextCheck = prometheus.NewDesc(namespace+"_feed_next_check_timestamp_seconds",
		"Unix time the feed is planned to be polled next, labelled with why (interval, ttl, backoff, retry-after, ...).",
		[]string{"feed", "reason"}, nil)
	descFeedEntries = prometheus.NewDesc(namespace+"_feed_stored_entries",
		"Entries of the feed in the store.", []string{"feed"}, nil)
	descProblem = prometheus.NewDesc(namespace+"_feed_problem",
		"1 when the feed needs attention, labelled with the kind: gone, challenge, not-found, retry-after, temporary; 0 otherwise (kind=\"\").",
		[]string{"feed", "kind"}, nil)

	descStoreFile = prometheus.NewDesc(namespace+"_store_file_bytes", "Size of the database file.", nil, nil)
	descStoreData = prometheus.NewDesc(namespace+"_store_data_bytes", "Bytes in use by the database's pages.", nil, nil)
	descStoreFree = prometheus.NewDesc(namespace+"_store_free_pages",
		"Database pages free for reuse; tidyfeed compact returns them to the file system.", nil, nil)
	descStoreFreeBytes = prometheus.NewDesc(namespace+"_store_free_bytes", "Free pages times the page size.", nil, nil)
	descStoreEntries   = prometheus.NewDesc(namespace+"_store_entries", "Entries in the store.", nil, nil)
)

// stateCollector reads the stored feed states at scrape time, so the
// gauges are exactly what the store says, and only configured feeds show.
type stateCollector struct{ m *Metrics }

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLastAttempt, descLastSuccess, descErrors, descNextCheck, descFeedEntries, descProblem} {
		ch <- d
	}
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	if c.m.opts.States == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	states, err := c.m.opts.States(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descLastAttempt, err)
		return
	}
	for _, st := range states {
		id := st.FeedID
		if !c.m.configured(id) {
			continue
		}
		if !st.LastAttempt.IsZero() {
			ch <- gauge(descLastAttempt, unix(st.LastAttempt), id)
		}
		if !st.LastSuccess.IsZero() {
			ch <- gauge(descLastSuccess, unix(st.LastSuccess), id)
		}
		ch <- gauge(descErrors, float64(st.ConsecutiveErrors), id)
		if !st.NextCheck.IsZero() {
			ch <- gauge(descNextCheck, unix(st.NextCheck), id, st.NextReason)
		}
		ch <- gauge(descFeedEntries, float64(st.Entries), id)
		kind, v := problemKind(st), 1.0
		if kind == "" {
			v = 0
		}
		ch <- gauge(descProblem, v, id, kind)
	}
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
