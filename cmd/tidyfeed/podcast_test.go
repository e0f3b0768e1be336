package main

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// itunesPodcastDoc is a podcast's RSS feed: two episodes with enclosures
// and iTunes fields (relative URLs, which resolve against the channel link,
// and the old yes/clean flags), and a post without either.
const itunesPodcastDoc = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>Loopback Podcast</title><link>https://pod.example/</link><description>A show</description>
<itunes:author>The Hosts</itunes:author><itunes:explicit>false</itunes:explicit>
<item><title>Episode 12: Feeds</title><link>https://pod.example/12</link><guid isPermaLink="false">pod-12</guid>
<pubDate>Mon, 02 Nov 2026 10:00:00 +0000</pubDate>
<description>&lt;p&gt;We talk about feeds, enclosures and the apps that read them, at some length.&lt;/p&gt;</description>
<enclosure url="https://cdn.pod.example/ep12.mp3" length="48123456" type="audio/mpeg"/>
<itunes:duration>01:02:03</itunes:duration><itunes:explicit>yes</itunes:explicit>
<itunes:episode>12</itunes:episode><itunes:season>2</itunes:season><itunes:episodeType>full</itunes:episodeType>
<itunes:image href="/art/ep12.jpg"/><itunes:subtitle>Feeds &amp; apps</itunes:subtitle>
<itunes:summary>&lt;p&gt;Show notes: feeds &amp;amp; apps.&lt;/p&gt;</itunes:summary><itunes:author>Ann &amp; Bob</itunes:author></item>
<item><title>Trailer</title><link>https://pod.example/trailer</link><guid isPermaLink="false">pod-t</guid>
<pubDate>Sun, 01 Nov 2026 10:00:00 +0000</pubDate><description>&lt;p&gt;What the show is about, in a minute and a half.&lt;/p&gt;</description>
<enclosure url="/audio/trailer.m4a" length="1234567" type="audio/x-m4a"/>
<itunes:duration>95</itunes:duration><itunes:explicit>clean</itunes:explicit><itunes:episodeType>trailer</itunes:episodeType></item>
<item><title>Show news</title><link>https://pod.example/news</link><guid isPermaLink="false">pod-n</guid>
<pubDate>Sat, 31 Oct 2026 10:00:00 +0000</pubDate><description>&lt;p&gt;No episode this week; back soon.&lt;/p&gt;</description></item>
</channel></rss>`

const itunesNamespace = "http://www.itunes.com/dtds/podcast-1.0.dtd"

// exportedRSS is what the podcast test reads back from tidyfeed's RSS.
type exportedRSS struct {
	Channel struct {
		Items []struct {
			Title     string `xml:"title"`
			Enclosure *struct {
				URL    string `xml:"url,attr"`
				Length string `xml:"length,attr"`
				Type   string `xml:"type,attr"`
			} `xml:"enclosure"`
			ITunes []struct {
				XMLName xml.Name
				Href    string `xml:"href,attr"`
				Text    string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"item"`
	} `xml:"channel"`
}

