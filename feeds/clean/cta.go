package clean

import (
	"regexp"
	"strings"
)

// Family "cta": newsletter sign-ups and subscription calls to action.
// A block goes when it is short, carries a strong CTA word, and either is
// mostly CTA vocabulary or links somewhere while asking.

var ctaLex = newLexicon(`
subscribe subscribed subscribing subscriber subscribers subscription subscriptions newsletter newsletters
signup unsubscribe donate donation membership member
abonnez abonner abonne abonnement inscrivez inscrire inscription infolettre
abonnieren abonniere abonnement anmelden registrieren spenden
suscribete suscribirse suscripcion suscribase boletin boletines registrate donar briefing briefings
iscriviti iscrizione abbonati abbonamento
assine assinatura inscreva
abonneer nieuwsbrief aanmelden`,
	`inbox mailing sign up get our your the a an to for and or of in on with free daily weekly morning evening
latest best news updates stories delivered straight right every day week now today here click
new posts post my work readers reader episode episodes top morning inbox start their who
join us become member support journalism independent email address enter list don t miss
never miss out stay informed touch up date inside sent want more like this receive
vous vous la le les notre nos de des et pour ne manquez rien chaque jour semaine gratuit gratuitement
recevez recevoir ici lettre d information actualites restez informe toute toutes tous actualite lecteurs
sie sich jetzt unseren unser den die der das zum fur und kostenlos taglich woche hier newsletter
keine mehr verpassen erhalten jeden jede morgen wichtigste ihrem ihr postfach leser folge
nuestro nuestra el la los las de del y para gratis cada dia semana aqui recibe recibir no te pierdas
nada ultimas noticias todas todos nuevas nuevos lectores manana
il la le di e per gratis ogni giorno settimana qui ricevi nostra alla al nostre ricevere mattina notizie del aggiornamenti
o a os as de e para gratis cada dia semana aqui receba nossa uma todas todos nova novas semanas leitores
je onze de het en voor gratis elke dag week hier op mis geen meer nooit aflevering lezers`)

// ctaVerbs open an imperative call to action.
var ctaVerbs = []string{
	"subscribe", "sign up", "join", "get", "receive", "don t miss", "never miss", "support",
	"abonnez", "inscrivez", "recevez", "ne manquez", "abonnieren", "melden sie sich", "jetzt",
	"registrieren sie", "suscribete", "registrate", "recibe", "no te pierdas", "iscriviti",
	"assine", "inscreva", "abonneer", "meld je aan", "get our", "holen sie sich",
}

// addressWords speak to the reader or for the publisher ("your inbox",
// "our newsletter", "click here", "jetzt"): a call to action has one, or
// opens with a ctaVerb; prose about subscribing ("To subscribe a reader to
// the list, call:") has neither.
var addressWords = newPhraseSet(
	"you", "your", "yours", "our", "us", "here", "now", "click",
	"vous", "votre", "vos", "nos", "notre", "ici",
	"sie", "ihr", "ihre", "ihren", "ihrem", "unser", "unsere", "unseren", "unserem", "du", "dich", "dein", "deine", "hier", "jetzt",
	"te", "tu", "tus", "su", "sus", "nuestro", "nuestra", "nuestros", "nuestras", "aqui", "usted",
	"ti", "tuo", "tua", "nostra", "nostro", "nostre", "nostri", "qui",
	"voce", "seu", "sua", "nossa", "nosso",
	"je", "jij", "jouw", "onze", "u", "uw",
)

// addressesReader reports whether folded text f of nw words asks the
// reader: it opens with a ctaVerb, holds an addressWord, or is a label of
// at most three words ("Newsletter", "Daily briefing"). Text made of
// call-to-action words only ("Free daily newsletter, delivered every
// morning") needs no address: ctaText and ctaPure ask only when some of
// the words are not theirs.
func addressesReader(f string, nw int) bool {
	if nw <= 3 || imperative(f) {
		return true
	}
	for _, w := range strings.Fields(f) {
		if addressWords[w] {
			return true
		}
	}
	return false
}

