package storage

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/internal/race"
)

func fullEntry() feeds.Entry {
	est := time.FixedZone("EST", -5*3600)
	return feeds.Entry{
		Key: "k", FeedID: "https://a.example/feed", GUID: "urn:x",
		Title: "Tïtle", Link: "https://a.example/1", Content: "<p>body</p>", Summary: "sum",
		Authors:    []feeds.Person{{Name: "Ann", Email: "a@x", URI: "https://x"}, {Name: "Bob"}},
		Categories: []string{"a", "", "c"},
		Enclosures: []feeds.Enclosure{{URL: "https://a.example/x.mp3", Type: "audio/mpeg", Length: 12345}, {URL: "u", Length: -1}},
		Image:      "https://a.example/i.png",
		Published:  time.Date(2026, 1, 2, 3, 4, 5, 6, est),
		Updated:    time.Date(1969, 12, 31, 23, 59, 59, 999, time.UTC),
		Seen:       time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC),
		Hash:       "abc",
		Raw:        feeds.Raw{Title: "<b>T</b>", Link: "/1", Content: "c", Summary: "s", Text: true, Base: "https://a.example/"},
		Podcast: &feeds.Podcast{
			Duration: "01:02:03", Explicit: "yes", Episode: "12", Season: "3", EpisodeType: "full",
			Image: "https://a.example/ep.jpg", Subtitle: "Süb", Summary: "A summary", Author: "Ann & Bob",
		},
	}
}

// sameEntry compares entries, times by instant and offset.
func sameEntry(t *testing.T, got, want feeds.Entry) {
	t.Helper()
	for _, p := range []struct {
		name   string
		g, w   time.Time
		gp, wp *time.Time
	}{{"Published", got.Published, want.Published, &got.Published, &want.Published},
		{"Updated", got.Updated, want.Updated, &got.Updated, &want.Updated},
		{"Seen", got.Seen, want.Seen, &got.Seen, &want.Seen}} {
		_, goff := p.g.Zone()
		_, woff := p.w.Zone()
		if !p.g.Equal(p.w) || goff != woff || p.g.IsZero() != p.w.IsZero() {
			t.Errorf("%s = %v, want %v", p.name, p.g, p.w)
		}
		*p.gp, *p.wp = time.Time{}, time.Time{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", got, want)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		e    feeds.Entry
	}{
		{"full", fullEntry()},
		{"zero", feeds.Entry{}},
		{"far dates", feeds.Entry{Key: "x", Published: time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), Updated: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}},
		{"long content", feeds.Entry{Key: "x", Content: string(make([]byte, 100000))}},
		{"podcast, one field", feeds.Entry{Key: "x", Podcast: &feeds.Podcast{Author: "a"}}},
		{"podcast, last field only", feeds.Entry{Key: "x", Raw: feeds.Raw{Text: true}, Podcast: &feeds.Podcast{Duration: "5"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := encodeEntry(nil, &tt.e)
			if n := recordSize(&tt.e); n < len(rec) {
				t.Errorf("recordSize = %d, below the record's %d bytes", n, len(rec))
			}
			// The race detector's instrumentation allocates too.
			if a := testing.AllocsPerRun(10, func() { encodeEntry(nil, &tt.e) }); a != 1 && !race.Enabled {
				t.Errorf("encodeEntry made %v allocations, want 1", a)
			}
			got, err := decodeEntry(rec)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			sameEntry(t, got, tt.e)
		})
	}
}

// TestRecordOlderVersion decodes a record that ends early, as one written
// before fields were appended would: the missing fields are zero.
func TestRecordOlderVersion(t *testing.T) {
	e := fullEntry()
	noRaw := e
	noRaw.Raw = feeds.Raw{}
	noRaw.Podcast = nil
	// Build the prefix up to and including Seen by encoding with an empty
	// Raw and dropping its 5 empty strings and the Text byte.
	short := encodeEntry(nil, &noRaw)
	short = short[:len(short)-6]
	got, err := decodeEntry(short)
	if err != nil {
		t.Fatalf("decode of a shorter record: %v", err)
	}
	sameEntry(t, got, noRaw)
}

// recordBeforePodcast was written by the encoder before Entry.Podcast was
// stored (commit 490d3a0): an episode with an enclosure, ending at the
// Raw.Text byte.
const recordBeforePodcast = "01016b01660004457020311368747470733a2f2f702e6578616d706c652f31000000000000011768747470733a2f2f702e6578616d706c652f312e6d70330a617564696f2f6d706567a41301cad6b9950d0000000004457020310000000000"

// TestRecordBeforePodcast decodes a record written before podcasts were
// stored: Podcast is nil, everything else is there, and an entry without a
// podcast still encodes to exactly those bytes, so its contentHash and
// stored record do not change.
func TestRecordBeforePodcast(t *testing.T) {
	old, err := hex.DecodeString(recordBeforePodcast)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeEntry(old)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	want := feeds.Entry{Key: "k", FeedID: "f", Title: "Ep 1", Link: "https://p.example/1",
		Enclosures: []feeds.Enclosure{{URL: "https://p.example/1.mp3", Type: "audio/mpeg", Length: 1234}},
		Published:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Raw: feeds.Raw{Title: "Ep 1"}}
	sameEntry(t, got, want)
	if got.Podcast != nil {
		t.Errorf("Podcast = %+v, want nil", got.Podcast)
	}
	if again := encodeEntry(nil, &want); !bytes.Equal(again, old) {
		t.Errorf("encodeEntry without a podcast = %x, want the old record %x", again, old)
	}
	// An empty Podcast is absent: same bytes, decoded as nil.
	want.Podcast = &feeds.Podcast{}
	if again := encodeEntry(nil, &want); !bytes.Equal(again, old) {
		t.Errorf("encodeEntry with an empty podcast = %x, want %x", again, old)
	}
}

func TestRecordCorrupt(t *testing.T) {
	e := fullEntry()
	full := encodeEntry(nil, &e)
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"unknown version", append([]byte{9}, full[1:]...)},
		{"string longer than record", []byte{recordVersion, 0xff, 0x01, 'a'}},
		{"huge author count", []byte{recordVersion, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"unterminated varint", []byte{recordVersion, 0x80}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeEntry(tt.b); err == nil {
				t.Errorf("decodeEntry(%x) = nil error, want one", tt.b)
			}
		})
	}
}

