package storage

import (
	"reflect"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeEntry(encodeEntry(nil, &tt.e))
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
