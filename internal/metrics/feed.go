package metrics

import (
	"slices"
	"time"

	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// The per-feed series are not registered Prometheus collectors. Through a
// registry, 10,000 feeds held 5 KB of heap per feed between scrapes (label
// pairs, creation timestamps, a hot and a cold histogram), and a scrape
// built every family before writing the first byte, so the whole scrape
// (about 100 MB of samples) was live at once. Here a feed's counters are
// plain numbers (feedCounters, about 430 bytes), and Handler builds and
// writes one family at a time, so a scrape holds one family's samples.
// BenchmarkFeedCounters measures both.

// entryKinds label the entries counter, in feedCounters.entries order.
var entryKinds = [3]string{"new", "updated", "merged"}

// feedCounters are one configured feed's counters since the process
// started.
type feedCounters struct {
	polls, responses, dropped labelCounts
	entries                   [3]uint64 // by entryKinds
	polled                    bool      // entries are exported (at zero) from the first poll on, so rates exist
	bytes                     uint64
	fetches                   uint64   // fetch durations observed
	fetchSum                  float64  // their sum in seconds
	fetchBuckets              []uint64 // observations per bucket (not cumulative); the last is +Inf
}

// labelCounts counts by one label value; a feed has few distinct values
// (usually one or two outcomes and status classes), so a short slice.
type labelCounts []labelCount

type labelCount struct {
	label string
	n     uint64
}

func (c *labelCounts) add(label string, n uint64) {
	for i := range *c {
		if (*c)[i].label == label {
			(*c)[i].n += n
			return
		}
	}
	*c = append(*c, labelCount{label, n})
}

// observeFetch counts one fetch duration against the upper bounds.
func (f *feedCounters) observeFetch(d time.Duration, bounds []float64) {
	if f.fetchBuckets == nil {
		f.fetchBuckets = make([]uint64, len(bounds)+1)
	}
	s := d.Seconds()
	i := 0
	for i < len(bounds) && s > bounds[i] {
		i++
	}
	f.fetchBuckets[i]++
	f.fetches++
	f.fetchSum += s
}

// A family is one metric family under construction: every sample has the
// feed label and, when label is not "", a second one.
type family struct {
	mf    *dto.MetricFamily
	label string
}

func newFamily(name, help string, typ dto.MetricType, label string) *family {
	return &family{mf: &dto.MetricFamily{Name: proto.String(namespace + "_" + name), Help: proto.String(help), Type: typ.Enum()}, label: label}
}

// add appends feed's sample v; value is the second label's value.
func (f *family) add(feed, value string, v float64) {
	m := feedMetric(feed)
	if f.label != "" {
		m.Label = append(m.Label, &dto.LabelPair{Name: proto.String(f.label), Value: proto.String(value)})
	}
	switch f.mf.GetType() {
	case dto.MetricType_COUNTER:
		m.Counter = &dto.Counter{Value: proto.Float64(v)}
	default:
		m.Gauge = &dto.Gauge{Value: proto.Float64(v)}
	}
	f.mf.Metric = append(f.mf.Metric, m)
}

// counterSpecs are the per-feed counters, each with the function that
// adds one feed's samples.
var counterSpecs = []struct {
	name, help, label string
	add               func(*family, string, *feedCounters)
}{
	{"feed_polls_total", "Polls of a feed by outcome: new, updated, unchanged, not-modified or error.", "outcome",
		func(fam *family, id string, f *feedCounters) { fam.addCounts(id, f.polls) }},
	{"feed_responses_total", "Responses to a feed's polls by status class: 2xx, 304, 3xx, 4xx, 5xx, or none (no HTTP response: network error, local file).", "class",
		func(fam *family, id string, f *feedCounters) { fam.addCounts(id, f.responses) }},
	{"feed_received_bytes_total", "Body bytes received from a feed, before decompression.", "",
		func(fam *family, id string, f *feedCounters) {
			if f.fetches > 0 {
				fam.add(id, "", float64(f.bytes))
			}
		}},
	{"feed_entries_total", "Entries stored from a feed by kind: new, updated, or merged (new entries that joined another feed's story).", "kind",
		func(fam *family, id string, f *feedCounters) {
			if f.polled {
				for i, kind := range entryKinds {
					fam.add(id, kind, float64(f.entries[i]))
				}
			}
		}},
	{"feed_entries_dropped_total", "Entries of a feed not stored or removed, by reason: duplicate (repeated in one document), tombstoned (purged before, listed again), retention (pruned by keep).", "reason",
		func(fam *family, id string, f *feedCounters) { fam.addCounts(id, f.dropped) }},
}

func (f *family) addCounts(feed string, c labelCounts) {
	for _, lc := range c {
		f.add(feed, lc.label, float64(lc.n))
	}
}

// fetchFamily builds the fetch duration histograms of the feeds in ids.
// A feed's buckets, their counts and the pointers to them are allocated
// once per feed rather than per bucket (the family of 10,000 feeds is the
// largest of a scrape), and the bounds are shared.
func fetchFamily(ids []string, counters map[string]*feedCounters, bounds []float64) *dto.MetricFamily {
	mf := newFamily("feed_fetch_duration_seconds", "Time to fetch a feed (request and body), per feed.", dto.MetricType_HISTOGRAM, "").mf
	for _, id := range ids {
		f := counters[id]
		if f == nil || f.fetches == 0 {
			continue
		}
		buckets := make([]dto.Bucket, len(bounds))
		counts := make([]uint64, len(bounds))
		h := &dto.Histogram{SampleCount: proto.Uint64(f.fetches), SampleSum: proto.Float64(f.fetchSum), Bucket: make([]*dto.Bucket, len(bounds))}
		var n uint64
		for i := range bounds {
			n += f.fetchBuckets[i]
			counts[i] = n
			b := &buckets[i]
			b.UpperBound, b.CumulativeCount = &bounds[i], &counts[i]
			h.Bucket[i] = b
		}
		m := feedMetric(id)
		m.Histogram = h
		mf.Metric = append(mf.Metric, m)
	}
	return mf
}

// feedLabel is the name of every per-feed series' first label, shared.
var feedLabel = proto.String("feed")

// feedMetric returns a sample of feed's series with its feed label and
// no value yet.
func feedMetric(feed string) *dto.Metric {
	return &dto.Metric{Label: []*dto.LabelPair{{Name: feedLabel, Value: proto.String(feed)}}}
}

// counterIDs returns the IDs that have counters, sorted. The caller
// holds m.mu.
func (m *Metrics) counterIDs() []string {
	ids := make([]string, 0, len(m.counters))
	for id := range m.counters {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// counterFamilies calls emit with each per-feed counter family in turn,
// built under m.mu and emitted after it is released.
func (m *Metrics) counterFamilies(emit func(*dto.MetricFamily)) {
	m.mu.RLock()
	ids := m.counterIDs()
	m.mu.RUnlock()
	for _, spec := range counterSpecs {
		fam := newFamily(spec.name, spec.help, dto.MetricType_COUNTER, spec.label)
		m.mu.RLock()
		for _, id := range ids {
			if f := m.counters[id]; f != nil {
				spec.add(fam, id, f)
			}
		}
		m.mu.RUnlock()
		emit(fam.mf)
	}
	m.mu.RLock()
	mf := fetchFamily(ids, m.counters, m.opts.Buckets)
	m.mu.RUnlock()
	emit(mf)
}
