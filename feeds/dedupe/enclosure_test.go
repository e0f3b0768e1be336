package dedupe

import (
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// episode is a podcast entry whose text (comment counter, spacing and a
// tracking parameter included) is the same in every test below.
func episode(audio ...string) feeds.Entry {
	e := feeds.Entry{Title: "Episode 12: Tides", Link: "https://example.com/ep12?utm_source=rss", Content: "<p>Show   notes.</p> <p>12 comments</p>"}
	for _, u := range audio {
		e.Enclosures = append(e.Enclosures, feeds.Enclosure{URL: u, Type: "audio/mpeg"})
	}
	return e
}

// TestHashCoversEnclosures checks that a new audio URL is an edit, that a
// tracking parameter on it is not, and that an entry without enclosures
// hashes exactly as before enclosures were covered (the literal is what
// the previous Hash gave for this text, so stored hashes stay valid).
func TestHashCoversEnclosures(t *testing.T) {
	const before = "b06e13ba77ea4e314b64e055a12e7e86"
	plain := episode()
	if got := Hash(&plain); got != before {
		t.Errorf("Hash of an entry without enclosures = %s; want the previous definition's %s", got, before)
	}
	a, moved, tracked := episode("https://cdn.example/ep12.mp3"), episode("https://cdn.example/ep12-fixed.mp3"), episode("https://cdn.example/ep12.mp3?utm_medium=podcast")
	if Hash(&a) == before {
		t.Error("an enclosure does not change the hash")
	}
	if Hash(&a) == Hash(&moved) {
		t.Error("a new enclosure URL under the same text hashes the same")
	}
	if Hash(&a) != Hash(&tracked) {
		t.Error("a tracking parameter on the enclosure URL changes the hash")
	}
}

// TestSameMaterial checks the test Save uses to tell a hash stored under
// the previous definition from an edit.
func TestSameMaterial(t *testing.T) {
	a := episode("https://cdn.example/ep12.mp3")
	tests := []struct {
		name string
		b    feeds.Entry
		want bool
	}{
		{"same entry", episode("https://cdn.example/ep12.mp3"), true},
		{"tracking parameter on the audio", episode("https://cdn.example/ep12.mp3?utm_source=x"), true},
		{"new audio URL", episode("https://cdn.example/ep12-fixed.mp3"), false},
		{"audio added", episode("https://cdn.example/ep12.mp3", "https://cdn.example/ep12b.mp3"), false},
		{"audio removed", episode(), false},
		{"comment counter moved", func() feeds.Entry {
			e := episode("https://cdn.example/ep12.mp3")
			e.Content = "<p>Show notes.</p> <p>13 comments</p>"
			return e
		}(), true},
		{"edited text", func() feeds.Entry {
			e := episode("https://cdn.example/ep12.mp3")
			e.Content = "<p>Corrected show notes.</p>"
			return e
		}(), false},
	}
	for _, tt := range tests {
		if got := SameMaterial(&a, &tt.b); got != tt.want {
			t.Errorf("%s: SameMaterial = %v, want %v", tt.name, got, tt.want)
		}
	}
}
