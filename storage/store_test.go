package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tidyfeed/tidyfeed/feeds"
)

func mustSave(t *testing.T, s *Store, b Batch) SaveResult {
	t.Helper()
	res, err := s.Save(t.Context(), b)
	if err != nil {
		t.Fatalf("Save(%s): %v", b.State.FeedID, err)
	}
	return res
}

func mustEntry(t *testing.T, s *Store, feed, key string) feeds.Entry {
	t.Helper()
	e, ok, err := s.Entry(t.Context(), feed, key)
	if err != nil || !ok {
		t.Fatalf("Entry(%s, %s) = ok %v, err %v; want it stored", feed, key, ok, err)
	}
	return e
}

func TestSaveUpsert(t *testing.T) {
	const feed = "https://a.example/feed"
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	t1 := t0.Add(3 * time.Hour)
	withUpdated := entry(feed, "k", "h1", time.Time{})
	withUpdated.Updated = t0
	changed := entry(feed, "k", "h2", time.Time{})
	changed.Content = "<p>new body</p>"
	sameHashNewBody := entry(feed, "k", "h1", time.Time{})
	sameHashNewBody.Content = "<p>ignored</p>"
	noHash := entry(feed, "k", "", t0)
	episode := entry(feed, "k", "old-definition", t0)
	episode.Content = "<p>show notes</p>"
	episode.Enclosures = []feeds.Enclosure{{URL: "https://cdn.example/ep1.mp3", Type: "audio/mpeg", Length: 100}}
	rehashed := episode
	rehashed.Hash = "new-definition"
	rehashed.Enclosures = []feeds.Enclosure{{URL: "https://cdn.example/ep1.mp3?utm_source=feed", Type: "audio/mpeg", Length: 100}}
	newAudio := episode
	newAudio.Hash = "new-audio"
	newAudio.Enclosures = []feeds.Enclosure{{URL: "https://cdn.example/ep1-fixed.mp3", Type: "audio/mpeg", Length: 120}}
	noHashEdited := entry(feed, "k", "", t0)
	noHashEdited.Content, noHashEdited.Raw.Content = "<p>edited</p>", "<p>edited</p>"

	tests := []struct {
		name   string
		first  []feeds.Entry // saved at now1; nil = nothing
		second feeds.Entry   // saved at now2
		want   SaveResult
		check  func(t *testing.T, got feeds.Entry, now1, now2 time.Time)
	}{
		{
			name:   "new entry without dates falls back to Seen",
			second: entry(feed, "k", "h1", time.Time{}),
			want:   SaveResult{New: 1, NewKeys: []string{"k"}},
			check: func(t *testing.T, got feeds.Entry, _, now2 time.Time) {
				if !got.Seen.Equal(now2) || !got.Published.Equal(now2) || !got.Updated.Equal(now2) {
					t.Errorf("Seen, Published, Updated = %v, %v, %v; want all %v", got.Seen, got.Published, got.Updated, now2)
				}
			},
		},
		{
			name:   "new entry with only Updated publishes at Updated",
			second: withUpdated,
			want:   SaveResult{New: 1, NewKeys: []string{"k"}},
			check: func(t *testing.T, got feeds.Entry, _, now2 time.Time) {
				if !got.Published.Equal(t0) || !got.Updated.Equal(t0) || !got.Seen.Equal(now2) {
					t.Errorf("Published, Updated, Seen = %v, %v, %v; want %v, %v, %v", got.Published, got.Updated, got.Seen, t0, t0, now2)
				}
			},
		},
		{
			name:   "changed hash updates content and keeps Seen and Published",
			first:  []feeds.Entry{entry(feed, "k", "h1", t0)},
			second: changed,
			want:   SaveResult{Updated: 1, UpdatedKeys: []string{"k"}},
			check: func(t *testing.T, got feeds.Entry, now1, _ time.Time) {
				if got.Content != "<p>new body</p>" || got.Hash != "h2" {
					t.Errorf("Content, Hash = %q, %q; want the new ones", got.Content, got.Hash)
				}
				if !got.Seen.Equal(now1) || !got.Published.Equal(t0) {
					t.Errorf("Seen, Published = %v, %v; want %v, %v", got.Seen, got.Published, now1, t0)
				}
			},
		},
		{
			name:   "changed hash with a new Published moves the entry",
			first:  []feeds.Entry{entry(feed, "k", "h1", t0)},
			second: entry(feed, "k", "h2", t1),
			want:   SaveResult{Updated: 1, UpdatedKeys: []string{"k"}},
			check: func(t *testing.T, got feeds.Entry, now1, _ time.Time) {
				if !got.Published.Equal(t1) || !got.Seen.Equal(now1) {
					t.Errorf("Published, Seen = %v, %v; want %v, %v", got.Published, got.Seen, t1, now1)
				}
			},
		},
		{
			name:   "same hash is unchanged and not rewritten",
			first:  []feeds.Entry{entry(feed, "k", "h1", t0)},
			second: sameHashNewBody,
			want:   SaveResult{Unchanged: 1},
			check: func(t *testing.T, got feeds.Entry, _, _ time.Time) {
				if got.Content == "<p>ignored</p>" {
					t.Errorf("Content = %q; an unchanged entry must not be rewritten", got.Content)
				}
			},
		},
		{
			name:   "empty hash: identical content is unchanged",
			first:  []feeds.Entry{noHash},
			second: noHash,
			want:   SaveResult{Unchanged: 1},
		},
		{
			name:   "empty hash: edited content is an update",
			first:  []feeds.Entry{noHash},
			second: noHashEdited,
			want:   SaveResult{Updated: 1, UpdatedKeys: []string{"k"}},
			check: func(t *testing.T, got feeds.Entry, _, _ time.Time) {
				if got.Content != "<p>edited</p>" {
					t.Errorf("Content = %q, want %q", got.Content, "<p>edited</p>")
				}
			},
		},
		{
			name:   "a hash that differs only by its definition is stored, not counted as an update",
			first:  []feeds.Entry{episode},
			second: rehashed,
			want:   SaveResult{Unchanged: 1},
			check: func(t *testing.T, got feeds.Entry, now1, _ time.Time) {
				if got.Hash != "new-definition" {
					t.Errorf("Hash = %q; want the new definition's hash stored", got.Hash)
				}
				if !got.Updated.Equal(t0) || !got.Seen.Equal(now1) || got.Enclosures[0].URL != "https://cdn.example/ep1.mp3" {
					t.Errorf("Updated, Seen, enclosure = %v, %v, %q; want the stored record untouched", got.Updated, got.Seen, got.Enclosures[0].URL)
				}
			},
		},
		{
			name:   "a new enclosure URL under the same text is an update",
			first:  []feeds.Entry{episode},
			second: newAudio,
			want:   SaveResult{Updated: 1, UpdatedKeys: []string{"k"}},
			check: func(t *testing.T, got feeds.Entry, _, now2 time.Time) {
				if len(got.Enclosures) != 1 || got.Enclosures[0].URL != "https://cdn.example/ep1-fixed.mp3" || got.Enclosures[0].Length != 120 {
					t.Errorf("Enclosures = %+v; want the new audio file", got.Enclosures)
				}
				if !got.Updated.Equal(now2) {
					t.Errorf("Updated = %v; want the poll's time %v", got.Updated, now2)
				}
			},
		},
		{
			name:   "future Published is kept but does not break ordering",
			second: entry(feed, "k", "h1", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)),
			want:   SaveResult{New: 1, NewKeys: []string{"k"}},
			check: func(t *testing.T, got feeds.Entry, _, _ time.Time) {
				if got.Published.Year() != 2030 {
					t.Errorf("Published = %v, want the publisher's 2030 date", got.Published)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			s := openTest(t, "", Options{Now: clk.Now})
			now1 := clk.Now()
			if tt.first != nil {
				mustSave(t, s, Batch{State: feeds.FeedState{FeedID: feed}, Entries: tt.first})
			}
			now2 := clk.Advance(time.Hour)
			second := tt.second
			second.FeedID = "" // "" means the batch's feed
			got := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: feed}, Entries: []feeds.Entry{second}})
			if got.New != tt.want.New || got.Updated != tt.want.Updated || got.Unchanged != tt.want.Unchanged ||
				!slices.Equal(got.NewKeys, tt.want.NewKeys) || !slices.Equal(got.UpdatedKeys, tt.want.UpdatedKeys) {
				t.Errorf("Save = %+v, want %+v", got, tt.want)
			}
			stored := mustEntry(t, s, feed, "k")
			if stored.FeedID != feed {
				t.Errorf("FeedID = %q, want %q", stored.FeedID, feed)
			}
			if tt.check != nil {
				tt.check(t, stored, now1, now2)
			}
			st, _, err := s.State(t.Context(), feed)
			if err != nil || st.Entries != 1 {
				t.Errorf("State.Entries = %d (err %v), want 1", st.Entries, err)
			}
		})
	}
}

