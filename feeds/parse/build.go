package parse

import (
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/tidyfeed/tidyfeed/feeds"
)

// builder maps one parsed document onto the feeds vocabulary.
type builder struct {
	gf      *gofeed.Feed
	c       *capture
	docBase *url.URL  // the URL the document came from; nil if unknown
	bases   *xmlBases // xml:base values in scope, nil when the body has none
	max     int

	feedBase *url.URL // the feed's own link, else docBase
}

func (b *builder) format() string {
	switch {
	case b.c.rss != nil:
		return "rss"
	case b.c.atom != nil:
		return "atom"
	case b.c.json != nil:
		return "json"
	}
	return b.gf.FeedType
}

// feed builds the metadata and sets feedBase for entries.
func (b *builder) feed() feeds.Feed {
	root := b.docBase
	if b.bases != nil && b.bases.feed != "" {
		root = resolveBase(b.docBase, b.bases.feed)
	}
	link := b.gf.Link
	if b.c.atom != nil {
		if l := atomLink(b.c.atom.Links); l != "" {
			link = l
		}
	}
	if link == "" && len(b.gf.Links) > 0 {
		link = b.gf.Links[0]
	}
	f := feeds.Feed{
		Title:       plainText(cutTitle(b.gf.Title)),
		Link:        resolve(root, link),
		Description: plainText(b.gf.Description),
		Language:    strings.TrimSpace(b.gf.Language),
		Format:      b.format(),
		Version:     b.gf.FeedVersion,
		Hints:       b.c.hints,
	}
	b.feedBase = root
	if u, err := url.Parse(f.Link); err == nil && f.Link != "" && u.IsAbs() {
		b.feedBase = u
	}
	if b.gf.Image != nil {
		f.Image = resolve(b.feedBase, b.gf.Image.URL)
	}
	return f
}

// entries builds the entries; feed must have run first.
func (b *builder) entries() []feeds.Entry {
	items := b.gf.Items
	if b.max > 0 && len(items) > b.max {
		items = items[:b.max]
	}
	out := make([]feeds.Entry, 0, len(items))
	for i, it := range items {
		if it == nil {
			continue
		}
		out = append(out, b.entry(i, it))
	}
	return out
}

// rssBody returns the full body some RSS dialects carry in elements outside
// gofeed's model: <xhtml:body>, <body> and <fullitem>.
func rssBody(it *gofeed.Item) string {
	if ext := it.Extensions["xhtml"]["body"]; len(ext) > 0 {
		if body := xhtmlInner(ext[0]); body != "" {
			return body
		}
	}
	for _, name := range []string{"body", "fullitem"} {
		if s := strings.TrimSpace(it.Custom[name]); s != "" {
			return s
		}
	}
	return ""
}

// xhtmlInner serialises an extension element's content back to markup:
// its text, then its children. gofeed's extension model does not keep the
// order of mixed text and elements, so this is a best effort.
func xhtmlInner(e ext.Extension) string {
	var b strings.Builder
	b.WriteString(html.EscapeString(e.Value))
	for _, children := range e.Children {
		for _, c := range children {
			b.WriteString("<" + c.Name + ">" + xhtmlInner(c) + "</" + c.Name + ">")
		}
	}
	return b.String()
}

func (b *builder) entry(i int, it *gofeed.Item) feeds.Entry {
	e := feeds.Entry{
		GUID:       strings.TrimSpace(it.GUID),
		Categories: categories(it.Categories),
		Raw: feeds.Raw{
			Title:   cutTitle(it.Title),
			Content: it.Content,
			Summary: it.Description,
		},
	}
	link := it.Link
	switch {
	case b.c.atom != nil && i < len(b.c.atom.Entries):
		b.atomEntry(&e, b.c.atom.Entries[i], &link)
	case b.c.json != nil && i < len(b.c.json.Items):
		b.jsonEntry(&e, i)
	case b.c.rss != nil && i < len(b.c.rss.Items):
		if link == "" {
			link = rssPermalink(b.c.rss.Items[i])
		}
		if e.Raw.Content == "" {
			e.Raw.Content = rssBody(it)
		}
	}
	if link == "" && len(it.Links) > 0 {
		link = it.Links[0]
	}
	e.Raw.Link = resolve(b.feedBase, link)
	e.Link = e.Raw.Link
	if b.c.rss != nil {
		e.Authors = persons(it.Authors)
	}
	e.Enclosures = b.enclosures(it)
	e.Image = b.image(it)
	e.Podcast = b.podcast(it.ITunesExt)
	e.Published, e.Updated = dates(it.PublishedParsed, it.UpdatedParsed)
	e.Raw.Base = b.rawBase(i, e.Raw.Link)
	return e
}

