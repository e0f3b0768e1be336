package publish

import (
	"slices"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// FuzzRender feeds arbitrary strings into every field and requires each
// format to stay well-formed, free of forbidden characters, and to carry
// the title back.
func FuzzRender(f *testing.F) {
	f.Add("AT&T <b>x</b>", "<p>]]></p>", "cat", "Ann", "https://e.com/a?b=1&c=2", int64(0))
	f.Add("\x00\x07\ufffe", "\xff\xfe", "", "", "javascript:alert(1)", int64(-62135596800))
	f.Add("  \n\t ", "", "\u2028", "a@b", "//e.com/x", int64(253402300800))
	f.Fuzz(func(t *testing.T, title, content, category, author, link string, unix int64) {
		e := feeds.Entry{
			Key: title + content, FeedID: testSources[1].ID, Title: title, Content: content,
			Summary: content, Link: link, Categories: []string{category},
			Authors:    []feeds.Person{{Name: author, Email: author}},
			Enclosures: []feeds.Enclosure{{URL: link, Type: category}},
			Published:  time.Unix(unix, 0), Updated: time.Unix(unix/2, 0),
		}
		p := New(newFake([]feeds.Entry{e}), testOptions())
		for _, format := range Formats {
			d, err := p.Render(t.Context(), format)
			if err != nil {
				t.Fatalf("Render(%s): %v", format, err)
			}
			if err := checkChars(format, d.Body); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			v, err := readers[format].read(d.Body)
			if err != nil {
				t.Fatalf("%s: re-parse: %v\n%s", format, err, d.Body)
			}
			if len(v.entries) != 1 {
				t.Fatalf("%s: %d entries, want 1", format, len(v.entries))
			}
			got := v.entries[0]
			if want := line(title); got.title != want {
				t.Errorf("%s: title = %q, want %q", format, got.title, want)
			}
			if c := line(category); c != "" && !slices.Equal(got.categories, []string{c}) {
				t.Errorf("%s: categories = %q, want [%q]", format, got.categories, c)
			}
			for _, l := range v.links {
				if l != "" && !absolute(l) {
					t.Errorf("%s: link %q is not absolute", format, l)
				}
			}
		}
	})
}