func TestSaveRejectsBadBatches(t *testing.T) {
	s := openTest(t, "", Options{})
	tests := []struct {
		name string
		b    Batch
	}{
		{"no feed id", Batch{}},
		{"entry without key", Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{{Title: "x"}}}},
		{"entry of another feed", Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{entry("g", "k", "h", time.Time{})}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Save(t.Context(), tt.b); err == nil {
				t.Errorf("Save(%+v) = nil error, want one", tt.b)
			}
		})
	}
	if st, err := s.States(t.Context()); err != nil || len(st) != 0 {
		t.Errorf("States after rejected saves = %v, %v; want none", st, err)
	}
}

func TestRecent(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	base := clk.Now().Add(-100 * time.Hour)
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "a"}, Entries: []feeds.Entry{
		entry("a", "a1", "1", at(1)), entry("a", "a5", "1", at(5)), entry("a", "a3", "1", at(3)),
	}})
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "b"}, Entries: []feeds.Entry{
		entry("b", "b2", "1", at(2)), entry("b", "b6", "1", at(6)),
		entry("b", "future", "1", clk.Now().Add(1000*time.Hour)), // sorts at Seen
	}})
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "c"}, Entries: []feeds.Entry{
		entry("c", "c4", "1", at(4)),
	}})
	clk.Advance(time.Hour)
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "c"}, Entries: []feeds.Entry{
		entry("c", "c-undated", "1", time.Time{}), // newest: published when seen
	}})

	tests := []struct {
		name  string
		feeds []string
		limit int
		want  []string
	}{
		{"all", nil, 0, []string{"c/c-undated", "b/future", "b/b6", "a/a5", "c/c4", "a/a3", "b/b2", "a/a1"}},
		{"all limited", nil, 3, []string{"c/c-undated", "b/future", "b/b6"}},
		{"one feed", []string{"a"}, 0, []string{"a/a5", "a/a3", "a/a1"}},
		{"two feeds limited", []string{"a", "b"}, 4, []string{"b/future", "b/b6", "a/a5", "a/a3"}},
		{"duplicate and unknown feeds", []string{"a", "zzz", "a"}, 2, []string{"a/a5", "a/a3"}},
		{"empty filter means none", []string{}, 0, nil},
		{"many feeds take the backwards walk", manyFeeds("a", "b"), 4, []string{"b/future", "b/b6", "a/a5", "a/a3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Recent(t.Context(), tt.feeds, tt.limit)
			if err != nil {
				t.Fatalf("Recent: %v", err)
			}
			if g := keysOf(got); !slices.Equal(g, tt.want) {
				t.Errorf("Recent(%q, %d) = %q\nwant %q", tt.feeds, tt.limit, g, tt.want)
			}
			// The index path must agree with whichever path Recent took.
			if tt.feeds != nil && len(tt.feeds) > 0 {
				var viaIndex []feeds.Entry
				err := s.db.View(func(tx *bolt.Tx) error { return recentIndexed(tx, tt.feeds, nil, tt.limit, &viaIndex) })
				if g := keysOf(viaIndex); err != nil || !slices.Equal(g, tt.want) {
					t.Errorf("recentIndexed = %q, %v\nwant %q", g, err, tt.want)
				}
			}
			for _, e := range got {
				if e.Raw.Title != "raw "+e.Key {
					t.Errorf("entry %s: Raw.Title = %q, want it stored with the entry", e.Key, e.Raw.Title)
				}
			}
		})
	}
}

