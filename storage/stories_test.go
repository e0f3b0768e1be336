package storage

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// storiesStore holds 1,500 entries of three feeds, more than five of
// Walk's chunks and, for feed c alone, more keys than one chunk looks at:
// feed b repeats 84 of feed a's links (merged stories, b's copy
// preferred), and feed c opted out of merging.
func storiesStore(t *testing.T) *Store {
	t.Helper()
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	pub := clk.Now().Add(-1000 * time.Hour)
	var a, b, c []feeds.Entry
	for i := range 900 {
		a = append(a, story("a", fmt.Sprintf("a%d", i), fmt.Sprintf("A %d", i), fmt.Sprintf("https://a.example/%d", i), "<p>a</p>", pub.Add(time.Duration(i)*time.Hour)))
	}
	for i := range 500 {
		link := fmt.Sprintf("https://b.example/%d", i)
		if i%6 == 0 {
			link = fmt.Sprintf("https://a.example/%d", i) // a's story, seen again
		}
		b = append(b, story("b", fmt.Sprintf("b%d", i), fmt.Sprintf("B %d", i), link, "<p>b</p>", pub.Add(time.Duration(i)*time.Hour+time.Minute)))
	}
	for i := range 100 {
		c = append(c, story("c", fmt.Sprintf("c%d", i), fmt.Sprintf("C %d", i), fmt.Sprintf("https://a.example/%d", i), "<p>c</p>", pub.Add(time.Duration(i)*time.Hour)))
	}
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "a"}, Entries: a})
	clk.Advance(time.Minute)
	if res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "b"}, Priority: 5, Entries: b}); res.Merged != 84 {
		t.Fatalf("feed b: %d merged, want 84", res.Merged)
	}
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "c"}, NoDedupe: true, Entries: c})
	return s
}

// TestWalkIsRecent: Walk yields exactly what Recent without a limit
// returns, across chunks, merged stories included, for every feed
// selection; and Stories, given any copy of each, returns them again.
func TestWalkIsRecent(t *testing.T) {
	s := storiesStore(t)
	for _, ids := range [][]string{nil, {"a", "b", "c"}, {"a", "b"}, {"b"}, {"c"}, {}, {"nobody"}} {
		t.Run(fmt.Sprint(ids), func(t *testing.T) {
			want, err := s.Recent(t.Context(), ids, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []feeds.Entry
			if err := s.Walk(t.Context(), ids, func(e feeds.Entry) error { got = append(got, e); return nil }); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Walk gave %d stories, Recent %d", len(got), len(want))
			}
			if ids == nil && len(got) != 1416 {
				t.Errorf("%d stories of all feeds, want 1416 (1,500 entries, 84 merged)", len(got))
			}

			refs := make([]feeds.Ref, 0, len(got)+2)
			for _, e := range got {
				r := feeds.Ref{FeedID: e.FeedID, Key: e.Key} // the shown copy
				if len(e.Sources) > 0 {
					r = feeds.Ref{FeedID: e.Sources[0].FeedID, Key: e.Sources[0].Key} // another copy of the story
				}
				refs = append(refs, r)
			}
			refs = append(refs, feeds.Ref{FeedID: "a", Key: "never stored"})
			if len(got) > 0 {
				refs = append(refs, feeds.Ref{FeedID: got[0].FeedID, Key: got[0].Key}) // named twice
			}
			again, err := s.Stories(t.Context(), ids, refs)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				again = nil
			}
			if !reflect.DeepEqual(again, got) {
				t.Errorf("Stories gave %d stories, want the walk's %d", len(again), len(got))
			}
		})
	}
}

func TestWalkStopsAtError(t *testing.T) {
	s := storiesStore(t)
	stop := errors.New("enough")
	n := 0
	err := s.Walk(t.Context(), nil, func(feeds.Entry) error {
		if n++; n == 600 {
			return stop
		}
		return nil
	})
	if err != stop || n != 600 {
		t.Errorf("Walk = %v after %d stories, want %v unwrapped after 600", err, n, stop)
	}
}
