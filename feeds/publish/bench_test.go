package publish

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkRender measures a full render (store read, mapping, encoding,
// hashing) of 201 entries, defeating the cache by bumping the version.
func BenchmarkRender(b *testing.B) {
	for _, f := range Formats {
		b.Run(string(f), func(b *testing.B) {
			fake := newFake(richEntries(67))
			p := New(fake, testOptions())
			d, err := p.Render(b.Context(), f)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(d.Body)))
			b.ReportAllocs()
			for b.Loop() {
				fake.add() // new version: the cache is stale
				if _, err := p.Render(b.Context(), f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkServeCached measures a GET answered from the cache, the common
// case between store updates.
func BenchmarkServeCached(b *testing.B) {
	p := New(newFake(richEntries(67)), testOptions())
	for _, enc := range []string{"identity", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/feed.atom", nil)
			req.Header.Set("Accept-Encoding", enc)
			b.ReportAllocs()
			for b.Loop() {
				w := &discardWriter{h: http.Header{}}
				p.ServeHTTP(w, req)
				if w.code != http.StatusOK || w.n == 0 {
					b.Fatalf("status %d, %d bytes", w.code, w.n)
				}
			}
		})
	}
}

// discardWriter is a ResponseWriter that counts and drops the body, so the
// benchmark measures the handler rather than a recorder's buffer.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}
