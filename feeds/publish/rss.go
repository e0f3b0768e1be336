package publish

import (
	"cmp"
	"html"
	"strconv"
	"strings"
	"time"

	gorilla "github.com/gorilla/feeds"
)

// rssDoc is gorilla's RssFeedXml with the atom, dc and itunes namespaces
// declared.
type rssDoc struct {
	gorilla.RssFeedXml
	AtomNS  string      `xml:"xmlns:atom,attr"`
	DCNS    string      `xml:"xmlns:dc,attr"`
	FHNS    string      `xml:"xmlns:fh,attr,omitempty"`
	Channel *rssChannel `xml:"channel"`

	// ITunesNS is always declared: podcast apps look for it on the root.
	ITunesNS string `xml:"xmlns:itunes,attr"`
}

// rssChannel is gorilla's RssFeed with an <atom:link rel="self">.
type rssChannel struct {
	gorilla.RssFeed
	AtomLinks []rssAtomLink `xml:"atom:link"`
	Archive   *struct{}     `xml:"fh:archive"`
	Items     []*rssItem    `xml:"item"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// rssItem is gorilla's RssItem with optional title and link (gorilla
// always writes them, empty or not), several categories, dc:creator for
// author names without an email, <source url="..."> and the iTunes
// podcast elements.
type rssItem struct {
	Title string `xml:"title,omitempty"`
	Link  string `xml:"link,omitempty"`
	gorilla.RssItem
	Creators   []string   `xml:"dc:creator"`
	Categories []string   `xml:"category"`
	Source     *rssSource `xml:"source"`
	rssITunes
}

type rssSource struct {
	URL  string `xml:"url,attr"`
	Name string `xml:",chardata"`
}

const (
	contentNS = "http://purl.org/rss/1.0/modules/content/"
	dcNS      = "http://purl.org/dc/elements/1.1/"
)

// rssTime formats t as RFC 1123 with a numeric zone, in UTC: "+0000", never
// "UTC", which RFC 822 does not know.
func rssTime(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

func renderRSS(ch *channel) ([]byte, error) {
	doc := &rssDoc{
		RssFeedXml: gorilla.RssFeedXml{Version: "2.0", ContentNamespace: contentNS},
		AtomNS:     atomNS,
		DCNS:       dcNS,
		ITunesNS:   itunesNS,
		Channel: &rssChannel{
			RssFeed: gorilla.RssFeed{
				Title:         ch.title,
				Link:          ch.page,
				Description:   ch.description,
				LastBuildDate: rssTime(ch.updated),
				Generator:     ch.generator,
				Docs:          "https://www.rssboard.org/rss-specification",
			},
			AtomLinks: []rssAtomLink{{Href: ch.self(RSS), Rel: "self", Type: "application/rss+xml"}},
			Items:     make([]*rssItem, 0, len(ch.items)),
		},
	}
	for _, l := range historyLinks(ch, RSS) {
		doc.Channel.AtomLinks = append(doc.Channel.AtomLinks, rssAtomLink{Href: l.href, Rel: l.rel, Type: l.typ})
	}
	if ch.archive {
		doc.FHNS, doc.Channel.Archive = fhNS, &struct{}{}
	}
	for i := range ch.items {
		doc.Channel.Items = append(doc.Channel.Items, newRSSItem(&ch.items[i]))
	}
	return encodeXML(doc, ch, "rss")
}

func newRSSItem(it *item) *rssItem {
	desc := it.content
	if it.summary != "" {
		desc = html.EscapeString(it.summary) // description is HTML; the summary is plain text
	}
	footer := alsoFooter(it)
	desc += footer
	r := &rssItem{
		Title: it.title,
		Link:  it.link,
		RssItem: gorilla.RssItem{
			Description: desc,
			Content:     &gorilla.RssContent{Content: it.content + footer},
			Guid:        &gorilla.RssGuid{Id: it.id, IsPermaLink: "false"},
			PubDate:     rssTime(cmpTime(it.published, it.updated)),
		},
		Categories: it.categories,
		Source:     nil,
		rssITunes:  newRSSITunes(it.podcast),
	}
	for _, a := range it.authors {
		// <author> must be an email address; names go to dc:creator.
		if a.Email != "" && r.Author == "" {
			r.Author = a.Email
			if a.Name != a.Email {
				r.Author += " (" + a.Name + ")"
			}
		}
		r.Creators = append(r.Creators, a.Name)
	}
	if len(r.Creators) == 0 {
		r.Creators = []string{it.src.name}
	}
	if len(it.enclosures) > 0 {
		enc := it.enclosures[0] // RSS 2.0 allows one enclosure per item
		r.Enclosure = &gorilla.RssEnclosure{Url: enc.URL, Type: enc.Type, Length: strconv.FormatInt(enc.Length, 10)}
	}
	if it.src.feedURL != "" {
		r.Source = &rssSource{URL: it.src.feedURL, Name: it.src.name}
	}
	return r
}

// alsoFooter is the HTML paragraph that lists the other feeds that carried
// a merged story ("" for a story from one feed): RSS 2.0 has room for one
// <source> only.
func alsoFooter(it *item) string {
	if len(it.also) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<p class="tidyfeed-sources">Also in: `)
	for i, a := range it.also {
		if i > 0 {
			b.WriteString(", ")
		}
		name := html.EscapeString(a.src.name)
		href := cmp.Or(a.link, a.src.siteURL, a.src.feedURL)
		if href == "" {
			b.WriteString(name)
			continue
		}
		b.WriteString(`<a href="` + html.EscapeString(href) + `">` + name + `</a>`)
	}
	b.WriteString("</p>")
	return b.String()
}
