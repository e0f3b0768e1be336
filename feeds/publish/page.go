package publish

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"
	"time"
)

// pageKind is the docKey.kind of an output's HTML page.
const pageKind Format = "html"

// Names of the static assets, served at the root and written to Dir.
const (
	xslName = "tidyfeed.xsl"
	cssName = "tidyfeed.css"
)

//go:embed assets/tidyfeed.xsl
var xslAsset []byte

//go:embed assets/tidyfeed.css
var cssAsset []byte

//go:embed assets/page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// PageItems is the most entries an HTML page shows.
const PageItems = 50

// PageCSP is the Content-Security-Policy of the HTML pages: no script at
// all, styles only from tidyfeed's own stylesheet, images and media from
// anywhere (entries show them), no frames, forms or plugins.
const PageCSP = "default-src 'none'; style-src 'self'; img-src http: https: data:; media-src http: https:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type pageData struct {
	Title, Description, Generator string
	Root                          string // relative path to the site root, "" or "../"
	Atom, RSS, JSON               string // the output's feeds, relative
	Outputs                       []pageOutput
	Items                         []pageItem
}

type pageOutput struct {
	Title, Href string
	Current     bool
}

type pageItem struct {
	ID, Title, Link, Source, SourceLink, Authors string
	Date, DateISO                                string
	Body                                         template.HTML
	Tags                                         []string
	Enclosures                                   []pageEnclosure
}

type pageEnclosure struct {
	URL, Type string
	Length    int64
}

// pageData gathers what the page of out shows besides its entries. The
// caller holds renderMu, not mu.
func (p *Publisher) pageData(out *output, opts Options) pageData {
	root := ""
	if out.name != DefaultOutput {
		root = "../"
	}
	d := pageData{Root: root, Generator: opts.Generator}
	d.Atom = root + docPath(out.name, Atom, current, 0)
	d.RSS = root + docPath(out.name, RSS, current, 0)
	d.JSON = root + docPath(out.name, JSON, current, 0)
	p.mu.RLock()
	outs := p.outs
	p.mu.RUnlock()
	for _, name := range sortedNames(outs) {
		o := outs[name]
		href := root + docPath(name, pageKind, current, 0)
		if href == "" {
			href = "./"
		}
		d.Outputs = append(d.Outputs, pageOutput{Title: o.title, Href: href, Current: name == out.name})
	}
	return d
}

// renderPage renders the HTML page of a prepared channel.
func renderPage(ch *channel, d pageData) ([]byte, error) {
	d.Title, d.Description = ch.title, ch.description
	for i := range ch.items {
		if i == PageItems {
			break
		}
		it := &ch.items[i]
		pi := pageItem{
			ID:     strings.TrimPrefix(it.id, "urn:tidyfeed:"),
			Title:  it.title,
			Link:   it.link,
			Source: it.src.name,
			// The content is clean, safe HTML from package clean; the
			// page's CSP forbids script even if it were not.
			Body:       template.HTML(it.content),
			SourceLink: it.src.siteURL,
			Tags:       it.categories,
		}
		if pi.Title == "" {
			pi.Title = "(untitled)"
		}
		var names []string
		for _, a := range it.authors {
			names = append(names, a.Name)
		}
		pi.Authors = strings.Join(names, ", ")
		t := cmpTime(it.published, it.updated)
		pi.Date, pi.DateISO = t.Format("2 January 2006, 15:04 MST"), t.Format(time.RFC3339)
		for _, e := range it.enclosures {
			pi.Enclosures = append(pi.Enclosures, pageEnclosure{URL: e.URL, Type: e.Type, Length: e.Length})
		}
		d.Items = append(d.Items, pi)
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("render html page: %w", err)
	}
	return buf.Bytes(), nil
}
