package dedupe

import (
	"strings"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

func entry(guid, link, title, content string, updated time.Time) feeds.Entry {
	return feeds.Entry{GUID: guid, Link: link, Title: title, Content: content, Updated: updated}
}

func TestIdentifyKeys(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name    string
		in      []feeds.Entry
		want    []string // keys, in order
		wantLen int
	}{
		{
			name: "guids that behave are used",
			in: []feeds.Entry{
				entry("a", "https://x.example/1", "One", "<p>1</p>", t0),
				entry("b", "https://x.example/2", "Two", "<p>2</p>", t0),
			},
			want: []string{"g:a", "g:b"},
		},
		{
			name: "a guid shared by different links falls back to links for the feed",
			in: []feeds.Entry{
				entry("same", "https://x.example/1", "One", "", t0),
				entry("same", "https://x.example/2", "Two", "", t0),
			},
			want: []string{"l:" + "https://x.example/1", "l:" + "https://x.example/2"},
		},
		{
			name: "mostly blank guids fall back to links",
			in: []feeds.Entry{
				entry("", "https://x.example/1", "One", "", t0),
				entry("", "https://x.example/2", "Two", "", t0),
				entry("c", "https://x.example/3", "Three", "", t0),
			},
			want: []string{"l:https://x.example/1", "l:https://x.example/2", "l:https://x.example/3"},
		},
		{
			name: "no guid and no link: content fingerprint",
			in:   []feeds.Entry{entry("", "", "Only text", "<p>body</p>", t0)},
			want: []string{"c:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Identify(tt.in)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d entries, want %d", len(got), len(tt.want))
			}
			for i, e := range got {
				if !strings.HasPrefix(e.Key, tt.want[i]) || (tt.want[i] != "c:" && e.Key != tt.want[i]) {
					t.Errorf("entry %d key = %q, want %q", i, e.Key, tt.want[i])
				}
				if e.Hash == "" {
					t.Errorf("entry %d has no hash", i)
				}
			}
		})
	}
}

func TestIdentifyFoldsRepeats(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	in := []feeds.Entry{
		entry("a", "https://x.example/1", "Old title", "<p>old</p>", t0),
		entry("b", "https://x.example/2", "Two", "<p>2</p>", t0),
		entry("a", "https://x.example/1", "New title", "<p>new</p>", t0.Add(time.Hour)),
		entry("b", "https://x.example/2", "Two", "<p>2</p>", t0),
	}
	got := Identify(in)
	if len(got) != 2 {
		t.Fatalf("got %d entries, want 2", len(got))
	}
	if got[0].Key != "g:a" || got[0].Title != "New title" {
		t.Errorf("first = %q %q, want the newer version of g:a", got[0].Key, got[0].Title)
	}
	if got[1].Key != "g:b" {
		t.Errorf("second key = %q, want g:b", got[1].Key)
	}
}

func TestHashIgnoresWhitespace(t *testing.T) {
	a := entry("", "https://x.example/1", "Title", "<p>Some  text\n here</p>", time.Time{})
	b := entry("", "https://x.example/1", " Title ", "<p>Some text here</p>", time.Time{})
	c := entry("", "https://x.example/1", "Title", "<p>Other text here</p>", time.Time{})
	if Hash(&a) != Hash(&b) {
		t.Error("hash differs for whitespace-only change")
	}
	if Hash(&a) == Hash(&c) {
		t.Error("hash equal for a changed body")
	}
}

func TestMayCountComments(t *testing.T) {
	for _, s := range []string{"12 comments", "1 Comment", "(3 replies)", "Comments (4)", "5 RESPONSES", "2 reply"} {
		if !commentCounter.MatchString(s) || !mayCountComments(s) {
			t.Errorf("%q: regexp %v, precheck %v; want both true", s, commentCounter.MatchString(s), mayCountComments(s))
		}
	}
	for _, s := range []string{"<p>A story about ferries.</p>", "<p>He replied that the commentary was irresponsible.</p>"} {
		if mayCountComments(s) {
			t.Errorf("precheck matched %q, which has no counter", s)
		}
	}
	long := strings.Repeat("<p>Filler prose about ferries and piers.</p>", 50) + "<p>7 comments</p>"
	if !mayCountComments(long) {
		t.Error("precheck missed a counter at the end of a long body")
	}
}

// TestRouteLinksStayApart: items without GUIDs whose links are client-side
// routes of one page ("#!/post/1", "#!/post/2") are different entries.
func TestRouteLinksStayApart(t *testing.T) {
	out := Identify([]feeds.Entry{
		{Title: "First post", Link: "https://app.example.com/#!/post/1", Content: "<p>one</p>"},
		{Title: "Second post", Link: "https://app.example.com/#!/post/2", Content: "<p>two</p>"},
	})
	if len(out) != 2 || out[0].Key == out[1].Key {
		t.Errorf("Identify kept %d entries of 2 distinct ones: %+v", len(out), out)
	}
}
