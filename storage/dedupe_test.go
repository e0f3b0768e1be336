package storage

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// nearCase reads a near-duplicate fixture of package dedupe: a title line,
// then the HTML body.
func nearCase(t *testing.T, name string) (title, body string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "feeds", "dedupe", "testdata", "near", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	title, body, _ = strings.Cut(string(b), "\n")
	return title, body
}

// story builds an entry as clean and dedupe would from a source with
// title, link and body.
func story(feed, key, title, link, body string, pub time.Time) feeds.Entry {
	return feeds.Entry{FeedID: feed, Key: key, Title: title, Link: link, Content: body, Hash: title + link + body, Published: pub,
		Raw: feeds.Raw{Title: title, Link: link, Content: body}}
}

func TestCrossFeedStories(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	pub := clk.Now().Add(-time.Hour)
	wa, wb := "wire-a", "wire-b"
	ta, ba := nearCase(t, wa)
	tb, bb := nearCase(t, wb)
	t16, b16 := nearCase(t, "budget-2016")
	t15, b15 := nearCase(t, "budget-2015")

	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "a"}, Entries: []feeds.Entry{
		story("a", "g:a1", "Article", "https://news.example/story/1?utm_source=a", "<p>short</p>", pub),
		story("a", "g:a2", ta, "https://a.example/storm", ba, pub),
		story("a", "g:a3", t16, "https://a.example/budget", b16, pub),
	}})
	clk.Advance(time.Minute)
	res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "b"}, Priority: 5, Entries: []feeds.Entry{
		story("b", "g:b1", "Same article, other title", "http://www.news.example/story/1/?fbclid=z", "<p>other</p>", pub.Add(time.Minute)),
		story("b", "g:b2", tb, "https://b.example/evacuation", bb, pub.Add(2*time.Hour)),
		story("b", "g:b3", t15, "https://b.example/budget", b15, pub),
		story("b", "g:b4", "Id 42", "https://news.example/item?id=42", "<p>x</p>", pub),
	}})
	if res.New != 4 || res.Merged != 2 {
		t.Errorf("second feed: New %d Merged %d, want 4 and 2 (same URL, near-duplicate)", res.New, res.Merged)
	}
	clk.Advance(time.Minute)
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "c"}, NoDedupe: true, Entries: []feeds.Entry{
		story("c", "g:c1", "Opted out", "https://news.example/story/1", "<p>c</p>", pub),
	}})
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "d"}, Entries: []feeds.Entry{
		story("d", "g:d1", "Id 41", "https://news.example/item?id=41", "<p>y</p>", pub),
	}})

	got, err := s.Recent(t.Context(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	byStory := map[string]feeds.Entry{}
	for _, e := range got {
		k := e.FeedID + "/" + e.Key
		if e.StoryFeed != "" {
			k = e.StoryFeed + "/" + e.StoryKey
		}
		if _, dup := byStory[k]; dup {
			t.Errorf("story %s listed twice", k)
		}
		byStory[k] = e
	}
	wantStories := []string{"a/g:a1", "a/g:a2", "a/g:a3", "b/g:b3", "b/g:b4", "c/g:c1", "d/g:d1"}
	if keys := slices.Sorted(mapsKeys(byStory)); !slices.Equal(keys, wantStories) {
		t.Errorf("stories = %q\nwant %q", keys, wantStories)
	}
	// Same URL: feed b has priority 5, so its copy is shown, under a's id.
	if e := byStory["a/g:a1"]; e.FeedID != "b" || len(e.Sources) != 1 || e.Sources[0].FeedID != "a" || e.Published != mustEntry(t, s, "a", "g:a1").Published {
		t.Errorf("same-url story = feed %s, sources %+v, published %v; want b's copy listing a, at a's time", e.FeedID, e.Sources, e.Published)
	}
	if e := byStory["a/g:a2"]; len(e.Sources) != 1 || e.Sources[0].Reason != "" && e.FeedID == "a" {
		t.Errorf("near-duplicate story sources = %+v", e.Sources)
	}
	cs, err := s.Clusters(t.Context(), time.Time{})
	if err != nil || len(cs) != 2 {
		t.Fatalf("Clusters = %d, %v; want 2", len(cs), err)
	}
	reasons := map[string]float64{}
	for _, c := range cs {
		reasons[c.Members[1].Reason] = c.Members[1].Score
		if !c.Members[1].Preferred || c.Members[0].Preferred {
			t.Errorf("cluster %q: the priority-5 copy should be preferred: %+v", c.Members[0].Title, c.Members)
		}
	}
	if reasons["same-url"] != 1 || reasons["near-duplicate"] < 0.6 || reasons["near-duplicate"] >= 1 {
		t.Errorf("reasons = %v, want same-url (1) and near-duplicate (0.6-1)", reasons)
	}

	// A third copy joins: the id and the position do not move.
	before := byStory["a/g:a1"]
	clk.Advance(time.Hour)
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "e"}, Priority: 9, Entries: []feeds.Entry{
		story("e", "g:e1", "Third copy", "https://news.example/story/1", "<p>e</p>", clk.Now()),
	}})
	got, _ = s.Recent(t.Context(), []string{"a", "b", "e"}, 0)
	var after feeds.Entry
	for _, e := range got {
		if e.StoryKey == "g:a1" {
			after = e
		}
	}
	if after.FeedID != "e" || after.StoryFeed != "a" || !after.Updated.Equal(before.Updated) || !after.Published.Equal(before.Published) || len(after.Sources) != 2 {
		t.Errorf("after a third copy joined: feed %s story %s/%s updated %v (was %v) sources %d; want e's copy, same id and dates, 2 sources",
			after.FeedID, after.StoryFeed, after.StoryKey, after.Updated, before.Updated, len(after.Sources))
	}
}

