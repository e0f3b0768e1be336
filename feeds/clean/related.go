package clean

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// Family "related": lists of other articles' headlines, under a marker
// ("You might also like", "À lire aussi", "Mehr zum Thema", "Te puede
// interesar", ...) or, without a marker, as a trailing run of links to
// other articles of the same site.

// relatedMarkers are folded marker texts; a block whose folded text is one
// of them (optionally ending in a few filler words) is a marker.
var relatedMarkers = newPhraseSet(
	// en
	"you might also like", "you may also like", "you might like", "you may like", "you might be interested in",
	"you may be interested in", "you might also be interested in", "related", "related articles", "related stories",
	"related posts", "related content", "related coverage", "related reading", "related links", "related news",
	"read more", "read also", "also read", "read next", "more on this", "more on this story", "more on this topic",
	"more about this", "more from", "more stories", "more news", "more reading", "further reading", "see also",
	"recommended", "recommended for you", "recommended reading", "recommended stories", "most read", "most popular",
	"trending", "trending now", "popular", "popular now", "what to read next", "keep reading", "don t miss",
	"other stories", "more like this", "elsewhere", "in case you missed it", "top stories", "latest",
	// fr
	"a lire aussi", "a lire egalement", "lire aussi", "lire egalement", "a lire", "sur le meme sujet", "sur le meme theme",
	"voir aussi", "a voir aussi", "nos articles", "articles similaires", "articles lies", "dans la meme rubrique",
	"vous aimerez aussi", "vous aimerez peut etre aussi", "vous pourriez aussi aimer", "ces articles peuvent vous interesser",
	"les plus lus", "a decouvrir aussi", "a decouvrir", "pour aller plus loin", "et aussi",
	// de
	"mehr zum thema", "mehr zu diesem thema", "das konnte sie auch interessieren", "das konnte sie interessieren",
	"auch interessant", "weitere artikel", "lesen sie auch", "lesen sie dazu", "mehr dazu", "ahnliche artikel",
	"verwandte artikel", "passend zum thema", "zum thema", "meistgelesen", "empfohlen", "weitere beitrage",
	"auch lesenswert", "mehr aus", "das konnte dich auch interessieren",
	// es
	"te puede interesar", "tambien te puede interesar", "te podria interesar", "lee tambien", "lea tambien",
	"noticias relacionadas", "articulos relacionados", "relacionado", "relacionados", "relacionadas", "mas informacion",
	"te recomendamos", "tambien te recomendamos", "mas noticias", "lo mas leido", "puede interesarte", "quiza te interese",
	"sigue leyendo", "mas sobre este tema", "contenido relacionado", "ver tambien", "vea tambien", "mira tambien",
	"tambien te puede gustar", "le puede interesar", "otras noticias", "mas leidas",
	// it, pt, nl
	"leggi anche", "potrebbe interessarti", "articoli correlati", "ti potrebbe interessare", "correlati",
	"leia tambem", "veja tambem", "leia mais", "noticias relacionadas", "artigos relacionados", "voce pode gostar",
	"lees ook", "gerelateerd", "meer over dit onderwerp", "lees meer",
)

type phraseSet map[string]bool

func newPhraseSet(p ...string) phraseSet {
	s := phraseSet{}
	for _, x := range p {
		s[x] = true
	}
	return s
}

// isRelatedMarker reports whether folded text f is a marker.
func isRelatedMarker(f string) bool {
	if words(f) > 9 {
		return false
	}
	if relatedMarkers[f] {
		return true
	}
	// "Related articles from Site", "More from Site": a marker plus one or
	// two more words.
	for _, cut := range []int{1, 2} {
		fs := strings.Fields(f)
		if len(fs) > cut && relatedMarkers[strings.Join(fs[:len(fs)-cut], " ")] && len(fs)-cut >= 2 {
			return true
		}
	}
	return false
}