// manyFeeds returns ids plus enough unknown feeds to exceed fewFeeds.
func manyFeeds(ids ...string) []string {
	for i := 0; len(ids) <= fewFeeds; i++ {
		ids = append(ids, "unknown"+strconv.Itoa(i))
	}
	return ids
}

// TestRecentWalkBudget checks that the backwards walk gives up, rather than
// returning a short result, when the wanted feed is rare.
func TestRecentWalkBudget(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	base := clk.Now().Add(-time.Hour)
	var es []feeds.Entry
	for i := range 10 {
		es = append(es, entry("busy", strconv.Itoa(i), "h", base.Add(time.Duration(i)*time.Minute)))
	}
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "rare"}, Entries: []feeds.Entry{entry("rare", "old", "h", base.Add(-time.Hour))}})
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "busy"}, Entries: es})
	want := map[[8]byte]bool{feedPrefix("rare"): true}
	err := s.db.View(func(tx *bolt.Tx) error {
		var out []feeds.Entry
		done, err := recentWalk(tx, want, 1, 5, &out)
		if err != nil || done {
			t.Errorf("recentWalk with budget 5 = done %v, err %v; want it to give up", done, err)
		}
		out = out[:0]
		done, err = recentWalk(tx, want, 1, 100, &out)
		if err != nil || !done || len(out) != 1 || out[0].Key != "old" {
			t.Errorf("recentWalk with budget 100 = %q, done %v, err %v; want [rare/old]", keysOf(out), done, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Recent(t.Context(), []string{"rare"}, 1)
	if err != nil || len(got) != 1 || got[0].Key != "old" {
		t.Errorf("Recent(rare, 1) = %q, %v", keysOf(got), err)
	}
}

func TestMetaRoundTrip(t *testing.T) {
	s := openTest(t, "", Options{})
	ctx := t.Context()
	blob := []byte(`{"profile":1}`)
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Meta: map[string][]byte{"clean": blob, "other": []byte("x")}})
	got, err := s.Meta(ctx, "f", "clean")
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("Meta(f, clean) = %q, %v; want %q", got, err, blob)
	}
	got[0] = 'X' // the copy is ours
	if again, _ := s.Meta(ctx, "f", "clean"); !bytes.Equal(again, blob) {
		t.Errorf("Meta after modifying the returned slice = %q, want %q", again, blob)
	}
	for _, q := range [][2]string{{"f", "missing"}, {"g", "clean"}, {"f\x00clean", ""}} {
		if got, err := s.Meta(ctx, q[0], q[1]); got != nil || err != nil {
			t.Errorf("Meta(%q, %q) = %q, %v; want nil, nil", q[0], q[1], got, err)
		}
	}
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Meta: map[string][]byte{"clean": nil}})
	if got, err := s.Meta(ctx, "f", "clean"); got != nil || err != nil {
		t.Errorf("Meta after deleting = %q, %v; want nil, nil", got, err)
	}
	if got, _ := s.Meta(ctx, "f", "other"); string(got) != "x" {
		t.Errorf("Meta(f, other) = %q, want %q (untouched)", got, "x")
	}
}

