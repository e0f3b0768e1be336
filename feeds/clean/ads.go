package clean

// Family "ads": advertisement markers and sponsored-content labels, as
// whole short blocks ("ADVERTISEMENT", "Anzeige", "PUBLICITÉ", "Sponsored
// by Acme", "Story continues below advertisement").

var adsLex = newLexicon(`
advertisement advertisements advert adverts advertising ad ads anzeige anzeigen werbung
publicite publicites publicidad pubblicita publicidade reclame advertentie reklame
sponsored sponsorise sponsorisee sponsorises gesponsert patrocinado patrocinada patrocinio
sponsorizzato sponsorizzata gesponsord promoted promocionado
annonce annonces anuncio anuncios`,
	`content contenu contenido contenuto conteudo inhalt partner partners partenaire partenaires
paid post by from par von por da di the a an this article story continues continue reading below
after scroll to la le suite apres cette ce weiter nach der unter dem lesen sie artikel geht
el articulo sigue continua despues de del en y con with in de de by presented presente
presentado prasentiert brought you offered your message scroll scrollen`)

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
		if adsLex.isUI(b.fold, 8) {
			d.drop(b, name)
			continue
		}
		if b.words <= 10 {
			for _, p := range adsLeadIns {
				if startsPhrase(b.fold, p) {
					d.drop(b, name)
					break
				}
			}
		}
	}
}
