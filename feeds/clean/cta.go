package clean

// Family "cta": newsletter sign-ups and subscription calls to action.
// A block goes when it is short, carries a strong CTA word, and either is
// mostly CTA vocabulary or links somewhere while asking.

var ctaLex = newLexicon(`
subscribe subscribed subscribing subscriber subscribers subscription subscriptions newsletter newsletters
signup unsubscribe donate donation membership member
abonnez abonner abonne abonnement inscrivez inscrire inscription infolettre
abonnieren abonniere abonnement anmelden registrieren spenden
suscribete suscribirse suscripcion suscribase boletin boletines registrate donar
iscriviti iscrizione abbonati abbonamento
assine assinatura inscreva
abonneer nieuwsbrief aanmelden`,
	`inbox mailing sign up get our your the a an to for and or of in on with free daily weekly morning evening
latest best news updates stories delivered straight right every day week now today here click
join us become member support journalism independent email address enter list don t miss
never miss out stay informed touch up date inside sent want more like this receive
vous vous la le les notre nos de des et pour ne manquez rien chaque jour semaine gratuit gratuitement
recevez recevoir ici lettre d information actualites restez informe
sie sich jetzt unseren unser den die der das zum fur und kostenlos taglich woche hier newsletter
keine mehr verpassen erhalten
nuestro nuestra el la los las de del y para gratis cada dia semana aqui recibe recibir no te pierdas
nada ultimas noticias
il la le di e per gratis ogni giorno settimana qui ricevi nostra
o a os as de e para gratis cada dia semana aqui receba nossa
je onze de het en voor gratis elke dag week hier`)

// ctaVerbs open an imperative call to action.
var ctaVerbs = []string{
	"subscribe", "sign up", "join", "get", "receive", "don t miss", "never miss", "support",
	"abonnez", "inscrivez", "recevez", "ne manquez", "abonnieren", "melden sie sich", "jetzt",
	"registrieren sie", "suscribete", "registrate", "recibe", "no te pierdas", "iscriviti",
	"assine", "inscreva", "abonneer", "meld je aan",
}

func ctaRule(d *doc, name string) {
	for _, b := range d.liveText() {
		if isCTA(b) {
			d.drop(b, name)
		}
	}
}

func isCTA(b *block) bool {
	if b.words > 40 {
		return false
	}
	n, hit, strong := ctaLex.score(b.fold)
	if strong == 0 || n == 0 {
		return false
	}
	ratio := float64(hit) / float64(n)
	if ratio >= 0.75 && b.words <= 25 {
		return true
	}
	imperative := false
	for _, v := range ctaVerbs {
		if startsPhrase(b.fold, v) {
			imperative = true
			break
		}
	}
	switch {
	case imperative && ratio >= 0.6 && b.words <= 25:
		return true
	case b.links > 0 && (imperative || ratio >= 0.6):
		return true
	}
	return false
}
