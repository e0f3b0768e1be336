package publish

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// view is what the conformance checks need from any of the three formats,
// read back from the rendered bytes with encoding/xml or encoding/json.
type view struct {
	self    string   // the document's rel=self link
	home    string   // the document's home page link
	links   []string // every URL the document links to
	dates   []string // every date, as written
	entries []viewEntry
}

type viewEntry struct {
	id, title, link, content string
	categories               []string
	enclosures               []viewEnclosure
	authors                  []string
	sourceName, sourceURL    string
	podcast                  map[string]string // iTunes fields by RSS element name; nil in Atom
}

type viewEnclosure struct{ url, typ, length string }

// reader turns a rendered body into a view, or fails if it is not
// well-formed. dateLayout is the format's date layout.
type reader struct {
	read       func(body []byte) (*view, error)
	dateLayout string
}

var readers = map[Format]reader{
	Atom: {readAtom, time.RFC3339},
	RSS:  {readRSS, time.RFC1123Z},
	JSON: {readJSON, time.RFC3339},
}

type xLink struct {
	XMLName xml.Name
	Href    string `xml:"href,attr"`
	Rel     string `xml:"rel,attr"`
	Type    string `xml:"type,attr"`
	Length  string `xml:"length,attr"`
	Text    string `xml:",chardata"`
}

// wellFormed walks every token with a strict decoder.
func wellFormed(body []byte) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not well-formed XML: %w", err)
		}
	}
}