func FuzzDecodeEntry(f *testing.F) {
	e := fullEntry()
	f.Add(encodeEntry(nil, &e))
	f.Add([]byte{recordVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntry(b) // must not panic
		if err != nil {
			return
		}
		again, err := decodeEntry(encodeEntry(nil, &e))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		sameEntry(t, again, e)
	})
}

// TestSavePodcast stores an episode with iTunes fields next to one without
// through Save and reads both back with Entry and Recent.
func TestSavePodcast(t *testing.T) {
	s := openTest(t, "", Options{Now: newClock().Now})
	pub := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	pod := &feeds.Podcast{Duration: "1830", Explicit: "no", Episode: "7", EpisodeType: "full", Image: "https://p.example/7.jpg", Author: "Ann"}
	es := []feeds.Entry{
		{Key: "ep7", FeedID: "https://p.example/feed", Title: "Ep 7", Published: pub, Updated: pub, Hash: "h7",
			Enclosures: []feeds.Enclosure{{URL: "https://p.example/7.mp3", Type: "audio/mpeg", Length: 99}}, Podcast: pod},
		{Key: "post", FeedID: "https://p.example/feed", Title: "Post", Published: pub.Add(time.Hour), Updated: pub.Add(time.Hour), Hash: "hp"},
	}
	if _, err := s.Save(t.Context(), Batch{State: feeds.FeedState{FeedID: "https://p.example/feed"}, Entries: es}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Entry(t.Context(), "https://p.example/feed", "ep7")
	if err != nil || !ok {
		t.Fatalf("Entry(ep7) = _, %v, %v; want it stored", ok, err)
	}
	if got.Podcast == nil || *got.Podcast != *pod {
		t.Errorf("Entry(ep7).Podcast = %+v, want %+v", got.Podcast, pod)
	}
	recent, err := s.Recent(t.Context(), []string{"https://p.example/feed"}, 10)
	if err != nil || len(recent) != 2 {
		t.Fatalf("Recent = %d entries, %v; want 2", len(recent), err)
	}
	for _, e := range recent {
		switch {
		case e.Key == "post" && e.Podcast != nil:
			t.Errorf("Recent: post.Podcast = %+v, want nil", e.Podcast)
		case e.Key == "ep7" && (e.Podcast == nil || *e.Podcast != *pod):
			t.Errorf("Recent: ep7.Podcast = %+v, want %+v", e.Podcast, pod)
		}
	}
}
