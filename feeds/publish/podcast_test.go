package publish

import (
	"encoding/json"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
)

func TestNewPodcast(t *testing.T) {
	tests := []struct {
		name string
		in   *feeds.Podcast
		want *podcast
	}{
		{"nil", nil, nil},
		{"empty", &feeds.Podcast{}, nil},
		{"nothing valid", &feeds.Podcast{Duration: "long", Explicit: "maybe", Episode: "0", Season: "x", EpisodeType: "special", Image: "/rel.jpg"}, nil},
		{"all valid", &feeds.Podcast{Duration: " 1830 ", Explicit: "Yes", Episode: "12", Season: "3", EpisodeType: "Bonus",
			Image: "https://a.example/i.jpg", Subtitle: " two\n lines ", Summary: "\n para one\n\npara two \x01\n", Author: " Ann\tB "},
			&podcast{duration: "1830", explicit: "true", episode: 12, season: 3, episodeType: "bonus",
				image: "https://a.example/i.jpg", subtitle: "two lines", summary: "para one\n\npara two", author: "Ann B"}},
		{"clock durations", &feeds.Podcast{Duration: "1:02:03.5"}, &podcast{duration: "1:02:03.5"}},
		{"mm:ss", &feeds.Podcast{Duration: "59:59"}, &podcast{duration: "59:59"}},
		{"too many colons", &feeds.Podcast{Duration: "1:2:3:4", Author: "a"}, &podcast{author: "a"}},
		{"javascript image", &feeds.Podcast{Image: "javascript:alert(1)", Season: "1"}, &podcast{season: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newPodcast(tt.in)
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Errorf("newPodcast(%+v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestExplicitValue(t *testing.T) {
	tests := map[string]string{
		"yes": "true", "Explicit": "true", "TRUE": "true", " true ": "true",
		"no": "false", "clean": "false", "False": "false",
		"": "", "maybe": "", "1": "", "0": "",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := explicitValue(in); got != want {
				t.Errorf("explicitValue(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

// TestPodcastRoundTrip renders an episode in RSS and reads it back with
// tidyfeed's own parser: the enclosure and the iTunes fields come back as
// published. JSON carries them under _tidyfeed.podcast.
func TestPodcastRoundTrip(t *testing.T) {
	e := feeds.Entry{
		Key: "ep1", FeedID: testSources[0].ID, Title: "Episode 1", Link: "https://pod.example.com/1",
		Content: "<p>Notes</p>", Published: baseTime, Updated: baseTime,
		Enclosures: []feeds.Enclosure{{URL: "https://cdn.example.net/1.mp3", Type: "audio/mpeg", Length: 4321}},
		Podcast: &feeds.Podcast{Duration: "00:45:00", Explicit: "clean", Episode: "1", Season: "4", EpisodeType: "full",
			Image: "https://cdn.example.net/1.jpg", Subtitle: "Sub & title", Summary: "Notes < here", Author: "Host"},
	}
	p := New(newFake([]feeds.Entry{e}), testOptions())
	d, err := p.Render(t.Context(), RSS)
	if err != nil {
		t.Fatal(err)
	}
	_, got, err := parse.New(parse.Options{}).Parse(d.Body, "http://127.0.0.1:8080/feed.rss")
	if err != nil || len(got) != 1 {
		t.Fatalf("parse back: %d entries, %v\n%s", len(got), err, d.Body)
	}
	wantEnc := feeds.Enclosure{URL: "https://cdn.example.net/1.mp3", Type: "audio/mpeg", Length: 4321}
	if len(got[0].Enclosures) != 1 || got[0].Enclosures[0] != wantEnc {
		t.Errorf("enclosures = %+v, want [%+v]", got[0].Enclosures, wantEnc)
	}
	want := feeds.Podcast{Duration: "00:45:00", Explicit: "false", Episode: "1", Season: "4", EpisodeType: "full",
		Image: "https://cdn.example.net/1.jpg", Subtitle: "Sub & title", Summary: "Notes < here", Author: "Host"}
	if got[0].Podcast == nil || *got[0].Podcast != want {
		t.Errorf("Podcast = %+v, want %+v\n%s", got[0].Podcast, want, d.Body)
	}

	d, err = p.Render(t.Context(), JSON)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Items []struct {
			Tidyfeed struct {
				Podcast map[string]any `json:"podcast"`
			} `json:"_tidyfeed"`
		} `json:"items"`
	}
	if err := json.Unmarshal(d.Body, &doc); err != nil || len(doc.Items) != 1 {
		t.Fatalf("json: %d items, %v", len(doc.Items), err)
	}
	pj := doc.Items[0].Tidyfeed.Podcast
	for k, v := range map[string]any{"duration": "00:45:00", "explicit": false, "episode": 1.0, "season": 4.0,
		"episode_type": "full", "image": "https://cdn.example.net/1.jpg", "subtitle": "Sub & title", "summary": "Notes < here", "author": "Host"} {
		if pj[k] != v {
			t.Errorf("_tidyfeed.podcast.%s = %#v, want %#v", k, pj[k], v)
		}
	}
}
