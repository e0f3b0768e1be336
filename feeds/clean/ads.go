package clean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Family "ads": advertisement markers and sponsored-content labels, as
// whole short blocks ("ADVERTISEMENT", "Anzeige", "PUBLICITÉ", "Sponsored
// by Acme", "Story continues below advertisement").

var adsLex = newLexicon(`
advertisement advertisements advert adverts advertising ad ads anzeige anzeigen werbung
publicite publicites publicidad pubblicita publicidade reclame advertentie reklame
sponsored sponsorise sponsorisee sponsorises gesponsert patrocinado patrocinada patrocinio
sponsorizzato sponsorizzata gesponsord promoted promocionado
annonce annonces anuncio anuncios publi publireportage publirreportaje publiredactionnel advertorial
publicidade reclame gesponsord advertentie`,
	`content contenu contenido contenuto conteudo inhalt partner partners partenaire partenaires
paid post by from par von por da di the a an this article story continues continue reading below
after scroll to la le suite apres cette ce weiter nach der unter dem lesen sie artikel geht
el articulo sigue continua despues de del en y con with in de de by presented presente
presentado prasentiert brought you offered your message scroll scrollen redactionnel`)

// adsBy are the words that lead from a label to the sponsor's name.
var adsBy = newPhraseSet("by", "from", "von", "par", "de", "por", "da", "door", "di", "with", "avec", "mit", "con", "com")

// adsLeadIns are phrases that open a sponsorship label.
var adsLeadIns = []string{
	"sponsored by", "presented by", "brought to you by", "in partnership with", "paid for by",
	"en partenariat avec", "sponsorise par", "presente par", "propose par",
	"in zusammenarbeit mit", "prasentiert von", "gesponsert von", "unterstutzt von",
	"patrocinado por", "en colaboracion con", "presentado por", "ofrecido por",
	"sponsorizzato da", "in collaborazione con",
	// Whole labels made of words that are prose on their own.
	"partner content", "partner inhalt", "paid content", "paid post", "scroll to continue", "scrollen sie weiter",
}

func adsRule(d *doc, name string) {
	for _, b := range d.liveText() {
		if b.isFigure() {
			continue // "Advertising: 62%" is data
		}
		if adsLex.isUI(b.fold, 8) || sponsorLabel(b) {
			d.drop(b, name)
			continue
		}
		if b.words <= 10 {
			for _, p := range adsLeadIns {
				if startsPhrase(b.fold, p) && !sentenceAfterName(afterWords(b.text, words(p))) {
					d.drop(b, name)
					break
				}
			}
		}
	}
}

// sponsorLabel recognises a short sponsorship label naming the sponsor:
// an ad label ("Sponsored content", "Contenido patrocinado", "Gesponsord")
// followed by a by-word and a capitalised name ("… from CloudCorp", "… por
// Turismo Sierra Norte"), optionally with a colon and the sponsor's pitch.
func sponsorLabel(b *block) bool {
	if b.words > 25 {
		return false
	}
	toks := strings.Fields(b.fold)
	raw := strings.Fields(b.text)
	for i := 1; i < len(toks) && i <= 4; i++ {
		if !adsBy[toks[i]] {
			continue
		}
		if !adsLex.isUI(strings.Join(toks[:i], " "), 4) {
			return false
		}
		rest := afterWords(b.text, i+1)
		if sentenceAfterName(rest) {
			return false
		}
		if j := strings.IndexAny(rest, ":.!"); j >= 0 {
			if b.words > 12 && rest[j] != ':' {
				return false
			}
			rest = rest[:j]
		} else if b.words > 12 {
			return false
		}
		return len(raw) > i && isName(strings.TrimSpace(rest))
	}
	return false
}

// pitchMarks set a sponsor's pitch off its name ("Sponsored content from
// CloudCorp: deploy your apps in seconds.").
var pitchMarks = []string{":", "：", "|", "–", "—", " - "}

// nameFillers are lower-case words that may sit in a sponsor's name
// ("the City of Lyon", "Oxfam and the Red Cross").
var nameFillers = newPhraseSet("the", "of", "for", "a", "an", "und", "et", "y", "e", "en", "and", "de", "la", "le",
	"del", "des", "der", "die", "das", "du", "di", "da", "van", "von", "&")

// sentenceAfterName reports whether rest, the raw text after a sponsor
// label's by-word ("Sponsored by", "In partnership with"), is a name that
// a sentence goes on from: "Oxfam, the charity built 40 wells." or
// "Coca-Cola, Pepsi and Nike dominated the break." It must end a sentence,
// have no pitch mark, start with a capitalised name and hold at least two
// more lower-case words that are not name fillers.
func sentenceAfterName(rest string) bool {
	t := strings.TrimRight(strings.TrimSpace(rest), "\"'”’)»")
	if !strings.HasSuffix(t, ".") && !strings.HasSuffix(t, "!") && !strings.HasSuffix(t, "?") {
		return false
	}
	for _, m := range pitchMarks {
		if strings.Contains(t, m) {
			return false
		}
	}
	fs := strings.Fields(t)
	if len(fs) == 0 || !capitalised(fs[0]) {
		return false
	}
	i := 0
	for i < len(fs) && (capitalised(fs[i]) || nameJoiners[fs[i]]) {
		i++
	}
	lower := 0
	for _, w := range fs[i:] {
		w = strings.ToLower(strings.Trim(w, ".,;!?\"'”’()"))
		if w != "" && !nameFillers[w] && !capitalised(w) {
			lower++
		}
	}
	return lower >= 2
}

// capitalised reports whether w starts with an upper-case letter or a
// digit ("Oxfam", "3M").
func capitalised(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r) || unicode.IsDigit(r)
}
