package publish

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// itunesNS is the namespace of Apple's podcast (iTunes) RSS tags.
const itunesNS = "http://www.itunes.com/dtds/podcast-1.0.dtd"

// podcast is an item's iTunes fields ready for output: each value is one
// Apple's podcast spec accepts, or absent. A stored value that is not
// (a duration in words, episode "two", an unknown episode type) is left
// out rather than passed on.
type podcast struct {
	duration        string // seconds or [HH:]MM:SS, as the publisher wrote it
	explicit        string // "true", "false" or ""
	episode, season int    // positive, 0 when absent
	episodeType     string // "full", "trailer", "bonus" or ""
	image           string // absolute http(s) URL or ""
	subtitle        string // plain text, one line
	summary         string // plain text
	author          string // plain text, one line
}

// durationRE matches what podcast apps read as a duration: seconds, or
// [H]H:MM:SS / [M]M:SS, with optional fractional seconds.
var durationRE = regexp.MustCompile(`^[0-9]+(:[0-9]{1,2}){0,2}(\.[0-9]+)?$`)

// newPodcast returns the output form of p, nil when p is nil or nothing
// in it survives.
func newPodcast(p *feeds.Podcast) *podcast {
	if p == nil {
		return nil
	}
	out := podcast{
		explicit:    explicitValue(p.Explicit),
		episode:     positive(p.Episode),
		season:      positive(p.Season),
		episodeType: strings.ToLower(line(p.EpisodeType)),
		image:       absURL(p.Image),
		subtitle:    line(p.Subtitle),
		summary:     strings.TrimSpace(text(p.Summary)),
		author:      line(p.Author),
	}
	if d := line(p.Duration); durationRE.MatchString(d) {
		out.duration = d
	}
	switch out.episodeType {
	case "full", "trailer", "bonus":
	default:
		out.episodeType = ""
	}
	if out == (podcast{}) {
		return nil
	}
	return &out
}

// explicitValue maps the explicit flags podcasts use to the "true" and
// "false" Apple's spec asks for today; anything else is "".
func explicitValue(s string) string {
	switch strings.ToLower(line(s)) {
	case "true", "yes", "explicit":
		return "true"
	case "false", "no", "clean":
		return "false"
	}
	return ""
}

// positive parses a positive decimal integer, 0 for anything else.
func positive(s string) int {
	n, err := strconv.Atoi(line(s))
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// rssITunes holds an RSS item's iTunes elements; zero values are left out.
type rssITunes struct {
	ITunesDuration    string          `xml:"itunes:duration,omitempty"`
	ITunesExplicit    string          `xml:"itunes:explicit,omitempty"`
	ITunesEpisode     int             `xml:"itunes:episode,omitempty"`
	ITunesSeason      int             `xml:"itunes:season,omitempty"`
	ITunesEpisodeType string          `xml:"itunes:episodeType,omitempty"`
	ITunesImage       *rssITunesImage `xml:"itunes:image"`
	ITunesSubtitle    string          `xml:"itunes:subtitle,omitempty"`
	ITunesSummary     string          `xml:"itunes:summary,omitempty"`
	ITunesAuthor      string          `xml:"itunes:author,omitempty"`
}

type rssITunesImage struct {
	Href string `xml:"href,attr"`
}

func newRSSITunes(p *podcast) rssITunes {
	if p == nil {
		return rssITunes{}
	}
	r := rssITunes{
		ITunesDuration:    p.duration,
		ITunesExplicit:    p.explicit,
		ITunesEpisode:     p.episode,
		ITunesSeason:      p.season,
		ITunesEpisodeType: p.episodeType,
		ITunesSubtitle:    p.subtitle,
		ITunesSummary:     p.summary,
		ITunesAuthor:      p.author,
	}
	if p.image != "" {
		r.ITunesImage = &rssITunesImage{Href: p.image}
	}
	return r
}

// jsonPodcast is the "podcast" object of an item's "_tidyfeed" extension:
// the iTunes fields, with explicit as a boolean.
type jsonPodcast struct {
	Duration    string `json:"duration,omitempty"`
	Explicit    *bool  `json:"explicit,omitempty"`
	Episode     int    `json:"episode,omitempty"`
	Season      int    `json:"season,omitempty"`
	EpisodeType string `json:"episode_type,omitempty"`
	Image       string `json:"image,omitempty"`
	Subtitle    string `json:"subtitle,omitempty"`
	Summary     string `json:"summary,omitempty"`
	Author      string `json:"author,omitempty"`
}

func newJSONPodcast(p *podcast) *jsonPodcast {
	if p == nil {
		return nil
	}
	j := &jsonPodcast{
		Duration:    p.duration,
		Episode:     p.episode,
		Season:      p.season,
		EpisodeType: p.episodeType,
		Image:       p.image,
		Subtitle:    p.subtitle,
		Summary:     p.summary,
		Author:      p.author,
	}
	if p.explicit != "" {
		b := p.explicit == "true"
		j.Explicit = &b
	}
	return j
}
