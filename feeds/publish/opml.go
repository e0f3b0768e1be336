package publish

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// opmlName is the OPML list's path under Options.Link.
const opmlName = "sources.opml"

type opmlDoc struct {
	XMLName xml.Name      `xml:"opml"`
	Version string        `xml:"version,attr"`
	Title   string        `xml:"head>title"`
	Body    []opmlOutline `xml:"body>outline"`
}

type opmlOutline struct {
	Type     string `xml:"type,attr"`
	Text     string `xml:"text,attr"`
	Title    string `xml:"title,attr,omitempty"`
	XMLURL   string `xml:"xmlUrl,attr"`
	HTMLURL  string `xml:"htmlUrl,attr,omitempty"`
	Category string `xml:"category,attr,omitempty"`
}

// OPML returns an OPML 2.0 subscription list of sources, titled title,
// in the given order. Sources without a feed URL (local files) are left
// out, since a reader could not subscribe to them; tags become the
// category attribute.
func OPML(title string, sources []SourceInfo) []byte {
	doc := opmlDoc{Version: "2.0", Title: line(title) + " sources"}
	for _, s := range sources {
		u := absURL(s.FeedURL)
		if u == "" {
			continue
		}
		name := line(s.Name)
		if name == "" {
			name = u
		}
		var tags []string
		for _, t := range s.Tags {
			if t = line(t); t != "" {
				tags = append(tags, strings.ReplaceAll(t, ",", " "))
			}
		}
		doc.Body = append(doc.Body, opmlOutline{Type: "rss", Text: name, Title: name, XMLURL: u,
			HTMLURL: absURL(s.SiteURL), Category: strings.Join(tags, ",")})
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	enc.Encode(doc) // a bytes.Buffer does not fail, and the values are plain strings
	buf.WriteByte('\n')
	return buf.Bytes()
}
