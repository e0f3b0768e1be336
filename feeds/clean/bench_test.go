package clean

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// BenchmarkCleanCorpus cleans the real captures' entries; b.SetBytes makes
// MB/s the raw body throughput, and entries/s is reported too.
func BenchmarkCleanCorpus(b *testing.B) {
	entries := corpusEntries(b)
	var size int64
	for _, e := range entries {
		body, _ := rawBody(e.Raw)
		size += int64(len(body))
	}
	c := New(Options{})
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		for i := range entries {
			e := entries[i]
			c.Clean(&e, Feed{})
		}
	}
	b.ReportMetric(float64(len(entries))*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkCleanFixtures cleans the invented outlets' entries.
func BenchmarkCleanFixtures(b *testing.B) {
	var entries []feeds.Entry
	t := &testing.T{}
	for _, f := range loadFixtures(t) {
		for _, tc := range f.Cases {
			entries = append(entries, feeds.Entry{Raw: f.asParsed(tc.Raw)})
		}
	}
	var size int64
	for _, e := range entries {
		body, _ := rawBody(e.Raw)
		size += int64(len(body))
	}
	c := New(Options{})
	b.SetBytes(size)
	for b.Loop() {
		for i := range entries {
			e := entries[i]
			c.Clean(&e, Feed{})
		}
	}
	b.ReportMetric(float64(len(entries))*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkMinifluxGithub times one large real page (target: under 50 ms).
func BenchmarkMinifluxGithub(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(corpusDir(b), "sanitize", "realworld-html", "miniflux_github.html"))
	if err != nil {
		b.Skip(err)
	}
	c := New(Options{})
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		e := feeds.Entry{Raw: feeds.Raw{Title: "GitHub", Link: "https://github.com/miniflux/v2", Content: string(data)}}
		c.Clean(&e, Feed{})
	}
}

// BenchmarkLearnAndCleanCorpus runs what ingest does with a polled batch:
// Profile.Learn over the entries, then Clean on each with the profile.
func BenchmarkLearnAndCleanCorpus(b *testing.B) {
	entries := corpusEntries(b)
	var size int64
	for i := range entries {
		entries[i].GUID = strconv.Itoa(i)
		body, _ := rawBody(entries[i].Raw)
		size += int64(len(body))
	}
	c := New(Options{})
	b.SetBytes(size)
	for b.Loop() {
		p := NewProfile()
		p.Learn(entries)
		for i := range entries {
			e := entries[i]
			c.Clean(&e, Feed{Profile: p})
		}
	}
	b.ReportMetric(float64(len(entries))*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
