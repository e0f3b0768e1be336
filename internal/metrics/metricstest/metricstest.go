// Package metricstest reads a Prometheus text exposition for tests: it
// parses a scrape and looks up series by labels. Tests of internal/metrics
// and of the daemon's /metrics endpoint share it.
package metricstest

import (
	"io"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families is a parsed scrape, keyed by metric name.
type Families = map[string]*dto.MetricFamily

// Parse parses a text exposition, failing t when it does not parse.
func Parse(t testing.TB, r io.Reader) Families {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return mfs
}

// Value returns the value of the series of name whose labels include want
// (a histogram's sample count), and whether there is one.
func Value(mfs Families, name string, want map[string]string) (float64, bool) {
next:
	for _, m := range mfs[name].GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// Feeds lists the distinct values of the "feed" label of name's series.
func Feeds(mfs Families, name string) map[string]bool {
	out := map[string]bool{}
	for _, m := range mfs[name].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "feed" {
				out[lp.GetValue()] = true
			}
		}
	}
	return out
}