// rawBase is the base for the entry's content: the xml:base chain of its
// content (or summary) element, else its link, else the feed's base.
func (b *builder) rawBase(i int, link string) string {
	if b.bases != nil && len(b.bases.entries) == len(b.gf.Items) {
		if s := b.bases.entries[i]; s != "" {
			u := resolveBase(b.docBase, s)
			if rel, err := url.Parse(s); err == nil && !rel.IsAbs() && b.gofeedResolved(i) {
				// gofeed already applied the relative chain to the
				// content's URLs; only the document URL remains.
				u = b.docBase
			}
			if u != nil && u.IsAbs() {
				return u.String()
			}
		}
	}
	if link != "" {
		return link
	}
	if b.feedBase != nil {
		return b.feedBase.String()
	}
	return ""
}

// gofeedResolved reports whether gofeed rewrote the URLs in entry i's
// content against its xml:base: it does so for Atom html and xhtml content.
func (b *builder) gofeedResolved(i int) bool {
	if b.c.atom == nil || i >= len(b.c.atom.Entries) || b.c.atom.Entries[i] == nil || b.c.atom.Entries[i].Content == nil {
		return false
	}
	t := strings.ToLower(b.c.atom.Entries[i].Content.Type)
	return t == "html" || strings.Contains(t, "xhtml")
}

func (b *builder) atomEntry(e *feeds.Entry, ae *atom.Entry, link *string) {
	if ae == nil {
		return
	}
	if l := atomLink(ae.Links); l != "" {
		*link = l
	}
	if ae.Content != nil {
		e.Raw.Text = isTextType(ae.Content.Type)
		if ae.Content.Value == "" && ae.Content.Src != "" && *link == "" {
			*link = ae.Content.Src
		}
	}
	authors := ae.Authors
	if len(authors) == 0 && ae.Source != nil {
		authors = ae.Source.Authors
	}
	if len(authors) == 0 {
		authors = b.c.atom.Authors // RFC 4287 4.2.1: entries inherit the feed's authors
	}
	for _, a := range authors {
		if a == nil {
			continue
		}
		p := feeds.Person{Name: strings.TrimSpace(a.Name), Email: strings.TrimSpace(a.Email), URI: resolve(b.feedBase, a.URI)}
		if p != (feeds.Person{}) {
			e.Authors = append(e.Authors, p)
		}
	}
}

func (b *builder) jsonEntry(e *feeds.Entry, i int) {
	ji := b.c.json.Items[i]
	if ji == nil {
		return
	}
	e.Raw.Content = ji.ContentHTML
	e.Raw.Text = false
	if ji.ContentHTML == "" {
		e.Raw.Content = ji.ContentText
		e.Raw.Text = ji.ContentText != "" || ji.Summary != "" // JSON Feed summary is plain text
	}
	authors := ji.Authors
	if len(authors) == 0 && ji.Author != nil {
		authors = append(authors, ji.Author)
	}
	if len(authors) == 0 {
		authors = b.c.json.Authors
		if len(authors) == 0 && b.c.json.Author != nil {
			authors = append(authors, b.c.json.Author)
		}
	}
	for _, a := range authors {
		if a == nil {
			continue
		}
		p := feeds.Person{Name: strings.TrimSpace(a.Name), URI: resolve(b.feedBase, a.URL)}
		if p != (feeds.Person{}) {
			e.Authors = append(e.Authors, p)
		}
	}
}

// enclosures collects the item's enclosures and Media RSS content, with
// absolute URLs, dropping ones without a URL and duplicates.
func (b *builder) enclosures(it *gofeed.Item) []feeds.Enclosure {
	var out []feeds.Enclosure
	add := func(u, typ, length string) {
		u = resolve(b.feedBase, u)
		if u == "" {
			return
		}
		for _, e := range out {
			if e.URL == u {
				return
			}
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(length), 10, 64)
		out = append(out, feeds.Enclosure{URL: u, Type: strings.TrimSpace(typ), Length: max(n, 0)})
	}
	for _, e := range it.Enclosures {
		if e != nil {
			add(e.URL, e.Type, e.Length)
		}
	}
	for _, m := range mediaContents(it.Extensions) {
		add(m.Attrs["url"], m.Attrs["type"], m.Attrs["fileSize"])
	}
	return out
}