func relatedMarkerRule(d *doc, name string) {
	live := d.live()
	for m := 1; m < len(live); m++ {
		b := live[m]
		if b.removed || b.fold == "" {
			continue
		}
		// An inline "Related: <a>Headline</a>" line.
		if inlineRelated(b) {
			d.drop(b, name)
			continue
		}
		if !isRelatedMarker(b.fold) || b.linkRatio() >= 0.5 || b.inList() {
			continue
		}
		end := m + 1
		items := 0
		for end < len(live) && headlineLike(live[end]) {
			if live[end].fold != "" {
				items++
			}
			end++
		}
		// Trailing media-only blocks are not part of the list.
		for end > m+1 && live[end-1].fold == "" {
			end--
		}
		if items == 0 && m != len(live)-1 || plainList(live[m+1:end]) {
			continue
		}
		for _, x := range live[m:end] {
			d.drop(x, name)
		}
		m = end - 1
	}
}

// plainList reports whether items, the blocks under a marker, are list
// items none of which links anywhere: the article's own list under a
// heading such as "Most popular" or "Recommended" (a ranking, picks), not
// other articles' headlines. Linkless lines that are not list items (a
// plain-text body's "Read also" and headline) are left to the marker.
func plainList(items []*block) bool {
	n := 0
	for _, b := range items {
		if b.fold == "" {
			continue
		}
		if !b.inList() || b.links > 0 {
			return false
		}
		n++
	}
	return n > 0
}

// inlineRelated recognises a block that is a marker followed by a link,
// such as "Read more: Headline" or "Lire aussi : Titre".
func inlineRelated(b *block) bool {
	if b.links != 1 || b.words > 30 || b.linkRatio() < 0.4 {
		return false
	}
	i := strings.IndexAny(b.text, ":»›|")
	if i <= 0 || i > 50 {
		return false
	}
	return isRelatedMarker(fold(b.text[:i])) || relatedMarkers[fold(b.text[:i])]
}

// headlineLike reports whether b looks like an item of a headline list:
// short, and a link, a list item or a line that does not end a sentence.
func headlineLike(b *block) bool {
	if b.fold == "" {
		return b.media
	}
	if b.words > 25 {
		return false
	}
	if b.linkRatio() >= 0.5 || b.inList() {
		return true
	}
	t := strings.TrimSpace(b.text)
	r, _ := utf8.DecodeLastRuneInString(t)
	return r != '.' && r != ':' && b.words <= 20
}

func relatedLinksRule(d *doc, name string) {
	live := d.live()
	start := len(live)
	items := 0
	for i := len(live) - 1; i >= 1; i-- {
		b := live[i]
		if b.fold == "" && b.media {
			start = i
			continue
		}
		if !d.isArticleLink(b) {
			break
		}
		start = i
		items++
	}
	for start < len(live) && live[start].fold == "" {
		start++
	}
	if items < 3 || start == 0 {
		return
	}
	// The article must outweigh the list.
	body, list := 0, 0
	for i, b := range live {
		if i < start {
			body += b.words
		} else {
			list += b.words
		}
	}
	if body < 30 || body < list {
		return
	}
	for _, b := range live[start:] {
		d.drop(b, name)
	}
}

// isArticleLink reports whether b is essentially one link with a
// headline-sized text to another page of the entry's site.
func (d *doc) isArticleLink(b *block) bool {
	if b.links != 1 || b.words < 3 || b.words > 25 || b.linkRatio() < 0.8 {
		return false
	}
	u, err := url.Parse(b.href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path == "" || u.Path == "/" {
		return false
	}
	if d.link == nil || d.link.Host == "" {
		return true
	}
	if u.Host == d.link.Host && u.Path == d.link.Path {
		return false
	}
	return siteOf(u.Host) == siteOf(d.link.Host)
}

// siteOf returns the last two labels of a host name, a rough registrable
// domain ("www.example.com" → "example.com").
func siteOf(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	parts := strings.Split(host, ".")
	if len(parts) <= 2 {
		return host
	}
	return strings.Join(parts[len(parts)-2:], ".")
}
