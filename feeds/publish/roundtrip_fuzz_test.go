package publish

import (
	"slices"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
)

// FuzzRenderRoundTrip renders entries built from arbitrary strings in
// every format and reads each document back with tidyfeed's own parser
// (gofeed underneath, as a subscriber's reader would): the document must
// parse as a feed and carry every entry once, with the ids publish
// assigned. (FuzzRender checks titles and categories with its own readers.)
func FuzzRenderRoundTrip(f *testing.F) {
	f.Add("AT&T <b>x</b>", "<p>]]></p>", "k1", "https://e.com/a?b=1&c=2", int64(1700000000))
	f.Add("\x00\x07\ufffe", "\xff\xfe", "", "javascript:alert(1)", int64(0))
	f.Add("  \n\t ", "<![CDATA[x]]>", "k\x00", "//e.com/x", int64(253402300800))
	f.Add("é — 日本語", "<svg><script>1</script></svg>", "https://a.example/1", "https://a.example/1", int64(-1))
	p := parse.New(parse.Options{})
	f.Fuzz(func(t *testing.T, title, content, key, link string, unix int64) {
		var es []feeds.Entry
		var want []string
		for i := range 3 {
			k := key + string(rune('a'+i))
			es = append(es, feeds.Entry{
				Key: k, FeedID: testSources[i%2].ID, Title: title, Content: content, Link: link,
				Published: time.Unix(unix, 0).Add(time.Duration(i) * time.Hour),
			})
			want = append(want, entryID(testSources[i%2].ID, k))
		}
		slices.Sort(want)
		pub := New(newFake(es), testOptions())
		for _, format := range Formats {
			d, err := pub.Render(t.Context(), format)
			if err != nil {
				t.Fatalf("Render(%s): %v", format, err)
			}
			_, got, err := p.Parse(d.Body, "http://127.0.0.1:8080/feed")
			if err != nil {
				t.Fatalf("%s does not parse back: %v\n%s", format, err, d.Body)
			}
			var ids []string
			for _, e := range got {
				ids = append(ids, e.GUID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, want) {
				t.Fatalf("%s: ids %q; want %q\n%s", format, ids, want, d.Body)
			}
		}
	})
}