func TestStateRoundTrip(t *testing.T) {
	s := openTest(t, "", Options{})
	ts := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	want := feeds.FeedState{
		FeedID: "https://a.example/feed", Title: "A", Link: "https://a.example/", Description: "d",
		ETag: `"v1"`, LastModified: "Wed, 25 Nov 2026 10:00:00 GMT", BodyHash: "bh",
		LastAttempt: ts, LastSuccess: ts, LastStatus: 200, LastError: "boom", ErrorSince: ts,
		ConsecutiveErrors: 2, NextCheck: ts.Add(time.Hour), NextReason: "backoff",
		MovedTo: "https://b.example/feed", MovedSince: ts,
		Entries: 99, // ignored: storage keeps the count
	}
	mustSave(t, s, Batch{State: want, Entries: []feeds.Entry{entry(want.FeedID, "k", "h", ts)}})
	want.Entries = 1
	got, ok, err := s.State(t.Context(), want.FeedID)
	if err != nil || !ok {
		t.Fatalf("State = ok %v, err %v", ok, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("State =\n%+v\nwant\n%+v", got, want)
	}
	if _, ok, err := s.State(t.Context(), "nope"); ok || err != nil {
		t.Errorf("State(nope) = ok %v, err %v; want false, nil", ok, err)
	}
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "https://0.example/"}})
	all, err := s.States(t.Context())
	if err != nil || len(all) != 2 || all[0].FeedID != "https://0.example/" || !reflect.DeepEqual(all[1], want) {
		t.Errorf("States = %+v, %v; want the two states ordered by id", all, err)
	}
}

func TestReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ro.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{entry("f", "k", "h", time.Time{})}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ro1 := openTest(t, path, Options{ReadOnly: true})
	ro2 := openTest(t, path, Options{ReadOnly: true}) // readers share the lock
	for _, r := range []*Store{ro1, ro2} {
		if got := mustEntry(t, r, "f", "k"); got.Title != "title k" {
			t.Errorf("read-only Entry.Title = %q, want %q", got.Title, "title k")
		}
	}
	if _, err := ro1.Save(t.Context(), Batch{State: feeds.FeedState{FeedID: "f"}}); !errors.Is(err, bolt.ErrDatabaseReadOnly) {
		t.Errorf("Save on read-only store: err = %v, want ErrDatabaseReadOnly", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.db"), Options{ReadOnly: true}); err == nil {
		t.Error("read-only Open of a missing file succeeded, want an error")
	}
}

func TestLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	openTest(t, path, Options{})
	start := time.Now()
	// bbolt retries the lock every 50ms and gives up once less than that
	// remains of the timeout, so 200ms means at least 150ms of waiting.
	s, err := Open(path, Options{Timeout: 200 * time.Millisecond})
	if err == nil {
		s.Close()
		t.Fatal("second Open succeeded, want ErrLocked")
	}
	if !errors.Is(err, ErrLocked) || !errors.Is(err, bolt.ErrTimeout) {
		t.Errorf("second Open: err = %v, want ErrLocked wrapping bolt.ErrTimeout", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("second Open failed after %v, want it to wait for the lock first", d)
	}
}

func TestSchema(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		setup func(tx *bolt.Tx) error
	}{
		{"newer schema", func(tx *bolt.Tx) error {
			b, err := tx.CreateBucket(bucketMeta)
			if err != nil {
				return err
			}
			return b.Put(metaSchema, putUint64(schemaVersion+1))
		}},
		{"foreign file", func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("someone-else"))
			return err
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strconv.Itoa(i)+".db")
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(tt.setup); err != nil {
				t.Fatal(err)
			}
			db.Close()
			for _, ro := range []bool{false, true} {
				s, err := Open(path, Options{ReadOnly: ro})
				if err == nil {
					s.Close()
				}
				if !errors.Is(err, ErrSchema) {
					t.Errorf("Open(ReadOnly %v) err = %v, want ErrSchema", ro, err)
				}
			}
		})
	}
}

func TestVersionAndChanged(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	if s.Version() != 0 || !s.Changed().IsZero() {
		t.Fatalf("fresh store: Version %d, Changed %v; want 0 and zero", s.Version(), s.Changed())
	}
	state := feeds.FeedState{FeedID: "f", ETag: `"1"`}
	e := entry("f", "k", "h1", time.Time{})
	steps := []struct {
		name        string
		b           Batch
		bump        bool // Version increases
		changedNow  bool // Changed moves to the clock
		advanceTime time.Duration
	}{
		{"new entry", Batch{State: state, Entries: []feeds.Entry{e}}, true, true, time.Minute},
		{"identical re-poll", Batch{State: state, Entries: []feeds.Entry{e}}, false, false, time.Minute},
		{"nil entries, same state", Batch{State: state}, false, false, time.Minute},
		{"meta only", Batch{State: state, Meta: map[string][]byte{"m": []byte("1")}}, false, false, time.Minute},
		{"state changed", Batch{State: feeds.FeedState{FeedID: "f", ETag: `"2"`}}, false, false, time.Minute},
		{"entry changed", Batch{State: feeds.FeedState{FeedID: "f", ETag: `"2"`}, Entries: []feeds.Entry{entry("f", "k", "h2", time.Time{})}}, true, true, time.Minute},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			now := clk.Advance(st.advanceTime)
			v0, c0 := s.Version(), s.Changed()
			mustSave(t, s, st.b)
			if got := s.Version() > v0; got != st.bump {
				t.Errorf("Version %d → %d; bumped = %v, want %v", v0, s.Version(), got, st.bump)
			}
			wantChanged := c0
			if st.changedNow {
				wantChanged = now
			}
			if !s.Changed().Equal(wantChanged) {
				t.Errorf("Changed = %v, want %v", s.Changed(), wantChanged)
			}
		})
	}
}