func mapsKeys(m map[string]feeds.Entry) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestGUIDChurnAndTombstones(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	pub, bpub := clk.Now().Add(-48*time.Hour), clk.Now()
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{
		story("f", "g:build-1-a", "A", "https://f.example/a", "<p>a</p>", pub),
		story("f", "g:build-1-b", "B", "https://f.example/b", "<p>b</p>", bpub),
	}})
	clk.Advance(time.Hour)
	// The next build regenerates every GUID; links and dates stay put.
	res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{
		story("f", "g:build-2-a", "A", "https://f.example/a", "<p>a</p>", pub),
		story("f", "g:build-2-b", "B edited", "https://f.example/b", "<p>b, edited</p>", bpub),
	}})
	if res.New != 0 || res.Updated != 1 || res.Unchanged != 1 {
		t.Errorf("churned GUIDs: %+v; want 0 new, 1 updated, 1 unchanged", res)
	}
	st, _, _ := s.State(t.Context(), "f")
	if st.Identity != identityChurn || st.Entries != 2 {
		t.Errorf("state Identity %q Entries %d, want %q and 2", st.Identity, st.Entries, identityChurn)
	}
	if e := mustEntry(t, s, "f", "g:build-1-b"); e.Title != "B edited" {
		t.Errorf("edited entry title = %q, want the newest", e.Title)
	}

	n, err := s.Purge(t.Context(), "f", clk.Now().Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want 1", n, err)
	}
	if dead, _ := s.Tombstoned(t.Context(), "f", "g:build-1-a"); !dead {
		t.Error("purged entry has no tombstone")
	}
	// The feed still lists it, under its old or yet another GUID.
	res = mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{
		story("f", "g:build-1-a", "A", "https://f.example/a", "<p>a</p>", pub),
		story("f", "g:build-3-a", "A", "https://f.example/a?utm_source=x", "<p>a</p>", pub),
	}})
	if res.New != 0 || res.Tombstoned != 2 {
		t.Errorf("re-listed purged entry: %+v; want 0 new, 2 tombstoned", res)
	}
	if st, _, _ := s.State(t.Context(), "f"); st.Entries != 1 {
		t.Errorf("state Entries = %d after purge, want 1", st.Entries)
	}
}

// TestKeySwitchKeepsStoredKeys: a document that dedupe keys by links
// (one item's GUID went blank or was repeated) finds the entries stored
// under GUID keys by link and publication time, and a later document keyed
// by GUIDs again finds the entries stored meanwhile under link keys. No
// entry is stored twice, and it is not recorded as GUID churn.
func TestKeySwitchKeepsStoredKeys(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	pub := clk.Now().Add(-48 * time.Hour)
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{
		story("f", "g:a", "A", "https://f.example/a", "<p>a</p>", pub),
		story("f", "g:b", "B", "https://f.example/b", "<p>b</p>", pub.Add(time.Hour)),
	}})
	clk.Advance(time.Hour)
	res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{
		story("f", "l:https://f.example/c", "C", "https://f.example/c", "<p>c</p>", clk.Now()),
		story("f", "l:https://f.example/a", "A", "https://f.example/a", "<p>a</p>", pub),
		story("f", "l:https://f.example/b", "B edited", "https://f.example/b", "<p>b, edited</p>", pub.Add(time.Hour)),
	}})
	if res.New != 1 || res.Updated != 1 || res.Unchanged != 1 || !slices.Equal(res.UpdatedKeys, []string{"g:b"}) {
		t.Errorf("link keys: %+v; want 1 new (c), g:b updated, 1 unchanged", res)
	}
	if e := mustEntry(t, s, "f", "g:b"); e.Title != "B edited" {
		t.Errorf("g:b title = %q, want the edit", e.Title)
	}
	clk.Advance(time.Hour)
	res = mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{
		story("f", "g:c", "C", "https://f.example/c", "<p>c</p>", clk.Now().Add(-time.Hour)),
		story("f", "g:a", "A", "https://f.example/a", "<p>a</p>", pub),
		story("f", "g:b", "B edited", "https://f.example/b", "<p>b, edited</p>", pub.Add(time.Hour)),
	}})
	if res.New != 0 || res.Updated != 0 {
		t.Errorf("GUID keys again: %+v; want nothing new or updated", res)
	}
	st, _, _ := s.State(t.Context(), "f")
	if st.Entries != 3 || st.Identity != "guid" {
		t.Errorf("state Entries %d Identity %q, want 3 and guid", st.Entries, st.Identity)
	}
}

