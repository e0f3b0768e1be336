package clean

import (
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Family "footer": blog-platform trailers. The patterns run over the folded
// text (lower case, no accents, punctuation as spaces) of the last few
// blocks only, so the same words mid-article are left alone.

// originRE matches "the post X appeared first on Y" and its many variants
// and translations.
var originRE = regexp.MustCompile(`^(?:` + strings.Join([]string{
	`(?:the|this) (?:post|article|entry|story) .* (?:appeared|was (?:first |originally )?(?:published|posted)|first appeared|originally appeared) (?:first |originally )?(?:on|at|in) .+`,
	`(?:this|the) (?:post|article|entry|story) (?:was )?(?:originally |first )?(?:published|posted|appeared) (?:on|at|in) .+`,
	`(?:originally|first) (?:published|posted|appeared) (?:on|at|in) .+`,
	`(?:l|cet) article .* (?:est )?(?:apparu|paru|publie) (?:en premier|d abord|initialement|a l origine) (?:sur|dans) .+`,
	`(?:cet article|article) (?:a ete )?(?:publie|paru) (?:initialement|d abord|a l origine) (?:sur|dans) .+`,
	`(?:der|dieser) (?:beitrag|artikel|post|eintrag) .* (?:erschien|ist) (?:zuerst|erstmals|ursprunglich) (?:auf|bei|in) .+`,
	`(?:der|dieser) (?:beitrag|artikel) (?:erschien|wurde) .* (?:zuerst|erstmals|ursprunglich) .+`,
	`(?:la entrada|el articulo|la publicacion|el post|esta entrada|este articulo) .* (?:se publico|aparecio|fue publicad[oa]) (?:primero|por primera vez|originalmente) en .+`,
	`(?:l articolo|il post|questo articolo) .* (?:proviene da|e apparso (?:per la )?prima (?:volta )?su|e stato pubblicato (?:per la )?prima (?:volta )?su) .+`,
	`(?:o post|a entrada|o artigo|este artigo) .* (?:apareceu|foi publicad[oa]) (?:primeiro|pela primeira vez|originalmente) (?:em|no|na) .+`,
	`(?:het bericht|het artikel|dit artikel) .* (?:verscheen|is) (?:eerst|voor het eerst) (?:op|bij) .+`,
}, "|") + `)$`)

// moreRE matches "continue reading" links and their translations.
var moreRE = regexp.MustCompile(`^(?:` + strings.Join([]string{
	`continue reading`, `keep reading`, `read more`, `read on`, `read the (?:full|rest|whole|complete|entire)(?: of)?(?: the)?(?: article| story| post| entry| piece)?`,
	`read (?:the )?(?:full|complete|entire) (?:article|story|post|entry|piece)`, `read (?:this|the) (?:article|story|post) (?:on|at)`,
	`full (?:article|story|post)`, `view (?:the )?(?:full|original) (?:article|story|post)`, `view (?:on|at) `, `click here to (?:read|continue)`,
	`lire la suite`, `lire l article`, `la suite$`, `suite de l article`, `lire plus`, `en savoir plus`, `voir la suite`, `lire l integralite`,
	`weiterlesen`, `weiter lesen`, `mehr lesen`, `mehr erfahren`, `zum (?:ganzen |vollstandigen )?(?:artikel|beitrag)`, `den (?:ganzen |vollstandigen )?(?:artikel|beitrag) lesen`, `hier weiterlesen`,
	`leer mas`, `seguir leyendo`, `sigue leyendo`, `continuar leyendo`, `leer el articulo`, `leer la nota`, `ver mas`, `leer completo`, `lee mas`,
	`leggi (?:tutto|di piu|l articolo|il resto|ancora)`, `continua a leggere`, `continuar lendo`, `continuar a ler`, `ler (?:o artigo|a noticia|tudo)`, `leia mais`, `ler mais`, `lees verder`, `verder lezen`, `lees meer`,
}, "|") + `)(?: .*)?$`)

// otherDocRE matches a link onwards that names its document by a noun:
// "Read the full ruling", "Lire l'intégralité du rapport". moreRE takes
// these too; sourceLink tells a source document from the article itself.
var otherDocRE = regexp.MustCompile(`^(?:read (?:the )?(?:full|complete|entire|whole)|lire l integralite (?:du|de la|de l|des)) ([a-z0-9]+)`)

// articleNouns name the article itself ("Read the full story").
var articleNouns = newPhraseSet("article", "articles", "story", "post", "entry", "piece", "blog", "thing",
	"histoire", "billet", "papier")

// sourceLink reports whether a link onwards with folded text f and target
// href is content: it names a document other than the article ("Read the
// full ruling") and leads away from the entry's own page. "Read more" and
// "Read the full story" are dirt wherever they lead; so is any link back
// to the entry itself.
func (d *doc) sourceLink(f, href string) bool {
	m := otherDocRE.FindStringSubmatch(f)
	if m == nil || articleNouns[m[1]] || d.link == nil {
		return false
	}
	u, err := url.Parse(href)
	if err != nil || u.Host == "" {
		return false // no host to tell: take it for the article
	}
	host := func(h string) string { return strings.TrimPrefix(strings.ToLower(h), "www.") }
	path := func(p string) string { return strings.TrimSuffix(p, "/") }
	return host(u.Host) != host(d.link.Host) || path(u.Path) != path(d.link.Path)
}

// postedRE matches WordPress "This entry was posted in ..." meta lines.
var postedRE = regexp.MustCompile(`^(?:this (?:entry|post) was posted (?:in|on)|posted in|filed under|bookmark the permalink|cet article a ete publie dans|publie dans|veroffentlicht (?:in|unter)|publicado en|archiviato in|pubblicato in)\b`)

// labelRE matches the label of a categories or tags line ("Labels: a,
// b"). The label words are prose words too ("Labels like Sub Pop
// signed…"), so isTrailer wants links and, after the label, a colon or
// little but links.
var labelRE = regexp.MustCompile(`^(?:categories|tags|tagged|kategorien|schlagworter|categorias|etiquetas|labels|etiquettes|mots cles|stichworter|schlagworte|themen|etiketten)\b`)

// postMetaRE matches a blog platform's post meta line: "Posted by Sam at
// 10:15", "Eingestellt von Markus um 10:15 Keine Kommentare", "Publié par
// Luc à 9:02".
var postMetaRE = regexp.MustCompile(`^(?:posted by|eingestellt von|geschrieben von|publie par|publicado por|pubblicato da|gepost door|postado por) (?:[^ ]+ ){1,4}(?:at|um|a|a las|alle|om|as|on|le|el) \d{1,2} \d{2}\b`)

// trailerTexts are whole blocks of punctuation that mark a cut summary.
var trailerTexts = map[string]bool{
	"…": true, "...": true, "[…]": true, "[...]": true, "(…)": true, "(...)": true, "[ … ]": true,
	"→": true, "»": true, "›": true, ">>": true, "(more…)": true, "(more...)": true,
}

// isTrailer reports whether b is a blog-platform trailer block.
func isTrailer(b *block) bool {
	if trailerTexts[b.text] || b.fold == "more" {
		return true
	}
	if b.words == 0 || b.words > 45 {
		return false
	}
	if originRE.MatchString(b.fold) {
		return true
	}
	if b.words <= 12 && moreRE.MatchString(b.fold) && (b.links > 0 || b.words <= 4 || strings.ContainsAny(b.text, "→»›…>")) {
		return true
	}
	if b.words <= 20 && postMetaRE.MatchString(b.fold) {
		return true
	}
	if b.words <= 30 && labelRE.MatchString(b.fold) && b.links > 0 && (labelColon(b.text) || b.linkRatio() >= 0.5) {
		return true
	}
	return b.words <= 30 && postedRE.MatchString(b.fold) && (b.links > 0 || strings.HasPrefix(b.fold, "this "))
}

// labelColon reports whether text's first word (or two, "Mots clés") is
// followed by a colon.
func labelColon(text string) bool {
	i := strings.IndexAny(text, ":：")
	return i >= 0 && words(fold(text[:i])) <= 2
}

func footerRule(d *doc, name string) {
	live := d.live()
	// Walk back from the end over at most five blocks, skipping media.
	seen := 0
	for i := len(live) - 1; i >= 0 && seen < 5; i-- {
		b := live[i]
		if b.fold == "" && !trailerTexts[b.text] {
			continue
		}
		seen++
		// The first block goes only when it is nothing but a link onwards.
		if i == 0 && !(trailerTexts[b.text] || b.fold == "more" || b.links > 0 && b.linkRatio() > 0.8 && moreRE.MatchString(b.fold)) {
			continue
		}
		if isTrailer(b) && !(b.links == 1 && d.sourceLink(b.fold, b.href)) {
			d.drop(b, name)
		}
	}
}

// cutMarks are truncation marks that end a cut summary's last paragraph.
var cutMarks = []string{"[…]", "[...]", "[ … ]", "[&hellip;]", "(…)", "(more…)", "(more...)"}

// inlineTrailerRule removes a "Continue reading →" link, or a "[…]" mark,
// at the end of the last text block.
func inlineTrailerRule(d *doc, name string) {
	live := d.liveText()
	if len(live) == 0 {
		return
	}
	last := live[len(live)-1]
	for range 3 {
		n := lastTextLeaf(last)
		if n == nil {
			return
		}
		if a := enclosing(n, atom.A, last); a != nil {
			t := collapse(textOf(a))
			if t != last.text && moreRE.MatchString(fold(t)) && !d.sourceLink(fold(t), attr(a, "href")) {
				d.rep.add(name, t)
				p := a.Parent
				if p == nil {
					return
				}
				p.RemoveChild(a)
				pruneUp(p, d.root)
				continue
			}
			return
		}
		trim := strings.TrimRight(n.Data, " \t\r\n\u00a0")
		cut := false
		for _, m := range cutMarks {
			if strings.HasSuffix(trim, m) && len(strings.TrimSpace(last.text)) > len(m) {
				d.rep.add(name, m)
				n.Data = strings.TrimRight(strings.TrimSuffix(trim, m), " \u00a0")
				cut = true
				break
			}
		}
		if !cut {
			return
		}
	}
}

// lastTextLeaf returns the last non-blank text node inside b.
func lastTextLeaf(b *block) *html.Node {
	for i := len(b.nodes) - 1; i >= 0; i-- {
		if b.nodes[i].Parent == nil {
			continue // detached by an earlier removal
		}
		if t := lastText(b.nodes[i]); t != nil {
			return t
		}
	}
	return nil
}

func lastText(n *html.Node) *html.Node {
	if n.Type == html.TextNode {
		if strings.TrimSpace(n.Data) != "" {
			return n
		}
		return nil
	}
	for c := n.LastChild; c != nil; c = c.PrevSibling {
		if t := lastText(c); t != nil {
			return t
		}
	}
	return nil
}

// enclosing returns the nearest ancestor of n with tag a, stopping at the
// block's boundary.
func enclosing(n *html.Node, a atom.Atom, b *block) *html.Node {
	for p := n.Parent; p != nil && p != b.parent; p = p.Parent {
		if p.Type == html.ElementNode && p.DataAtom == a {
			return p
		}
	}
	return nil
}
