package storage

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// savePoll saves one poll of feed listing n entries published an hour apart,
// the newest at newest, and returns what Save did.
func savePoll(t *testing.T, s *Store, feed string, n int, newest time.Time) SaveResult {
	t.Helper()
	var es []feeds.Entry
	for i := range n {
		key := fmt.Sprintf("%s-%03d", feed, i)
		es = append(es, entry(feed, key, "h"+key, newest.Add(-time.Duration(i)*time.Hour)))
	}
	res, err := s.Save(t.Context(), Batch{State: feeds.FeedState{FeedID: feed, LastAttempt: newest}, Entries: es})
	if err != nil {
		t.Fatalf("save %s: %v", feed, err)
	}
	return res
}

func storedKeys(t *testing.T, s *Store, feed string) []string {
	t.Helper()
	var keys []string
	err := s.ForEach(t.Context(), feed, func(e feeds.Entry) error {
		keys = append(keys, e.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("ForEach %s: %v", feed, err)
	}
	slices.Sort(keys)
	return keys
}

func TestPrune(t *testing.T) {
	tests := []struct {
		name    string
		keep    map[string]Keep
		entries int // per feed, an hour apart, the newest now
		want    map[string]int
	}{
		{"max_items", map[string]Keep{"a": {MaxItems: 10}}, 40, map[string]int{"a": 10, "b": 40}},
		{"max_age", map[string]Keep{"a": {MaxAge: 5*time.Hour + time.Minute}, "b": {MaxAge: 24 * time.Hour}}, 40, map[string]int{"a": 6, "b": 25}},
		{"both: the stricter wins", map[string]Keep{"a": {MaxAge: 20 * time.Hour, MaxItems: 3}, "b": {MaxAge: 2*time.Hour + time.Minute, MaxItems: 30}}, 40,
			map[string]int{"a": 3, "b": 3}},
		{"more than one chunk", map[string]Keep{"a": {MaxItems: 7}, "b": {MaxItems: 1}}, 600, map[string]int{"a": 7, "b": 1}},
		{"nothing to do", map[string]Keep{"a": {MaxItems: 100}}, 40, map[string]int{"a": 40, "b": 40}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			s := openTest(t, "", Options{Now: clk.Now})
			for _, f := range []string{"a", "b"} {
				savePoll(t, s, f, tt.entries, clk.Now())
			}
			v0 := s.Version()
			res, err := s.Prune(t.Context(), func(id string) Keep { return tt.keep[id] }, 0)
			if err != nil {
				t.Fatalf("Prune: %v", err)
			}
			for _, f := range []string{"a", "b"} {
				keys := storedKeys(t, s, f)
				if len(keys) != tt.want[f] {
					t.Errorf("feed %s keeps %d entries, want %d", f, len(keys), tt.want[f])
				}
				if res.Deleted[f] != tt.entries-tt.want[f] {
					t.Errorf("Deleted[%s] = %d, want %d", f, res.Deleted[f], tt.entries-tt.want[f])
				}
				// the newest are kept: keys 000, 001, ...
				for i, k := range keys {
					if want := fmt.Sprintf("%s-%03d", f, i); k != want {
						t.Errorf("feed %s kept %s, want the newest (%s)", f, k, want)
						break
					}
				}
				st, _, _ := s.State(t.Context(), f)
				if st.Entries != tt.want[f] {
					t.Errorf("state of %s counts %d entries, want %d", f, st.Entries, tt.want[f])
				}
			}
			if changed := s.Version() != v0; changed != (res.Total() > 0) {
				t.Errorf("Version moved %v after deleting %d entries", changed, res.Total())
			}
		})
	}
}

// TestPrunedNeverReturn re-polls a feed that still lists pruned entries, and
// one that lists them under new GUIDs (same links, same dates): none comes
// back, and their tombstones outlive the tombstone age as long as polls
// keep meeting them.
func TestPrunedNeverReturn(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	first := clk.Now()
	savePoll(t, s, "a", 30, first)
	keep := func(string) Keep { return Keep{MaxItems: 10} }
	if res, err := s.Prune(t.Context(), keep, 0); err != nil || res.Deleted["a"] != 20 {
		t.Fatalf("Prune = %+v, %v; want 20 deleted", res, err)
	}
	for day := range 400 { // more than twice DefaultTombstoneAge
		clk.Advance(24 * time.Hour)
		res := savePoll(t, s, "a", 30, clk.Now().Add(-time.Duration(day+1)*24*time.Hour)) // the same 30 entries
		if res.New != 0 || res.Tombstoned != 20 {
			t.Fatalf("day %d: re-poll new %d, tombstoned %d; want 0 new, 20 tombstoned", day, res.New, res.Tombstoned)
		}
		if day%30 == 0 {
			if _, err := s.Prune(t.Context(), keep, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := len(storedKeys(t, s, "a")); got != 10 {
		t.Errorf("after 400 days of re-polls: %d entries stored, want 10", got)
	}

	// Regenerated GUIDs: same links and dates, new keys.
	var es []feeds.Entry
	for i := 10; i < 30; i++ {
		e := entry("a", fmt.Sprintf("new-guid-%d", i), "x", first.Add(-time.Duration(i)*time.Hour))
		e.Link = fmt.Sprintf("https://example.com/a-%03d", i)
		es = append(es, e)
	}
	res, err := s.Save(t.Context(), Batch{State: feeds.FeedState{FeedID: "a"}, Entries: es})
	if err != nil || res.New != 0 || res.Tombstoned != 20 {
		t.Errorf("re-poll with new GUIDs: %+v, %v; want 0 new, 20 tombstoned by link", res, err)
	}
}

// TestSharedLinkTombstone: entries that all link one page (a podcast's
// show page) are told apart by their publication time, so pruning one
// refuses neither the next episode nor, in a feed that lists only its
// latest episode, any later one; the pruned episode itself stays out, also
// under a regenerated GUID.
func TestSharedLinkTombstone(t *testing.T) {
	const show = "https://pod.example/show"
	episode := func(guid string, n int, pub time.Time) feeds.Entry {
		return story("p", guid, fmt.Sprint("Episode ", n), show, fmt.Sprintf("<p>notes of episode %d</p>", n), pub)
	}
	t.Run("prune one of several", func(t *testing.T) {
		clk := newClock()
		s := openTest(t, "", Options{Now: clk.Now})
		base := clk.Now()
		eps := []feeds.Entry{
			episode("g:1", 1, base.Add(-3*time.Hour)), episode("g:2", 2, base.Add(-2*time.Hour)), episode("g:3", 3, base.Add(-time.Hour)),
		}
		mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "p"}, Entries: eps})
		if res, err := s.Prune(t.Context(), func(string) Keep { return Keep{MaxItems: 2} }, 0); err != nil || res.Deleted["p"] != 1 {
			t.Fatalf("Prune = %+v, %v; want episode 1 deleted", res, err)
		}
		clk.Advance(time.Hour)
		res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "p"}, Entries: []feeds.Entry{
			eps[1], eps[2], episode("g:4", 4, clk.Now()), episode("g:1-rebuilt", 1, eps[0].Published),
		}})
		if res.New != 1 || res.Tombstoned != 1 {
			t.Errorf("next poll: %+v; want episode 4 new and episode 1 (new GUID, same date) refused", res)
		}
		if got := storedKeys(t, s, "p"); !slices.Equal(got, []string{"g:2", "g:3", "g:4"}) {
			t.Errorf("stored %v, want g:2 g:3 g:4", got)
		}
	})
	t.Run("latest episode only", func(t *testing.T) {
		clk := newClock()
		s := openTest(t, "", Options{Now: clk.Now})
		for n := 1; n <= 5; n++ {
			res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "p"}, Entries: []feeds.Entry{
				episode(fmt.Sprint("g:", n), n, clk.Now()),
			}})
			if res.New != 1 {
				t.Errorf("episode %d: %+v; want it stored", n, res)
			}
			if _, err := s.Prune(t.Context(), func(string) Keep { return Keep{MaxItems: 1} }, 0); err != nil {
				t.Fatal(err)
			}
			clk.Advance(24 * time.Hour)
		}
		if got := storedKeys(t, s, "p"); !slices.Equal(got, []string{"g:5"}) {
			t.Errorf("stored %v, want the latest episode g:5", got)
		}
	})
}

func TestExpireTombstones(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	savePoll(t, s, "a", 300, clk.Now())
	if _, err := s.Prune(t.Context(), func(string) Keep { return Keep{MaxItems: 1} }, 0); err != nil {
		t.Fatal(err)
	}
	n, err := s.Tombstones(t.Context())
	if err != nil || n != 2*299 { // key and link of each
		t.Fatalf("Tombstones = %d, %v; want %d", n, err, 2*299)
	}
	// Not met again: they expire after the tombstone age, not before.
	clk.Advance(DefaultTombstoneAge - time.Hour)
	if res, err := s.Prune(t.Context(), nil, 0); err != nil || res.Tombstones != 0 {
		t.Fatalf("Prune before the tombstone age: %+v, %v; want none expired", res, err)
	}
	clk.Advance(2 * time.Hour)
	res, err := s.Prune(t.Context(), nil, 0)
	if err != nil || res.Tombstones != 2*299 {
		t.Fatalf("Prune after the tombstone age: %+v, %v; want %d expired", res, err, 2*299)
	}
	if n, _ := s.Tombstones(t.Context()); n != 0 {
		t.Errorf("tombstones left: %d, want 0", n)
	}
}
