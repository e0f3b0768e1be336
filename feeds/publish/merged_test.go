package publish

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// mergedEntry is a story first seen in source 0, shown from source 1 (say,
// by priority), also carried by source 2.
func mergedEntry(shownFeed int) feeds.Entry {
	return feeds.Entry{
		Key: "shown-key", FeedID: testSources[shownFeed].ID,
		Title: "Wire story", Link: "https://podcast.example.net/wire-story",
		Content: "<p>Body</p>", Published: baseTime, Updated: baseTime,
		StoryFeed: testSources[0].ID, StoryKey: "first-key",
		Sources: []feeds.Copy{
			{FeedID: testSources[0].ID, Key: "first-key", Link: "https://blog.example.org/wire", Reason: ""},
			{FeedID: testSources[2].ID, Key: "k3", Link: "", Reason: "near-duplicate", Score: 0.91234},
			{FeedID: "https://unconfigured.example/feed", Key: "x", Link: "https://unconfigured.example/x", Reason: "same-url", Score: 1},
		},
	}
}

// TestMergedStory checks every format's attribution of a merged story and
// that its id is the first copy's, whichever copy is shown.
func TestMergedStory(t *testing.T) {
	want := entryID(testSources[0].ID, "first-key")
	for _, shown := range []int{1, 0} {
		e := mergedEntry(shown)
		if shown == 0 {
			e.Sources[0] = feeds.Copy{FeedID: testSources[1].ID, Key: "shown-key", Link: "https://podcast.example.net/wire-story", Reason: "same-url", Score: 1}
		}
		p := New(newFake([]feeds.Entry{e}), testOptions())
		for _, f := range Formats {
			t.Run(string(f), func(t *testing.T) {
				doc, err := p.Render(t.Context(), f)
				if err != nil {
					t.Fatal(err)
				}
				body := string(doc.Body)
				if got := strings.Count(body, want); got < 1 {
					t.Errorf("shown from source %d: body lacks the story id %s", shown, want)
				}
				if strings.Contains(body, "unconfigured.example") {
					t.Errorf("copy from an unconfigured feed is attributed:\n%s", body)
				}
				other := testSources[1-shown] // the configured copy not shown
				switch f {
				case Atom:
					var a struct {
						Entries []struct {
							Links []struct {
								Href  string `xml:"href,attr"`
								Rel   string `xml:"rel,attr"`
								Title string `xml:"title,attr"`
							} `xml:"link"`
						} `xml:"entry"`
					}
					if err := xml.Unmarshal(doc.Body, &a); err != nil || len(a.Entries) != 1 {
						t.Fatalf("parse atom: %v, %d entries", err, len(a.Entries))
					}
					var via, related int
					for _, l := range a.Entries[0].Links {
						switch l.Rel {
						case "via":
							via++
							if l.Title != line(other.Name) || l.Href == "" {
								t.Errorf("via link = %+v, want title %q", l, other.Name)
							}
						case "related":
							related++
							if l.Title != "unnamed feed" {
								t.Errorf("related link title = %q, want the local feed's name", l.Title)
							}
						}
					}
					// The local file feed has neither link nor site: no link.
					if via != 1 || related != 0 {
						t.Errorf("via, related links = %d, %d; want 1, 0", via, related)
					}
				case RSS:
					if !strings.Contains(body, "Also in: ") || !strings.Contains(body, escTwice(other.Name)) {
						t.Errorf("rss footer does not name %q:\n%s", other.Name, body)
					}
				case JSON:
					var j struct {
						Items []struct {
							ID string `json:"id"`
							X  struct {
								Source  jsonSource   `json:"source"`
								Sources []jsonSource `json:"sources"`
							} `json:"_tidyfeed"`
						} `json:"items"`
					}
					if err := json.Unmarshal(doc.Body, &j); err != nil || len(j.Items) != 1 {
						t.Fatalf("parse json: %v", err)
					}
					x := j.Items[0].X
					if x.Source.ID != testSources[shown].ID {
						t.Errorf("source = %q, want the shown feed %q", x.Source.ID, testSources[shown].ID)
					}
					if len(x.Sources) != 2 || x.Sources[0].ID != other.ID || x.Sources[1].Reason != "near-duplicate" || x.Sources[1].Score != 0.912 {
						t.Errorf("sources = %+v, want %s then the near-duplicate local feed (0.912)", x.Sources, other.ID)
					}
				}
			})
		}
	}
}

// html escapes like the RSS footer does, for comparisons with the XML
// text (which escapes once more; Contains on the raw body sees the
// ampersand escaped twice).
func escTwice(s string) string {
	r := strings.NewReplacer("&", "&amp;amp;")
	return r.Replace(s)
}
