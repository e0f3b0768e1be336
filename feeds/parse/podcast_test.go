package parse

import (
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// podcastRSS wraps items in an RSS 2.0 channel that declares the iTunes
// namespace and links to http://pod.example.com/show/.
func podcastRSS(items string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>Show</title><link>http://pod.example.com/show/</link>
<itunes:author>Channel Host</itunes:author>` + items + `</channel></rss>`
}

func TestPodcast(t *testing.T) {
	tests := []struct {
		name string
		body string
		want *feeds.Podcast
	}{
		{
			name: "every field",
			body: podcastRSS(`<item><title>Ep 12</title><guid>ep-12</guid>
<enclosure url="/audio/ep12.mp3" length="12345678" type="audio/mpeg"/>
<itunes:duration> 01:02:03 </itunes:duration>
<itunes:explicit>yes</itunes:explicit>
<itunes:episode>12</itunes:episode>
<itunes:season>3</itunes:season>
<itunes:episodeType>full</itunes:episodeType>
<itunes:image href="art/ep12.jpg"/>
<itunes:subtitle>A  &lt;b&gt;short&lt;/b&gt; one</itunes:subtitle>
<itunes:summary><![CDATA[<p>We talk   about <a href="/x">things</a> &amp; more.</p>]]></itunes:summary>
<itunes:author> Ann &amp; Bob </itunes:author>
</item>`),
			want: &feeds.Podcast{
				Duration:    "01:02:03",
				Explicit:    "yes",
				Episode:     "12",
				Season:      "3",
				EpisodeType: "full",
				Image:       "http://pod.example.com/show/art/ep12.jpg",
				Subtitle:    "A short one",
				Summary:     "We talk about things & more.",
				Author:      "Ann & Bob",
			},
		},
		{
			name: "some fields",
			body: podcastRSS(`<item><title>Trailer</title><guid>t</guid>
<itunes:duration>95</itunes:duration><itunes:episodeType>trailer</itunes:episodeType>
<itunes:image href="https://cdn.example.net/t.png"/></item>`),
			want: &feeds.Podcast{Duration: "95", EpisodeType: "trailer", Image: "https://cdn.example.net/t.png"},
		},
		{
			name: "no itunes fields",
			body: podcastRSS(`<item><title>Plain</title><guid>p</guid>
<enclosure url="http://pod.example.com/p.mp3" length="1" type="audio/mpeg"/></item>`),
			want: nil,
		},
		{
			name: "only blank itunes fields",
			body: podcastRSS(`<item><title>Blank</title><guid>b</guid>
<itunes:duration>  </itunes:duration><itunes:explicit></itunes:explicit><itunes:image href=" "/></item>`),
			want: nil,
		},
		{
			name: "itunes fields outside the namespace are not podcast fields",
			body: `<rss version="2.0"><channel><title>S</title>
<item><title>X</title><guid>x</guid><duration>10</duration></item></channel></rss>`,
			want: nil,
		},
		{
			name: "atom has none",
			body: `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<title>A</title><id>urn:a</id><updated>2024-01-01T00:00:00Z</updated>
<entry><id>urn:a:1</id><title>One</title><updated>2024-01-01T00:00:00Z</updated></entry></feed>`,
			want: nil,
		},
	}
	p := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, es, err := p.Parse([]byte(tt.body), "http://pod.example.com/feed.xml")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(es) != 1 {
				t.Fatalf("entries = %d, want 1", len(es))
			}
			check(t, "Podcast", es[0].Podcast, tt.want)
		})
	}
}

// TestPodcastKeepsEnclosure checks the iTunes fields come next to the
// enclosure, not instead of it, and that the episode image is still the
// entry's lead image.
func TestPodcastKeepsEnclosure(t *testing.T) {
	body := podcastRSS(`<item><title>Ep</title><guid>e</guid>
<enclosure url="/a.m4a" length="42" type="audio/x-m4a"/>
<itunes:duration>1830</itunes:duration><itunes:image href="/e.jpg"/></item>`)
	_, es, err := New(Options{}).Parse([]byte(body), "http://pod.example.com/feed.xml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	e := es[0]
	check(t, "Enclosures", e.Enclosures, []feeds.Enclosure{{URL: "http://pod.example.com/a.m4a", Type: "audio/x-m4a", Length: 42}})
	check(t, "Image", e.Image, "http://pod.example.com/e.jpg")
	check(t, "Podcast", e.Podcast, &feeds.Podcast{Duration: "1830", Image: "http://pod.example.com/e.jpg"})
}