// imperative reports whether folded text f opens with a ctaVerb.
func imperative(f string) bool {
	for _, v := range ctaVerbs {
		if startsPhrase(f, v) {
			return true
		}
	}
	return false
}

func ctaRule(d *doc, name string) {
	for _, b := range d.liveText() {
		if isCTA(b) && !b.isCode() && !b.isFigure() {
			d.drop(b, name)
		}
	}
}

// joinReadersRE matches the social-proof opener of a sign-up box: "Join
// 50,000 readers", "Rejoignez 10 000 lecteurs", "Únete a 20.000 lectores".
var joinReadersRE = regexp.MustCompile(`^(?:join|rejoignez|unete a|junte se a|sluit je aan bij|schliessen sie sich|unisciti a|gesellen sie sich zu)(?: (?:over|more than|plus de|mas de|mehr als|oltre|mais de|meer dan|the))? \d[\d ]* (?:k |000 )?(?:other )?(?:readers|subscribers|people|lecteurs|abonnes|lectores|suscriptores|lesern|leser|abonnenten|lettori|iscritti|leitores|assinantes|lezers|abonnees)\b`)

// isCTA reports whether b is a call to action: as a whole, or as a block
// led by a call-to-action clause ("Jetzt Newsletter abonnieren: …"), or
// as a short greeting plus one ("Thanks for reading X! Subscribe …").
func isCTA(b *block) bool {
	if b.words > 40 {
		return false
	}
	if joinReadersRE.MatchString(b.fold) && b.words <= 30 {
		return true
	}
	// Every test of ctaWords needs a strong word in the block or in one
	// of its clauses, whose tokens are a run of the block's tokens.
	return ctaLex.anyStrong(b.fold) && ctaWords(b)
}

// ctaWords reports whether b, at most 40 words long, is a call to action
// by its vocabulary: as a whole, led by a call-to-action clause, or made
// of calls to action and short asides.
func ctaWords(b *block) bool {
	if ctaText(b.fold, b.words, b.links) {
		return true
	}
	clauses := splitClauses(b.text)
	if len(clauses) < 2 {
		return false
	}
	// A leading clause that is nothing but a call to action heads the block.
	if f := fold(clauses[0]); words(f) >= 2 && b.words <= 30 && ctaPure(f) {
		return true
	}
	// Every clause is a call to action or a short aside.
	cta := false
	for _, c := range clauses {
		f := fold(c)
		switch {
		case ctaText(f, words(f), 0):
			cta = true
		case words(f) > 6:
			return false
		}
	}
	return cta
}

// splitClauses splits text at sentence ends and colons.
func splitClauses(t string) []string {
	var out []string
	start := 0
	for i, r := range t {
		if r == '.' || r == '!' || r == '?' || r == ':' {
			// "50.000", "10:15": not a boundary.
			if i+1 < len(t) && t[i+1] != ' ' {
				continue
			}
			if c := strings.TrimSpace(t[start : i+1]); c != "" {
				out = append(out, c)
			}
			start = i + 1
		}
	}
	if c := strings.TrimSpace(t[start:]); c != "" {
		out = append(out, c)
	}
	return out
}

// ctaPure reports whether folded text f is made of call-to-action words
// only, at least one of them strong.
func ctaPure(f string) bool {
	n, hit, strong := ctaLex.score(f)
	return strong > 0 && n > 0 && float64(hit) >= 0.75*float64(n) && (hit == n || addressesReader(f, words(f)))
}

// ctaText reports whether folded text f of n words, holding links links,
// is a call to action.
func ctaText(f string, nw, links int) bool {
	n, hit, strong := ctaLex.score(f)
	if strong == 0 || n == 0 {
		return false
	}
	ratio := float64(hit) / float64(n)
	if ratio >= 0.75 && nw <= 25 && (hit == n || addressesReader(f, nw)) {
		return true
	}
	imp := imperative(f)
	switch {
	case imp && ratio >= 0.6 && nw <= 25:
		return true
	case links > 0 && (imp || ratio >= 0.6):
		return true
	}
	return false
}