func TestReopenPersists(t *testing.T) {
	clk := newClock()
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f", ETag: "x"}, Entries: []feeds.Entry{entry("f", "k", "h", time.Time{})},
		Meta: map[string][]byte{"m": []byte("blob")}})
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "g"}})
	v, c := s.Version(), s.Changed()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, path, Options{Now: clk.Now})
	if s.Version() != v || !s.Changed().Equal(c) {
		t.Errorf("after reopen Version, Changed = %d, %v; want %d, %v", s.Version(), s.Changed(), v, c)
	}
	if got := mustEntry(t, s, "f", "k"); got.Content != entry("f", "k", "h", time.Time{}).Content {
		t.Errorf("Content after reopen = %q", got.Content)
	}
	if m, _ := s.Meta(t.Context(), "f", "m"); string(m) != "blob" {
		t.Errorf("Meta after reopen = %q, want blob", m)
	}
	if st, ok, _ := s.State(t.Context(), "f"); !ok || st.ETag != "x" || st.Entries != 1 {
		t.Errorf("State after reopen = %+v, %v", st, ok)
	}
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f", ETag: "y"}, Entries: []feeds.Entry{entry("f", "k2", "h", time.Time{})}})
	if s.Version() <= v {
		t.Errorf("Version after a change post-reopen = %d, want > %d", s.Version(), v)
	}
}

func TestForEachAndReplace(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	ctx := t.Context()
	base := clk.Now().Add(-1000 * time.Hour)
	var want []string
	for f := range 3 {
		feed := "feed" + strconv.Itoa(f)
		var es []feeds.Entry
		for i := range 200 { // more than one chunk in total
			es = append(es, entry(feed, strconv.Itoa(i), "h", base.Add(time.Duration(i*3+f)*time.Minute)))
		}
		mustSave(t, s, Batch{State: feeds.FeedState{FeedID: feed}, Entries: es})
	}
	for i := range 200 {
		for f := range 3 {
			want = append(want, "feed"+strconv.Itoa(f)+"/"+strconv.Itoa(i))
		}
	}

	var all []feeds.Entry
	if err := s.ForEach(ctx, "", func(e feeds.Entry) error { all = append(all, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(all); !slices.Equal(got, want) {
		t.Errorf("ForEach(all) gave %d entries, first %q; want %d oldest first", len(got), got[:min(3, len(got))], len(want))
	}
	var one []string
	if err := s.ForEach(ctx, "feed1", func(e feeds.Entry) error { one = append(one, e.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(one) != 200 || one[0] != "0" || one[199] != "199" {
		t.Errorf("ForEach(feed1) = %d entries %q..., want 200 oldest first", len(one), one[:min(3, len(one))])
	}
	if err := s.ForEach(ctx, "no-such-feed", func(feeds.Entry) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("ForEach(no-such-feed) err = %v, want ErrNotFound", err)
	}
	stop := errors.New("stop")
	n := 0
	err := s.ForEach(ctx, "", func(feeds.Entry) error { n++; return stopIf(n == 5, stop) })
	if !errors.Is(err, stop) || n != 5 {
		t.Errorf("ForEach with a failing fn: err %v after %d calls, want stop after 5", err, n)
	}
	// fn may write: ForEach holds no transaction while calling it.
	err = s.ForEach(ctx, "feed2", func(e feeds.Entry) error {
		e.Content = "<p>recleaned " + e.Key + "</p>"
		e.Hash = "h-new"
		return s.Replace(ctx, []feeds.Entry{e})
	})
	if err != nil {
		t.Fatalf("ForEach+Replace: %v", err)
	}
	got := mustEntry(t, s, "feed2", "7")
	orig := entry("feed2", "7", "h", time.Time{})
	if got.Content != "<p>recleaned 7</p>" || got.Hash != "h-new" || got.Raw != orig.Raw || !got.Seen.Equal(clk.Now()) {
		t.Errorf("after Replace: %+v", got)
	}
	// The next poll that cleans the same way is unchanged.
	again := got
	again.Seen = time.Time{}
	res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "feed2"}, Entries: []feeds.Entry{again}})
	if res.Unchanged != 1 {
		t.Errorf("re-poll after Replace = %+v, want Unchanged", res)
	}
	v := s.Version()
	if err := s.Replace(ctx, []feeds.Entry{got, entry("feed2", "missing", "", time.Time{})}); err != nil {
		t.Fatal(err)
	}
	if s.Version() != v {
		t.Errorf("Replace with nothing new bumped Version %d → %d", v, s.Version())
	}
}

// TestReplaceSignsAgain: after Replace rewrites an entry's text and link,
// another feed's copy of the old text and link is no longer merged into
// it, and a copy of the new ones is.
func TestReplaceSignsAgain(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	pub := clk.Now().Add(-time.Hour)
	words := func(prefix string) string {
		var b strings.Builder
		for i := range 40 {
			fmt.Fprintf(&b, "%s%d ", prefix, i)
		}
		return "<p>" + b.String() + "</p>"
	}
	oldBody, newBody := words("alpha"), words("omega")
	a := story("a", "g:a1", "A title", "https://a.example/old", oldBody, pub)
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "a"}, Entries: []feeds.Entry{a}})
	a.Content, a.Link, a.Hash = newBody, "https://a.example/new", "recleaned"
	if err := s.Replace(t.Context(), []feeds.Entry{a}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	stale := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "b"}, Entries: []feeds.Entry{
		story("b", "g:b1", "B title", "https://a.example/old", oldBody, pub),
	}})
	current := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "c"}, Entries: []feeds.Entry{
		story("c", "g:c1", "C title", "https://a.example/new", newBody, pub),
	}})
	if stale.Merged != 0 || current.Merged != 1 {
		t.Errorf("after Replace: a copy of the old text and link merged %d (want 0), of the new ones %d (want 1)",
			stale.Merged, current.Merged)
	}
	if err := checkStore(s); err != nil {
		t.Error(err)
	}
}