func readAtom(body []byte) (*view, error) {
	if err := wellFormed(body); err != nil {
		return nil, err
	}
	var doc struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Links   []xLink  `xml:"link"`
		Updated string   `xml:"updated"`
		Entries []struct {
			ID         string  `xml:"id"`
			Title      string  `xml:"title"`
			Updated    string  `xml:"updated"`
			Published  string  `xml:"published"`
			Content    string  `xml:"content"`
			Links      []xLink `xml:"link"`
			Categories []struct {
				Term string `xml:"term,attr"`
			} `xml:"category"`
			Authors []struct {
				Name string `xml:"name"`
			} `xml:"author"`
			Source struct {
				Title   string  `xml:"title"`
				Updated string  `xml:"updated"`
				Links   []xLink `xml:"link"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	v := &view{dates: []string{doc.Updated}}
	for _, l := range doc.Links {
		v.links = append(v.links, l.Href)
		switch l.Rel {
		case "self":
			v.self = l.Href
		case "alternate":
			v.home = l.Href
		}
	}
	for _, e := range doc.Entries {
		ve := viewEntry{id: e.ID, title: e.Title, content: e.Content, sourceName: e.Source.Title}
		v.dates = append(v.dates, e.Updated, e.Source.Updated)
		if e.Published != "" {
			v.dates = append(v.dates, e.Published)
		}
		for _, l := range e.Links {
			v.links = append(v.links, l.Href)
			switch l.Rel {
			case "alternate":
				ve.link = l.Href
			case "enclosure":
				ve.enclosures = append(ve.enclosures, viewEnclosure{l.Href, l.Type, l.Length})
			}
		}
		for _, l := range e.Source.Links {
			v.links = append(v.links, l.Href)
			if l.Rel == "self" {
				ve.sourceURL = l.Href
			}
		}
		for _, c := range e.Categories {
			ve.categories = append(ve.categories, c.Term)
		}
		for _, a := range e.Authors {
			ve.authors = append(ve.authors, a.Name)
		}
		v.entries = append(v.entries, ve)
	}
	return v, nil
}

func readRSS(body []byte) (*view, error) {
	if err := wellFormed(body); err != nil {
		return nil, err
	}
	var doc struct {
		XMLName xml.Name `xml:"rss"`
		Version string   `xml:"version,attr"`
		Channel struct {
			Links         []xLink `xml:"link"` // <link> and <atom:link>
			LastBuildDate string  `xml:"lastBuildDate"`
			Items         []struct {
				Title      string   `xml:"title"`
				Links      []xLink  `xml:"link"`
				Content    string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
				Creators   []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
				Categories []string `xml:"category"`
				PubDate    string   `xml:"pubDate"`
				Guid       struct {
					ID          string `xml:",chardata"`
					IsPermaLink string `xml:"isPermaLink,attr"`
				} `xml:"guid"`
				Enclosures []struct {
					URL    string `xml:"url,attr"`
					Type   string `xml:"type,attr"`
					Length string `xml:"length,attr"`
				} `xml:"enclosure"`
				Source struct {
					URL  string `xml:"url,attr"`
					Name string `xml:",chardata"`
				} `xml:"source"`
				Other []xLink `xml:",any"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	if doc.Version != "2.0" {
		return nil, fmt.Errorf("rss version = %q, want 2.0", doc.Version)
	}
	v := &view{dates: []string{doc.Channel.LastBuildDate}}
	for _, l := range doc.Channel.Links {
		if l.XMLName.Space == atomNS {
			v.links = append(v.links, l.Href)
			if l.Rel == "self" {
				v.self = l.Href
			}
			continue
		}
		v.home = l.Text
		v.links = append(v.links, l.Text)
	}
	for _, it := range doc.Channel.Items {
		if it.Guid.IsPermaLink != "false" {
			return nil, fmt.Errorf("guid %q: isPermaLink = %q, want false", it.Guid.ID, it.Guid.IsPermaLink)
		}
		ve := viewEntry{id: it.Guid.ID, title: it.Title, content: it.Content, categories: it.Categories,
			authors: it.Creators, sourceName: it.Source.Name, sourceURL: it.Source.URL}
		for _, l := range it.Links {
			ve.link = l.Text
			v.links = append(v.links, l.Text)
		}
		for _, e := range it.Enclosures {
			ve.enclosures = append(ve.enclosures, viewEnclosure{e.URL, e.Type, e.Length})
			v.links = append(v.links, e.URL)
		}
		if it.Source.URL != "" {
			v.links = append(v.links, it.Source.URL)
		}
		for _, o := range it.Other {
			if o.XMLName.Space != itunesNS {
				continue
			}
			if ve.podcast == nil {
				ve.podcast = map[string]string{}
			}
			ve.podcast[o.XMLName.Local] = o.Text
			if o.XMLName.Local == "image" {
				ve.podcast["image"] = o.Href
				v.links = append(v.links, o.Href)
			}
		}
		v.dates = append(v.dates, it.PubDate)
		v.entries = append(v.entries, ve)
	}
	return v, nil
}

func readJSON(body []byte) (*view, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	var doc struct {
		Version     string `json:"version"`
		Title       string `json:"title"`
		HomePageURL string `json:"home_page_url"`
		FeedURL     string `json:"feed_url"`
		Description string `json:"description"`
		UserComment string `json:"user_comment"`
		NextURL     string `json:"next_url"`
		Hubs        []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"hubs"`
		Items []struct {
			ID            string   `json:"id"`
			URL           string   `json:"url"`
			Title         string   `json:"title"`
			ContentHTML   *string  `json:"content_html"`
			Summary       string   `json:"summary"`
			Image         string   `json:"image"`
			DatePublished string   `json:"date_published"`
			DateModified  string   `json:"date_modified"`
			Tags          []string `json:"tags"`
			Authors       []struct {
				Name string `json:"name"`
				URL  string `json:"url"`
			} `json:"authors"`
			Attachments []struct {
				URL      string `json:"url"`
				MIMEType string `json:"mime_type"`
				Size     int64  `json:"size_in_bytes"`
			} `json:"attachments"`
			Tidyfeed struct {
				Source struct {
					ID          string `json:"id"`
					Title       string `json:"title"`
					FeedURL     string `json:"feed_url"`
					HomePageURL string `json:"home_page_url"`
				} `json:"source"`
				Podcast *struct {
					Duration    string `json:"duration"`
					Explicit    *bool  `json:"explicit"`
					Episode     int    `json:"episode"`
					Season      int    `json:"season"`
					EpisodeType string `json:"episode_type"`
					Image       string `json:"image"`
					Subtitle    string `json:"subtitle"`
					Summary     string `json:"summary"`
					Author      string `json:"author"`
				} `json:"podcast"`
			} `json:"_tidyfeed"`
		} `json:"items"`
	}
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode json feed: %w", err)
	}
	if doc.Version != jsonFeedVersion {
		return nil, fmt.Errorf("version = %q, want %q", doc.Version, jsonFeedVersion)
	}
	v := &view{self: doc.FeedURL, home: doc.HomePageURL, links: []string{doc.FeedURL, doc.HomePageURL}}
	for _, it := range doc.Items {
		if it.ContentHTML == nil {
			return nil, fmt.Errorf("item %s has no content_html", it.ID)
		}
		src := it.Tidyfeed.Source
		if src.ID == "" {
			return nil, fmt.Errorf("item %s: _tidyfeed.source.id missing", it.ID)
		}
		ve := viewEntry{id: it.ID, title: it.Title, link: it.URL, content: *it.ContentHTML, categories: it.Tags,
			sourceName: src.Title, sourceURL: src.FeedURL}
		for _, a := range it.Authors {
			ve.authors = append(ve.authors, a.Name)
			v.links = append(v.links, a.URL)
		}
		if p := it.Tidyfeed.Podcast; p != nil {
			explicit := ""
			if p.Explicit != nil {
				explicit = strconv.FormatBool(*p.Explicit)
			}
			ve.podcast = podcastView(&podcast{duration: p.Duration, explicit: explicit, episode: p.Episode, season: p.Season,
				episodeType: p.EpisodeType, image: p.Image, subtitle: p.Subtitle, summary: p.Summary, author: p.Author})
			v.links = append(v.links, p.Image)
		}
		for _, a := range it.Attachments {
			if a.MIMEType == "" {
				return nil, fmt.Errorf("item %s: attachment %s has no mime_type", it.ID, a.URL)
			}
			length := ""
			if a.Size > 0 {
				length = strconv.FormatInt(a.Size, 10)
			}
			ve.enclosures = append(ve.enclosures, viewEnclosure{a.URL, a.MIMEType, length})
			v.links = append(v.links, a.URL)
		}
		v.links = append(v.links, it.URL, it.Image, src.FeedURL, src.HomePageURL)
		v.dates = append(v.dates, it.DateModified)
		if it.DatePublished != "" {
			v.dates = append(v.dates, it.DatePublished)
		}
		v.entries = append(v.entries, ve)
	}
	return v, nil
}

// checkChars fails on invalid UTF-8 and on characters that are not
// allowed, raw or in the decoded document: XML character data and
// attribute values after reference expansion, JSON strings after unescaping.
func checkChars(f Format, body []byte) error {
	if !utf8.Valid(body) {
		return errors.New("body is not valid UTF-8")
	}
	for i, r := range string(body) {
		if !allowed(r) {
			return fmt.Errorf("forbidden character %U at byte %d", r, i)
		}
	}
	bad := func(s string) error {
		if !validXML(s) {
			return fmt.Errorf("forbidden character in decoded text %.60q", s)
		}
		return nil
	}
	if f == JSON {
		var doc any
		if err := json.Unmarshal(body, &doc); err != nil {
			return err
		}
		return walkJSON(doc, bad)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.CharData:
			err = bad(string(tok))
		case xml.StartElement:
			for _, a := range tok.Attr {
				if err = bad(a.Value); err != nil {
					break
				}
			}
		}
		if err != nil {
			return err
		}
	}
}

func walkJSON(v any, check func(string) error) error {
	switch v := v.(type) {
	case string:
		return check(v)
	case []any:
		for _, x := range v {
			if err := walkJSON(x, check); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, x := range v {
			if err := check(k); err != nil {
				return err
			}
			if err := walkJSON(x, check); err != nil {
				return err
			}
		}
	}
	return nil
}

func absolute(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// TestConformance runs every format through the same checks, over the same
// entries, the way testing/slogtest checks every slog.Handler.
func TestConformance(t *testing.T) {
	entries := richEntries(12)
	opts := testOptions()
	// Entries of a source that is no longer configured must not appear.
	gone := feeds.Entry{Key: "gone", FeedID: "https://removed.example.com/feed", Title: "removed", Published: baseTime}
	all := append(slices.Clone(entries), gone)

	want := make(map[string]feeds.Entry) // by public id
	for _, e := range entries {
		want[entryID(e.FeedID, cmpOr(e.Key, e.GUID))] = e
	}
	srcByID := make(map[string]SourceInfo)
	for _, s := range opts.Sources {
		srcByID[s.ID] = s
	}

	p1 := New(newFake(all), opts)
	p2 := New(newFake(slices.Clone(all)), opts) // "after a restart"
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			rd := readers[f]
			doc1, err := p1.Render(t.Context(), f)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			doc2, err := p2.Render(t.Context(), f)
			if err != nil {
				t.Fatalf("Render on a second Publisher: %v", err)
			}
			v1, err := rd.read(doc1.Body)
			if err != nil {
				t.Fatalf("re-parse: %v", err)
			}
			v2, err := rd.read(doc2.Body)
			if err != nil {
				t.Fatalf("re-parse second render: %v", err)
			}

			t.Run("stable ids", func(t *testing.T) {
				ids1, ids2 := entryIDs(v1), entryIDs(v2)
				if !slices.Equal(ids1, ids2) {
					t.Errorf("ids differ between two Publishers over the same data:\n%v\n%v", ids1, ids2)
				}
				if !bytes.Equal(doc1.Body, doc2.Body) || doc1.ETag != doc2.ETag {
					t.Errorf("bodies or ETags differ between two Publishers over the same data (%s vs %s)", doc1.ETag, doc2.ETag)
				}
				seen := map[string]bool{}
				for _, id := range ids1 {
					u, err := url.Parse(id)
					if err != nil || !u.IsAbs() {
						t.Errorf("id %q is not an absolute IRI", id)
					}
					if seen[id] {
						t.Errorf("duplicate id %q", id)
					}
					seen[id] = true
				}
			})
			t.Run("entries", func(t *testing.T) {
				if got, want := len(v1.entries), len(entries); got != want {
					t.Fatalf("got %d entries, want %d (the removed source's entry must not appear)", got, want)
				}
				for _, ve := range v1.entries {
					e, ok := want[ve.id]
					if !ok {
						t.Errorf("entry %q (%q) is not one of the input entries", ve.id, ve.title)
						continue
					}
					if wantTitle := line(e.Title); ve.title != wantTitle {
						t.Errorf("entry %s: title = %q, want %q", ve.id, ve.title, wantTitle)
					}
					if wantLink := absURL(e.Link); ve.link != wantLink {
						t.Errorf("entry %s: link = %q, want %q", ve.id, ve.link, wantLink)
					}
					if c := text(e.Content); c != "" && ve.content != c {
						t.Errorf("entry %s: content differs from the input:\ngot  %.80q\nwant %.80q", ve.id, ve.content, c)
					}
					if strings.TrimSpace(ve.content) == "" {
						t.Errorf("entry %s: empty content", ve.id)
					}
					if len(ve.authors) == 0 || slices.Contains(ve.authors, "") {
						t.Errorf("entry %s: authors = %q, want at least one named author", ve.id, ve.authors)
					}
				}
			})
			t.Run("rel=self", func(t *testing.T) {
				if want := opts.Link + "feed." + string(f); v1.self != want {
					t.Errorf("rel=self = %q, want %q", v1.self, want)
				}
				if v1.home != opts.Link {
					t.Errorf("home page link = %q, want %q", v1.home, opts.Link)
				}
			})
			t.Run("enclosures kept", func(t *testing.T) {
				n := 0
				for _, ve := range v1.entries {
					var in []feeds.Enclosure
					for _, enc := range want[ve.id].Enclosures {
						if absolute(enc.URL) {
							in = append(in, enc)
						}
					}
					if f == RSS && len(in) > 1 {
						in = in[:1] // RSS 2.0 carries one enclosure per item
					}
					if len(ve.enclosures) != len(in) {
						t.Errorf("entry %s: %d enclosures, want %d", ve.id, len(ve.enclosures), len(in))
						continue
					}
					for i, enc := range ve.enclosures {
						n++
						if enc.url != in[i].URL {
							t.Errorf("entry %s: enclosure url = %q, want %q", ve.id, enc.url, in[i].URL)
						}
						if enc.typ == "" || strings.ContainsAny(enc.typ, " !") {
							t.Errorf("entry %s: enclosure type = %q, want a media type", ve.id, enc.typ)
						}
						wantLen := ""
						if in[i].Length > 0 {
							wantLen = strconv.FormatInt(in[i].Length, 10)
						} else if f == RSS {
							wantLen = "0" // RSS requires the attribute
						}
						if enc.length != wantLen {
							t.Errorf("entry %s: enclosure length = %q, want %q", ve.id, enc.length, wantLen)
						}
					}
				}
				if n == 0 {
					t.Error("no enclosures in the output at all")
				}
			})
			t.Run("podcast fields", func(t *testing.T) {
				if f == Atom {
					t.Skip("Atom carries no iTunes fields")
				}
				n := 0
				for _, ve := range v1.entries {
					wantP := podcastView(newPodcast(want[ve.id].Podcast))
					if !maps.Equal(ve.podcast, wantP) {
						t.Errorf("entry %s: podcast fields = %q, want %q", ve.id, ve.podcast, wantP)
					}
					n += len(ve.podcast)
				}
				if n == 0 {
					t.Error("no podcast fields in the output at all")
				}
			})
			t.Run("categories with term", func(t *testing.T) {
				n := 0
				for _, ve := range v1.entries {
					var wantCats []string
					for _, c := range want[ve.id].Categories {
						if c = line(c); c != "" && !slices.Contains(wantCats, c) {
							wantCats = append(wantCats, c)
						}
					}
					if !slices.Equal(ve.categories, wantCats) {
						t.Errorf("entry %s: categories = %q, want %q", ve.id, ve.categories, wantCats)
					}
					n += len(ve.categories)
				}
				if n == 0 {
					t.Error("no categories in the output at all")
				}
			})
			t.Run("links absolute", func(t *testing.T) {
				for _, l := range v1.links {
					if l != "" && !absolute(l) {
						t.Errorf("link %q is not an absolute http(s) URL", l)
					}
				}
				if len(v1.links) < len(v1.entries) {
					t.Errorf("only %d links found; the reader is missing some", len(v1.links))
				}
			})
			t.Run("source attribution", func(t *testing.T) {
				for _, ve := range v1.entries {
					src := srcByID[want[ve.id].FeedID]
					wantName := cmpOr(src.Name, src.FeedURL, "unnamed feed") // never a local path
					if f == RSS && src.FeedURL == "" {
						wantName = "" // RSS <source> needs a url; a local file has none
					}
					if ve.sourceName != wantName {
						t.Errorf("entry %s: source name = %q, want %q", ve.id, ve.sourceName, wantName)
					}
					if ve.sourceURL != src.FeedURL {
						t.Errorf("entry %s: source feed URL = %q, want %q", ve.id, ve.sourceURL, src.FeedURL)
					}
				}
			})
			t.Run("dates", func(t *testing.T) {
				for _, d := range v1.dates {
					tm, err := time.Parse(rd.dateLayout, d)
					if err != nil {
						t.Errorf("date %q: %v", d, err)
						continue
					}
					if strings.Contains(d, "UTC") || tm.Year() < 2000 || tm.Year() > 2100 {
						t.Errorf("date %q is not a sane %s date", d, f)
					}
				}
			})
			t.Run("no control characters", func(t *testing.T) {
				if err := checkChars(f, doc1.Body); err != nil {
					t.Error(err)
				}
			})
		})
	}
}

func entryIDs(v *view) []string {
	ids := make([]string, len(v.entries))
	for i, e := range v.entries {
		ids[i] = e.id
	}
	return ids
}

func cmpOr(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// podcastView lists p's fields by RSS element name, leaving out absent
// ones; nil for nil.
func podcastView(p *podcast) map[string]string {
	if p == nil {
		return nil
	}
	m := map[string]string{}
	for k, v := range map[string]string{"duration": p.duration, "explicit": p.explicit, "episodeType": p.episodeType,
		"image": p.image, "subtitle": p.subtitle, "summary": p.summary, "author": p.author} {
		if v != "" {
			m[k] = v
		}
	}
	if p.episode > 0 {
		m["episode"] = strconv.Itoa(p.episode)
	}
	if p.season > 0 {
		m["season"] = strconv.Itoa(p.season)
	}
	return m
}