// TestPurgedCopyReturnsElsewhere: a story's first copy is purged, its
// tombstone expires, and its feed lists it again under the same key but as
// another story, which it joins. The first story is then shown by its
// other copy, and the returned entry only in its new story.
func TestPurgedCopyReturnsElsewhere(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	pub := clk.Now().Add(-time.Hour)
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "a"}, Entries: []feeds.Entry{
		story("a", "g:a1", "Story one", "https://news.example/one", "<p>one</p>", pub),
	}})
	clk.Advance(time.Minute)
	if res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "b"}, Entries: []feeds.Entry{
		story("b", "g:b1", "Story one (b)", "https://news.example/one", "<p>one, b</p>", pub),
	}}); res.Merged != 1 {
		t.Fatalf("b1 did not merge: %+v", res)
	}
	clk.Advance(time.Minute)
	if n, err := s.Purge(t.Context(), "a", clk.Now()); err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v", n, err)
	}
	if _, err := s.ExpireTombstones(t.Context(), clk.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "c"}, Entries: []feeds.Entry{
		story("c", "g:c1", "Story two", "https://news.example/two", "<p>two</p>", clk.Now()),
	}})
	clk.Advance(time.Minute)
	if res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "a"}, Entries: []feeds.Entry{
		story("a", "g:a1", "Story two (a)", "https://news.example/two", "<p>two, a</p>", clk.Now()),
	}}); res.New != 1 || res.Merged != 1 {
		t.Fatalf("a1 again: %+v; want it new and merged into story two", res)
	}
	got, err := s.Recent(t.Context(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var shown []string
	for _, e := range got {
		copies := []string{e.FeedID + "/" + e.Key}
		for _, c := range e.Sources {
			copies = append(copies, c.FeedID+"/"+c.Key)
		}
		slices.Sort(copies)
		shown = append(shown, strings.Join(copies, "+"))
	}
	slices.Sort(shown)
	if want := []string{"a/g:a1+c/g:c1", "b/g:b1"}; !slices.Equal(shown, want) {
		t.Errorf("Recent shows stories %v, want %v", shown, want)
	}
}

// TestChurnWithoutDates: an undated entry under a new GUID with the link
// and title of a stored one is that entry; with another title it is new.
func TestChurnWithoutDates(t *testing.T) {
	clk := newClock()
	s := openTest(t, "", Options{Now: clk.Now})
	undated := func(guid, title string) feeds.Entry {
		return story("f", guid, title, "https://f.example/today", "<p>"+title+"</p>", time.Time{})
	}
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{undated("g:1", "Monday")}})
	clk.Advance(time.Hour)
	if res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{undated("g:1b", "Monday")}}); res.New != 0 {
		t.Errorf("same title under a new GUID: %+v; want the stored entry", res)
	}
	clk.Advance(24 * time.Hour)
	if res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{undated("g:2", "Tuesday")}}); res.New != 1 {
		t.Errorf("another title under a new GUID: %+v; want a new entry", res)
	}
}

// TestOpenSchema1 builds a file as schema 1 wrote it and checks that Open
// migrates it: entries kept, indexes built, new copies merge with old ones.
func TestOpenSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	clk := newClock()
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "old"}, Entries: []feeds.Entry{
		story("old", "g:1", "Old story", "https://old.example/story", "<p>old</p>", clk.Now()),
	}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Turn it back into a schema 1 file: no new buckets, stamp 1.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets[4:] {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(metaSchema, binary.BigEndian.AppendUint64(nil, 1))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{ReadOnly: true}); err == nil {
		t.Error("read-only Open of a schema 1 file succeeded; want ErrSchema (cannot migrate)")
	}
	s = openTest(t, path, Options{Now: clk.Now})
	mustEntry(t, s, "old", "g:1")
	res := mustSave(t, s, Batch{State: feeds.FeedState{FeedID: "new"}, Entries: []feeds.Entry{
		story("new", "g:2", "Copy", "https://www.old.example/story?utm_medium=rss", "<p>new</p>", clk.Now()),
	}})
	if res.Merged != 1 {
		t.Errorf("after migration, a copy of a migrated entry: Merged = %d, want 1", res.Merged)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(metaSchema); binary.BigEndian.Uint64(v) != schemaVersion {
			t.Errorf("schema after migration = %x, want %d", v, schemaVersion)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
