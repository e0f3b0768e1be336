package parse

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// synthetic returns a feed of about 1 MB in format "rss" or "atom": items
// with a title, link, date and a paragraph of escaped HTML.
func synthetic(format string) []byte {
	var b strings.Builder
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	para := strings.Repeat("&lt;p&gt;Synthetic body text with a &lt;a href=\"https://s.example/x\"&gt;link&lt;/a&gt;.&lt;/p&gt; ", 8)
	if format == "atom" {
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>s</title><id>urn:s</id><link href="https://s.example/"/>`)
	} else {
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>s</title><link>https://s.example/</link>`)
	}
	for i := 0; b.Len() < 1<<20; i++ {
		d := t0.Add(time.Duration(i) * time.Hour)
		if format == "atom" {
			fmt.Fprintf(&b, `<entry><id>urn:s:%d</id><title>Item %d</title><link href="https://s.example/%d"/><updated>%s</updated><content type="html">%s</content></entry>`,
				i, i, i, d.Format(time.RFC3339), para)
		} else {
			fmt.Fprintf(&b, `<item><guid>https://s.example/%d</guid><title>Item %d</title><link>https://s.example/%d</link><pubDate>%s</pubDate><description>%s</description></item>`,
				i, i, i, d.Format(time.RFC1123Z), para)
		}
	}
	if format == "atom" {
		b.WriteString("</feed>")
	} else {
		b.WriteString("</channel></rss>")
	}
	return []byte(b.String())
}

// BenchmarkReadLimits puts Parse beside the limits of reading the same
// bytes at all: bare gofeed, an encoding/xml token loop, and the depth
// pre-scan Parse runs first, over the corpus captures and a synthetic
// 1 MB RSS and Atom feed. BENCHMARKS.md quotes it.
func BenchmarkReadLimits(b *testing.B) {
	caps, _ := realCaptures(b)
	sets := map[string][][]byte{"corpus": caps, "rss1MB": {synthetic("rss")}, "atom1MB": {synthetic("atom")}}
	for _, name := range []string{"corpus", "rss1MB", "atom1MB"} {
		docs := sets[name]
		var size int64
		for _, d := range docs {
			size += int64(len(d))
		}
		xmlDocs := slicesFilter(docs, func(d []byte) bool { return !isJSONBody(d) })
		var xmlSize int64
		for _, d := range xmlDocs {
			xmlSize += int64(len(d))
		}
		b.Run(name+"/parse", func(b *testing.B) {
			p := New(Options{})
			b.SetBytes(size)
			for b.Loop() {
				for _, d := range docs {
					p.Parse(d, "https://s.example/feed")
				}
			}
		})
		b.Run(name+"/gofeed", func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				for _, d := range docs {
					gofeed.NewParser().Parse(bytes.NewReader(d))
				}
			}
		})
		b.Run(name+"/xmltokens", func(b *testing.B) {
			b.SetBytes(xmlSize)
			for b.Loop() {
				for _, d := range xmlDocs {
					dec := xml.NewDecoder(bytes.NewReader(d))
					dec.Strict = false
					dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
					for {
						if _, err := dec.Token(); err != nil {
							break
						}
					}
				}
			}
		})
		b.Run(name+"/depthscan", func(b *testing.B) {
			b.SetBytes(xmlSize)
			for b.Loop() {
				for _, d := range xmlDocs {
					checkDepth(d, MaxDepth)
				}
			}
		})
	}
}

func slicesFilter(in [][]byte, keep func([]byte) bool) [][]byte {
	var out [][]byte
	for _, d := range in {
		if keep(d) {
			out = append(out, d)
		}
	}
	return out
}
