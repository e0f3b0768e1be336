package clean

// Family "share": share and social widgets, comment counters, "embed this"
// prompts. Form controls (embed-code <textarea>/<input>) are dropped
// earlier, in dropElements.

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// uiLex holds the words share widgets are made of, in en, fr, de,
// es, it, pt and nl (folded: lower case, no accents).
var uiLex = newGluedLexicon(`
share shares shared sharing sharethis tweet tweets retweet pin pinit email e-mail mail print printer
comment comments reply replies copy copied clipboard close embed like likes liked
bookmark bookmarks permalink save merkliste listen ecouter anhoren escuchar ascolta gift whatsapp facebook twitter linkedin telegram reddit pinterest tumblr
flipboard pocket messenger sms mastodon bluesky threads instagram youtube tiktok xing vk
partager partage partagez partagee commentaires commentaire commenter imprimer envoyer fermer copier
copie reagir reactions suivez aimer
teilen geteilt kommentare kommentar kommentieren drucken schliessen kopieren kopiert folgen merken
compartir comparte compartido comentarios comentario comentar imprimir enviar cerrar copiar copiado
siguenos guardar
condividi condividere commenti commento stampa chiudi copia copiato segui
compartilhar partilhar fechar siga
delen deel reacties reactie afdrukken sluiten kopieer gekopieerd volg`,
	// Weak words appear in interface labels next to strong ones.
	`
follow schreiben voir ver abrir mostrar zeigen anzeigen hinzufugen zur correo electronico app later spater
this the a an on via to with your our us it in up or and of for by at is now new more less
article articles story stories post posts page link links url button buttons icon icons below
above here click tap open toggle view show hide add options option menu send save saved
paste code video videos photo photos image gallery social media network networks friend friends
favorite favorites favourite favourites conversation discussion join leave write see all no yet
be first gift listen audio play font size text larger smaller report min read reading time
minutes login log sign count x
cet cette ce article sur par le la les l un une des du de et ou nous vous lien liens video
ici cliquez bouton code reseaux sociaux ami amis
diesen diesem dieser dieses artikel auf per mit und oder der die das den dem sie uns ihr ihre
hier klicken mir gefallt code sozialen netzwerken
este esta articulo en por el los las y o me gusta aqui enlace codigo redes sociales
questo questa articolo su il lo gli e ci qui link codice
este artigo no na nos os um uma
dit artikel op ons en of link hier`)

// strongPairs are two-word labels whose words are weak on their own.
var strongPairs = map[string]bool{
	"follow us": true, "follow me": true, "follow him": true, "follow her": true, "follow them": true,
	"sign in": true, "log in": true, "sign up": true, "in app": true, "suivez nous": true, "folgen sie": true, "folge uns": true,
}

// lexicon is a vocabulary of strong words (only chrome is made of them)
// and weak words (function words and nouns that chrome shares with prose).
type lexicon struct {
	strong, weak, all vocab
	// glued enables splitting tokens glued without spaces; only interface
	// labels are glued that way.
	glued bool
}

func newLexicon(strong, weak string) lexicon {
	return lexicon{strong: newVocab(strong), weak: newVocab(weak), all: newVocab(strong, weak)}
}

func newGluedLexicon(strong, weak string) lexicon {
	l := newLexicon(strong, weak)
	l.glued = true
	return l
}

// score counts the tokens of folded text f, how many are lexicon words
// (numbers count, as in "12 comments"), and how many are strong. Tokens
// glued together without spaces ("sharethisarticle") are split into
// lexicon words when possible.
func (l lexicon) score(f string) (n, hit, strongHit int) {
	var buf [64]string // blocks that are scored are short: no allocation
	toks := appendFields(buf[:0], f)
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		// Camel-case splitting cuts brand names in two ("whats app").
		if i+1 < len(toks) && !l.all[tok] && l.all[tok+toks[i+1]] {
			tok += toks[i+1]
			i++
		}
		if i+1 < len(toks) && strongPairs[tok+" "+toks[i+1]] {
			n, hit, strongHit = n+2, hit+2, strongHit+1
			i++
			continue
		}
		switch {
		case l.strong[tok]:
			n, hit, strongHit = n+1, hit+1, strongHit+1
		case isNumber(tok):
			// Counts ("12 comments") are neutral: neither chrome nor prose.
		case l.weak[tok]:
			n, hit = n+1, hit+1
		default:
			parts, ok := l.segment(tok)
			if !ok {
				n++
				continue
			}
			for _, p := range parts {
				n, hit = n+1, hit+1
				if l.strong[p] {
					strongHit++
				}
			}
		}
	}
	return n, hit, strongHit
}