// podcast maps an item's iTunes fields; nil when it has none. The image is
// made absolute like the item's other links, the text fields are plain
// text, and every field but the image and the summary is cut to
// MaxTitleBytes.
func (b *builder) podcast(x *ext.ITunesItemExtension) *feeds.Podcast {
	if x == nil {
		return nil
	}
	short := func(s string) string { return cutTitle(strings.TrimSpace(s)) }
	p := feeds.Podcast{
		Duration:    short(x.Duration),
		Explicit:    short(x.Explicit),
		Episode:     short(x.Episode),
		Season:      short(x.Season),
		EpisodeType: short(x.EpisodeType),
		Image:       resolve(b.feedBase, x.Image),
		Subtitle:    plainText(cutTitle(x.Subtitle)),
		Summary:     plainText(x.Summary),
		Author:      plainText(cutTitle(x.Author)),
	}
	if p == (feeds.Podcast{}) {
		return nil
	}
	return &p
}

// mediaContents returns media:content elements, top-level and inside
// media:group.
func mediaContents(exts ext.Extensions) []ext.Extension {
	media := exts["media"]
	if media == nil {
		return nil
	}
	out := media["content"]
	for _, g := range media["group"] {
		out = append(out, g.Children["content"]...)
	}
	return out
}

// image is the item's explicit image: gofeed's (itunes:image, a media:content
// image, an image enclosure, JSON image/banner_image), else media:thumbnail.
func (b *builder) image(it *gofeed.Item) string {
	if it.Image != nil {
		if u := resolve(b.feedBase, it.Image.URL); u != "" {
			return u
		}
	}
	media := it.Extensions["media"]
	if media == nil {
		return ""
	}
	thumbs := media["thumbnail"]
	for _, g := range media["group"] {
		thumbs = append(thumbs, g.Children["thumbnail"]...)
	}
	for _, t := range thumbs {
		if u := resolve(b.feedBase, t.Attrs["url"]); u != "" {
			return u
		}
	}
	if b.c.atom != nil { // gofeed's Atom translator does not look at media:content
		for _, m := range mediaContents(it.Extensions) {
			if strings.HasPrefix(m.Attrs["type"], "image/") || m.Attrs["medium"] == "image" {
				if u := resolve(b.feedBase, m.Attrs["url"]); u != "" {
					return u
				}
			}
		}
	}
	return ""
}

// atomLink picks the first rel="alternate" link, treating a missing rel as
// alternate (RFC 4287 4.2.7.2), preferring an HTML one.
func atomLink(links []*atom.Link) string {
	first := ""
	for _, l := range links {
		if l == nil || l.Href == "" || (l.Rel != "" && l.Rel != "alternate") {
			continue
		}
		t := strings.ToLower(l.Type)
		if t == "" || strings.Contains(t, "html") {
			return l.Href
		}
		if first == "" {
			first = l.Href
		}
	}
	return first
}

// isTextType reports whether an Atom content type means plain text: "text",
// a missing type (the default), or text/plain.
func isTextType(t string) bool {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "", "text", "text/plain":
		return true
	}
	return false
}

func persons(ps []*gofeed.Person) []feeds.Person {
	var out []feeds.Person
	for _, p := range ps {
		if p == nil {
			continue
		}
		q := feeds.Person{Name: strings.TrimSpace(p.Name), Email: strings.TrimSpace(p.Email)}
		if q != (feeds.Person{}) {
			out = append(out, q)
		}
	}
	return out
}

// categories trims, drops empty ones and removes duplicates (ignoring case),
// keeping the first spelling.
func categories(cs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cs {
		c = strings.Join(strings.Fields(c), " ")
		k := strings.ToLower(c)
		if c == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, c)
	}
	return out
}

// dates applies Published = published else updated, Updated = updated else
// published, in UTC; absent or absurd dates are zero.
func dates(pub, upd *time.Time) (published, updated time.Time) {
	p, u := sane(pub), sane(upd)
	if p.IsZero() {
		p = u
	}
	if u.IsZero() {
		u = p
	}
	return p, u
}

func sane(t *time.Time) time.Time {
	if t == nil || t.Year() < 1970 || t.Year() > 9999 {
		return time.Time{}
	}
	return t.UTC()
}
