package publish

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"time"

	gorilla "github.com/gorilla/feeds"
)

// atomFeed is gorilla's AtomFeed with several links (self and alternate)
// and a generator; gorilla has room for one link only.
type atomFeed struct {
	gorilla.AtomFeed
	FHNS      string             `xml:"xmlns:fh,attr,omitempty"`
	Archive   *struct{}          `xml:"fh:archive"`
	Links     []gorilla.AtomLink `xml:"link"`
	Generator *atomGenerator     `xml:"generator,omitempty"`
	Entries   []*atomEntry       `xml:"entry"`
}

type atomGenerator struct {
	Name string `xml:",chardata"`
}

// atomEntry is gorilla's AtomEntry with what it lacks: several authors,
// categories with a term attribute, and a <source> element rather than a
// string.
type atomEntry struct {
	gorilla.AtomEntry
	Links      []atomLink            `xml:"link"`
	Authors    []*gorilla.AtomAuthor `xml:"author"`
	Categories []atomCategory        `xml:"category"`
	Source     *atomSource           `xml:"source"`
}

// atomLink is gorilla's AtomLink with a title, which names the feed of a
// rel="via" link to another copy of a merged story.
type atomLink struct {
	Href   string `xml:"href,attr"`
	Rel    string `xml:"rel,attr,omitempty"`
	Type   string `xml:"type,attr,omitempty"`
	Length string `xml:"length,attr,omitempty"`
	Title  string `xml:"title,attr,omitempty"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// atomSource is RFC 4287's atom:source: the metadata of the entry's origin feed.
type atomSource struct {
	ID      string             `xml:"id,omitempty"`
	Title   string             `xml:"title,omitempty"`
	Links   []gorilla.AtomLink `xml:"link"`
	Updated string             `xml:"updated,omitempty"`
}

const (
	atomNS = "http://www.w3.org/2005/Atom"
	fhNS   = "http://purl.org/syndication/history/1.0" // RFC 5005
)

// docLink is a feed-level link shared by the Atom and RSS mappings.
type docLink struct{ href, rel, typ string }

// historyLinks are the RFC 5005 and WebSub links of a document in format
// f: rel="current" on an archive page, rel="prev-archive" and
// rel="next-archive" to its neighbours, and rel="hub".
func historyLinks(ch *channel, f Format) []docLink {
	typ := map[Format]string{Atom: "application/atom+xml", RSS: "application/rss+xml"}[f]
	var ls []docLink
	if ch.archive {
		ls = append(ls, docLink{ch.current(f), "current", typ})
	}
	if u := ch.prev(f); u != "" {
		ls = append(ls, docLink{u, "prev-archive", typ})
	}
	if u := ch.next(f); u != "" {
		ls = append(ls, docLink{u, "next-archive", typ})
	}
	if ch.hub != "" && !ch.archive {
		ls = append(ls, docLink{ch.hub, "hub", ""})
	}
	return ls
}

// writeStylesheet writes the processing instruction that makes a browser
// show an XML feed as a styled page.
func writeStylesheet(buf *bytes.Buffer, ch *channel) {
	if ch.xsl == "" {
		return
	}
	buf.WriteString(`<?xml-stylesheet type="text/xsl" href="`)
	xml.EscapeText(buf, []byte(ch.xsl))
	buf.WriteString("\"?>\n")
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func renderAtom(ch *channel) ([]byte, error) {
	doc := &atomFeed{
		AtomFeed: gorilla.AtomFeed{
			Xmlns:   atomNS,
			Title:   ch.title,
			Id:      ch.current(Atom), // archive pages belong to the same logical feed
			Updated: atomTime(ch.updated),
			// A feed-level author keeps RFC 4287's author rule true even
			// if an entry somehow had none.
			Author: &gorilla.AtomAuthor{AtomPerson: gorilla.AtomPerson{Name: ch.title}},
		},
		Links: []gorilla.AtomLink{
			{Href: ch.self(Atom), Rel: "self", Type: "application/atom+xml"},
			{Href: ch.page, Rel: "alternate", Type: "text/html"},
		},
		Generator: &atomGenerator{Name: ch.generator},
		Entries:   make([]*atomEntry, 0, len(ch.items)),
	}
	for _, l := range historyLinks(ch, Atom) {
		doc.Links = append(doc.Links, gorilla.AtomLink{Href: l.href, Rel: l.rel, Type: l.typ})
	}
	if ch.archive {
		doc.FHNS, doc.Archive = fhNS, &struct{}{}
	}
	for i := range ch.items {
		doc.Entries = append(doc.Entries, newAtomEntry(&ch.items[i]))
	}
	return encodeXML(doc, ch, "atom")
}

func newAtomEntry(it *item) *atomEntry {
	e := &atomEntry{
		AtomEntry: gorilla.AtomEntry{
			Title:   it.title,
			Updated: atomTime(it.updated),
			Id:      it.id,
			Content: &gorilla.AtomContent{Type: "html", Content: it.content},
		},
	}
	if !it.published.IsZero() {
		e.Published = atomTime(it.published)
	}
	if it.summary != "" {
		e.Summary = &gorilla.AtomSummary{Type: "text", Content: it.summary}
	}
	if it.link != "" {
		e.Links = append(e.Links, atomLink{Href: it.link, Rel: "alternate", Type: "text/html"})
	}
	// Every other feed that carried the story: rel="via" to its copy, or
	// rel="related" to the feed's site when the copy has no link.
	for _, a := range it.also {
		switch {
		case a.link != "":
			e.Links = append(e.Links, atomLink{Href: a.link, Rel: "via", Type: "text/html", Title: a.src.name})
		case a.src.siteURL != "":
			e.Links = append(e.Links, atomLink{Href: a.src.siteURL, Rel: "related", Type: "text/html", Title: a.src.name})
		case a.src.feedURL != "":
			e.Links = append(e.Links, atomLink{Href: a.src.feedURL, Rel: "related", Title: a.src.name})
		}
	}
	for _, enc := range it.enclosures {
		l := atomLink{Href: enc.URL, Rel: "enclosure", Type: enc.Type}
		if enc.Length > 0 {
			l.Length = strconv.FormatInt(enc.Length, 10)
		}
		e.Links = append(e.Links, l)
	}
	for _, a := range it.authors {
		e.Authors = append(e.Authors, &gorilla.AtomAuthor{AtomPerson: gorilla.AtomPerson{Name: a.Name, Email: a.Email, Uri: a.URI}})
	}
	if len(e.Authors) == 0 { // RFC 4287: every entry has an author, here or in <source>
		e.Authors = []*gorilla.AtomAuthor{{AtomPerson: gorilla.AtomPerson{Name: it.src.name}}}
	}
	for _, c := range it.categories {
		e.Categories = append(e.Categories, atomCategory{Term: c})
	}
	s := &atomSource{ID: it.src.id, Title: it.src.name, Updated: atomTime(it.src.updated)}
	if it.src.siteURL != "" {
		s.Links = append(s.Links, gorilla.AtomLink{Href: it.src.siteURL, Rel: "alternate", Type: "text/html"})
	}
	if it.src.feedURL != "" {
		s.Links = append(s.Links, gorilla.AtomLink{Href: it.src.feedURL, Rel: "self"})
	}
	e.Source = s
	return e
}

// encodeXML writes an Atom or RSS document: the XML declaration, the
// stylesheet instruction browsers use, and the indented document.
func encodeXML(doc any, ch *channel, format string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	writeStylesheet(&buf, ch)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode %s: %w", format, err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