// anyStrong reports whether score could count a strong word in folded
// text f or in any run of its tokens: a strong token, two adjacent tokens
// that written together are one, or a strong pair. It is one pass with no
// allocation, so a caller that scores f and parts of it can skip them all
// when it is false. A glued lexicon may find strong words inside any
// token, so for one it is always true.
func (l lexicon) anyStrong(f string) bool {
	if l.glued {
		return true
	}
	var buf [64]string
	toks := appendFields(buf[:0], f)
	for i, tok := range toks {
		if l.strong[tok] {
			return true
		}
		if i+1 < len(toks) && (l.strong[tok+toks[i+1]] || strongPairs[tok+" "+toks[i+1]]) {
			return true
		}
	}
	return false
}

// segment splits a glued token into lexicon words. It accepts the split
// only when strong words make up at least half of the token, so ordinary
// words that happen to split into short function words ("design" → "de
// sign") stay whole.
func (l lexicon) segment(tok string) ([]string, bool) {
	if !l.glued || len(tok) < 5 {
		return nil, false
	}
	parts, ok := l.all.segment(tok)
	if !ok {
		return nil, false
	}
	strong := 0
	for _, p := range parts {
		if l.strong[p] {
			strong += len(p)
		}
	}
	return parts, 2*strong >= len(tok)
}

// appendFields appends the space-separated tokens of folded text f to dst.
func appendFields(dst []string, f string) []string {
	start := 0
	for i := 0; i <= len(f); i++ {
		if i == len(f) || f[i] == ' ' {
			if i > start {
				dst = append(dst, f[start:i])
			}
			start = i + 1
		}
	}
	return dst
}

// isUI reports whether folded text f is a short block made of interface
// vocabulary: at most maxWords tokens, at least 80% of them interface
// words, at least one of them strong.
func (l lexicon) isUI(f string, maxWords int) bool {
	if f == "" || words(f) > maxWords {
		return false
	}
	n, hit, strongHit := l.score(f)
	return strongHit > 0 && n <= maxWords+4 && float64(hit) >= 0.8*float64(n)
}

func shareRule(d *doc, name string) {
	for _, b := range d.liveText() {
		switch {
		case b.isCode(), b.isFigure():
			// Code is never interface text ("tweet.like()"), nor is a
			// labelled figure ("Shares: 40%").
		case uiLex.isUI(b.fold, 12) && listIsUI(b) && !enumerated.MatchString(b.text):
			d.drop(b, name)
		case isEmbedPrompt(b.fold), isSymbolCounter(b):
			d.drop(b, name)
		}
	}
}

// isEmbedPrompt recognises "copy/paste the embed code below" style prompts:
// short, naming an embed, and asking to copy it.
func isEmbedPrompt(f string) bool {
	if words(f) > 14 || !(hasPhrase(f, "embed") || hasPhrase(f, "iframe") || hasPhrase(f, "integrer") || hasPhrase(f, "einbetten") || hasPhrase(f, "insertar") || hasPhrase(f, "incorporar")) {
		return false
	}
	for _, w := range []string{"copy", "paste", "copier", "coller", "kopieren", "einfugen", "copiar", "pegar", "copia", "below", "ci dessous", "unten", "abajo"} {
		if hasPhrase(f, w) {
			return true
		}
	}
	return false
}

// enumerated matches text that starts like an item of a numbered list.
var enumerated = regexp.MustCompile(`^\s*\d{1,3}[.):]\s`)

// listIsUI reports, for a block inside a list, whether at least half of
// that list's items are interface labels too: a share bar is a list of
// labels, while "Click to Tweet" in a list of tools is content. A block in
// a numbered list (<ol>) is never UI: share bars are not enumerated, while
// rankings ("TikTok, Instagram, …") and steps ("Tap Share.") are.
func listIsUI(b *block) bool {
	var list *html.Node
	for n := b.parent; n != nil; n = n.Parent {
		if n.DataAtom == atom.Ul || n.DataAtom == atom.Ol {
			list = n
			break
		}
	}
	if b.elem != nil && b.elem.DataAtom == atom.Li && list == nil {
		list = b.elem.Parent
	}
	if list == nil {
		return true
	}
	if list.DataAtom == atom.Ol {
		return false
	}
	items, ui := 0, 0
	for c := list.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.DataAtom != atom.Li {
			continue
		}
		f := fold(textOf(c))
		if f == "" {
			continue // an icon: neither label nor content
		}
		items++
		if uiLex.isUI(f, 12) {
			ui++
		}
	}
	return 2*ui >= items
}

// isSymbolCounter recognises an icon counter such as "💬 12", "♥ 34" or
// "👍 5 · 💬 2": numbers and pictographs, nothing else.
func isSymbolCounter(b *block) bool {
	if b.words == 0 || b.words > 4 || b.media {
		return false
	}
	symbol := false
	for _, r := range b.text {
		switch {
		case unicode.Is(unicode.So, r):
			symbol = true
		case unicode.IsLetter(r):
			return false
		}
	}
	return symbol && isNumber(strings.ReplaceAll(b.fold, " ", ""))
}