func stopIf(cond bool, err error) error {
	if cond {
		return err
	}
	return nil
}

func TestConcurrentSaves(t *testing.T) {
	s := openTest(t, "", Options{})
	var wg sync.WaitGroup
	const writers, polls = 8, 5
	errs := make(chan error, writers*polls)
	for w := range writers {
		wg.Go(func() {
			feed := "feed" + strconv.Itoa(w)
			for p := range polls {
				es := []feeds.Entry{entry(feed, "p"+strconv.Itoa(p), "h", time.Time{}), entry(feed, "fixed", "h", time.Time{})}
				if _, err := s.Save(context.Background(), Batch{State: feeds.FeedState{FeedID: feed}, Entries: es}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st, err := s.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Feeds != writers || st.Entries != writers*(polls+1) {
		t.Errorf("Stats = %+v, want %d feeds and %d entries", st, writers, writers*(polls+1))
	}
	if fi, _ := os.Stat(s.path); st.FileSize != fi.Size() || st.FileSize == 0 {
		t.Errorf("Stats.FileSize = %d, want %d", st.FileSize, fi.Size())
	}
}

func TestSaveCanceled(t *testing.T) {
	s := openTest(t, "", Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Save(ctx, Batch{State: feeds.FeedState{FeedID: "f"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Save with a canceled context: err = %v, want context.Canceled", err)
	}
}

// TestRecleanedIsNotAnEdit: an entry whose cleaned text changed while its
// source (Raw, enclosure URLs) did not is stored with the new text, keeps
// its dates, is not counted as updated, and still moves Version so the
// outputs show the new text.
func TestRecleanedIsNotAnEdit(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	e := entry("f", "k", "h1", clk.Now().Add(-time.Hour))
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{e}})
	stored := mustEntry(t, s, "f", "k")
	v := s.Version()
	clk.Advance(time.Hour)
	e.Content, e.Hash = "<p>the same source, cleaned better</p>", "h2"
	res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{e}})
	if res.Updated != 0 || res.Unchanged != 1 || res.Recleaned != 1 {
		t.Errorf("Save = %+v; want it unchanged and recleaned, not updated", res)
	}
	got := mustEntry(t, s, "f", "k")
	if got.Content != e.Content || !got.Updated.Equal(stored.Updated) || !got.Published.Equal(stored.Published) || !got.Seen.Equal(stored.Seen) {
		t.Errorf("stored content %q, dates %v %v %v; want the new content and the dates %v %v %v",
			got.Content, got.Published, got.Updated, got.Seen, stored.Published, stored.Updated, stored.Seen)
	}
	if s.Version() == v {
		t.Error("Version did not move: the outputs would keep the old text")
	}
}
