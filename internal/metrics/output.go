package metrics

import (
	"net/http"
	"path"
	"strconv"
	"strings"
)

// Output wraps the handler of the published feeds and counts its requests
// by format (the path's extension: atom, rss, json; "other" otherwise) and
// status code, so the share of 304 Not Modified can be graphed.
func (m *Metrics) Output(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		m.requests.WithLabelValues(outputFormat(r.URL.Path), strconv.Itoa(rec.code())).Inc()
	})
}

// outputFormat maps a served path to a bounded format label.
func outputFormat(p string) string {
	switch strings.TrimPrefix(path.Ext(p), ".") {
	case "atom":
		return "atom"
	case "rss":
		return "rss"
	case "json":
		return "json"
	}
	return "other"
}

// statusRecorder remembers the status code written through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) code() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}