// TestPodcastExport polls a podcast feed and exports RSS: each episode
// keeps its enclosure (url, length, type) and its iTunes fields, with the
// explicit flag as true/false and URLs absolute; a post without iTunes
// fields gets none. The export then passes validate-feed and, when
// available, newsboat stores the enclosures.
func TestPodcastExport(t *testing.T) {
	_, srv := newPublisher(t, map[string]string{"/pod.rss": itunesPodcastDoc})
	config := writeConfig(t, t.TempDir(), "127.0.0.1:8080", srv.URL+"/pod.rss")
	if out, stderr, err := tidyfeed(t, "poll", "-config", config); err != nil {
		t.Fatalf("poll: %v\n%s%s", err, out, stderr)
	}
	body, stderr, err := tidyfeed(t, "export", "-config", config, "-format", "rss")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	if !strings.Contains(body, `xmlns:itunes="`+itunesNamespace+`"`) {
		t.Errorf("export does not declare the itunes namespace:\n%s", body)
	}
	var doc exportedRSS
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("export is not XML: %v\n%s", err, body)
	}

	type enclosure struct{ url, length, typ string }
	tests := []struct {
		title     string
		enclosure *enclosure
		itunes    map[string]string
	}{
		{"Episode 12: Feeds", &enclosure{"https://cdn.pod.example/ep12.mp3", "48123456", "audio/mpeg"}, map[string]string{
			"duration": "01:02:03", "explicit": "true", "episode": "12", "season": "2", "episodeType": "full",
			"image": "https://pod.example/art/ep12.jpg", "subtitle": "Feeds & apps", "summary": "Show notes: feeds & apps.",
			"author": "Ann & Bob",
		}},
		{"Trailer", &enclosure{"https://pod.example/audio/trailer.m4a", "1234567", "audio/x-m4a"}, map[string]string{
			"duration": "95", "explicit": "false", "episodeType": "trailer",
		}},
		{"Show news", nil, map[string]string{}},
	}
	if len(doc.Channel.Items) != len(tests) {
		t.Fatalf("export has %d items, want %d:\n%s", len(doc.Channel.Items), len(tests), body)
	}
	for i, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			it := doc.Channel.Items[i] // newest first, as in the source
			if it.Title != tt.title {
				t.Fatalf("item %d title = %q, want %q", i, it.Title, tt.title)
			}
			var got *enclosure
			if e := it.Enclosure; e != nil {
				got = &enclosure{e.URL, e.Length, e.Type}
			}
			if (got == nil) != (tt.enclosure == nil) || got != nil && *got != *tt.enclosure {
				t.Errorf("enclosure = %+v, want %+v", got, tt.enclosure)
			}
			fields := map[string]string{}
			for _, x := range it.ITunes {
				if x.XMLName.Space != itunesNamespace {
					continue
				}
				if _, dup := fields[x.XMLName.Local]; dup {
					t.Errorf("itunes:%s written twice", x.XMLName.Local)
				}
				fields[x.XMLName.Local] = x.Text
				if x.XMLName.Local == "image" {
					fields["image"] = x.Href
				}
			}
			if len(fields) != len(tt.itunes) {
				t.Errorf("itunes fields = %q, want %q", fields, tt.itunes)
			}
			for k, want := range tt.itunes {
				if fields[k] != want {
					t.Errorf("itunes:%s = %q, want %q", k, fields[k], want)
				}
			}
		})
	}

	// Serve the export as a subscriber would fetch it and run the validators.
	script := validateFeed(t)
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("ETag", `"podcast-export"`)
		http.ServeContent(w, r, "feed.rss", time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), strings.NewReader(body))
	}))
	t.Cleanup(feed.Close)
	cmd := exec.CommandContext(t.Context(), script, "--require-all", "--expect", "rss", "--min-entries", "3", feed.URL+"/feed.rss")
	res, err := cmd.CombinedOutput()
	t.Logf("validate-feed:\n%s", res)
	if err != nil || !strings.Contains(string(res), " 0 failed, 0 skipped") {
		t.Errorf("validate-feed on the podcast export: %v", err)
	}

	// newsboat, a real reader, stores every enclosure (optional: skipped
	// when newsboat cannot be installed).
	cmd = exec.CommandContext(t.Context(), strings.TrimSuffix(script, "validate-feed")+"newsboat-read", "--all", "--no-install", feed.URL+"/feed.rss")
	res, err = cmd.Output()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.ExitCode() == 3 {
		t.Logf("newsboat unavailable; not checked")
		return
	}
	if err != nil {
		t.Fatalf("newsboat-read: %v\n%s", err, res)
	}
	for _, want := range []string{"https://cdn.pod.example/ep12.mp3", "https://pod.example/audio/trailer.m4a"} {
		if !strings.Contains(string(res), want) {
			t.Errorf("newsboat did not store enclosure %s:\n%s", want, res)
		}
	}
}

// TestPodcastNewAudio: a publisher who replaces an episode's audio file
// without touching its text gets the new file into the merged feed.
func TestPodcastNewAudio(t *testing.T) {
	pub, srv := newPublisher(t, map[string]string{"/pod.rss": itunesPodcastDoc})
	config := writeConfig(t, t.TempDir(), "127.0.0.1:8080", srv.URL+"/pod.rss")
	if out, stderr, err := tidyfeed(t, "poll", "-config", config); err != nil {
		t.Fatalf("poll: %v\n%s%s", err, out, stderr)
	}
	const fixed = "https://cdn.pod.example/ep12-remastered.mp3"
	pub.set("/pod.rss", strings.Replace(itunesPodcastDoc, "https://cdn.pod.example/ep12.mp3", fixed, 1))
	out, stderr, err := tidyfeed(t, "poll", "-config", config)
	if err != nil {
		t.Fatalf("second poll: %v\n%s%s", err, out, stderr)
	}
	if !strings.Contains(out, "new=0 updated=1") {
		t.Errorf("second poll does not report one updated entry:\n%s", out)
	}
	body, stderr, err := tidyfeed(t, "export", "-config", config, "-format", "rss")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	var doc exportedRSS
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("export is not XML: %v\n%s", err, body)
	}
	for _, it := range doc.Channel.Items {
		if it.Title != "Episode 12: Feeds" {
			continue
		}
		if it.Enclosure == nil || it.Enclosure.URL != fixed {
			t.Errorf("episode 12's enclosure = %+v; want the new file %s", it.Enclosure, fixed)
		}
		return
	}
	t.Errorf("episode 12 missing from the export:\n%s", body)
}
