package clean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Family "title": the entry title repeated as the body's first blocks
// (heading, bold line or paragraph, possibly with a " | Site" suffix or a
// "Site: " prefix), and a byline line at the top.

// leadWindow is how many leading text blocks the title rules look at.
const leadWindow = 5

func titleRule(d *doc, name string) {
	if d.title == "" {
		return
	}
	for i, b := range d.liveText() {
		if i >= leadWindow {
			return
		}
		if isTitleRepeat(b, d.title, d.rawTitl) {
			d.drop(b, name)
			continue
		}
		if b.words > 30 {
			return // the article has started
		}
	}
}

// isTitleRepeat reports whether block b is the title (folded title,
// plain rawTitle), alone or with a short site name before or after it,
// set off by a separator the title does not have ("Title | Site", "Site:
// Title"). Without one, the extra words continue a sentence that opens
// with the title ("“Nobody saw this coming,” said the chief").
func isTitleRepeat(b *block, title, rawTitle string) bool {
	if b.fold == title {
		return true
	}
	extra := b.words - words(title)
	if extra <= 0 || extra > 6 {
		return false
	}
	if !strings.HasPrefix(b.fold, title+" ") && !strings.HasSuffix(b.fold, " "+title) {
		return false
	}
	return siteSeparators(b.text) > siteSeparators(rawTitle)
}

// siteSeparatorMarks join a title and a site name. Hyphens and slashes
// count only between spaces: in "Benfica-Sporting" and "24/7" they join
// words.
var siteSeparatorMarks = []string{"|", "｜", "丨", ":", "：", "·", "・", "•", "»", "«", "~", "–", "—", " - ", " / "}

// siteSeparators counts the separator marks in s.
func siteSeparators(s string) int {
	n := 0
	for _, m := range siteSeparatorMarks {
		n += strings.Count(s, m)
	}
	return n
}

// bylineWords open a byline, folded.
var bylineWords = []string{
	"by", "written by", "posted by", "words by", "story by", "reporting by", "text by", "author",
	"par", "publie par", "ecrit par", "redige par", "texte", "auteur",
	"von", "geschrieben von", "veroffentlicht von", "autor", "autorin", "text",
	"por", "escrito por", "publicado por", "redaccion",
	"scritto da", "pubblicato da", "di", "door", "geschreven door",
	// Opinion and analysis bylines.
	"opinion by", "analysis by", "commentary by", "column by", "une chronique de", "chronique de",
	"un editorial de", "ein kommentar von", "kommentar von", "eine analyse von", "una columna de",
	"eingestellt von", "publie par",
}

// newsroomWords are bylines on their own: the desk, not a person.
var newsroomWords = newPhraseSet("redaccion", "redaktion", "redaction", "la redaction", "newsroom", "staff",
	"redazione", "redactie", "redacao", "staff reporter", "staff writer", "news desk", "die redaktion")

func bylineRule(d *doc, name string) {
	for i, b := range d.liveText() {
		if i >= 3 {
			return
		}
		if isByline(b) {
			d.drop(b, name)
			return
		}
		if b.words > 30 {
			return
		}
	}
}

// isByline reports whether b is a short "By Name" line: a by-word followed
// by a capitalised name.
func isByline(b *block) bool {
	if newsroomWords[b.fold] {
		return true
	}
	t := strings.TrimSpace(b.text)
	// A byline is a label, not a sentence: it does not end a question, and
	// a long line ending in a full stop is prose ("Por Navidad, la plaza…").
	if b.words < 2 || b.words > 18 || strings.HasSuffix(t, "?") || (b.words > 6 && strings.HasSuffix(t, ".")) {
		return false
	}
	for _, w := range bylineWords {
		if !startsPhrase(b.fold, w) {
			continue
		}
		// The raw text after the by-word must start with a capital letter.
		rest := strings.TrimLeft(afterWords(b.text, words(w)), " :-–—")
		if isNewsroom(fold(rest)) {
			return true
		}
		return isName(rest) && !(headingTags[b.tag()] && startsWithDeterminer(rest))
	}
	return false
}

// determiners open a title-case phrase, never a person's name: a heading
// "By The Numbers" or "By Any Means" names a section. A byline paragraph
// may still start with one ("By The Associated Press"); a byline heading
// seldom does.
var determiners = newPhraseSet("the", "a", "an", "any", "all", "every", "no", "this", "these", "those", "some")

// startsWithDeterminer reports whether s's first word is a determiner
// ("A." is an initial, not the article).
func startsWithDeterminer(s string) bool {
	f := strings.Fields(s)
	return len(f) > 0 && determiners[strings.ToLower(f[0])]
}

// nameJoiners may appear in lower case inside a list of names.
var nameJoiners = map[string]bool{
	"and": true, "und": true, "et": true, "y": true, "e": true, "en": true, "&": true,
	"de": true, "van": true, "von": true, "der": true, "den": true, "di": true, "da": true,
	"le": true, "la": true, "del": true, "dos": true, "du": true, "bin": true, "al": true,
}

// isNewsroom reports whether folded text f starts with a newsroom desk
// ("la redaction, publie le …"), in a line of at most 16 words.
func isNewsroom(f string) bool {
	fs := strings.Fields(f)
	for n := 1; n <= 3 && n <= len(fs); n++ {
		if newsroomWords[strings.Join(fs[:n], " ")] && len(fs) <= 16 {
			return true
		}
	}
	return false
}

// dateJoiners introduce the date or time after a byline's names.
var dateJoiners = map[string]bool{
	"on": true, "at": true, "le": true, "am": true, "um": true, "el": true, "op": true, "em": true,
	"il": true, "in": true, "a": true, "à": true,
}

// isName reports whether s starts with a short run of capitalised words (a
// name or two), up to a separator such as "," "|" or "•".
func isName(s string) bool {
	if i := strings.IndexAny(s, ",|•·/(–—"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, " - "); i >= 0 {
		s = s[:i]
	}
	f := strings.Fields(s)
	// A date or place follows the name: "Sam Lee on 3 April", "Jeanne
	// Martin, le 4 mars", "Markus um 10:15".
	for i, w := range f {
		r, _ := utf8.DecodeRuneInString(w)
		if i > 0 && (dateJoiners[w] || unicode.IsDigit(r)) {
			f = f[:i]
			break
		}
	}
	if len(f) == 0 || len(f) > 6 {
		return false
	}
	for i, w := range f {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsUpper(r) {
			continue
		}
		if i == 0 || !nameJoiners[strings.ToLower(w)] {
			return false
		}
	}
	return true
}

// afterWords returns s after its first n words (words as fold counts them,
// approximately: runs of letters and digits).
func afterWords(s string, n int) string {
	in := false
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		if word && !in {
			if n == 0 {
				return s[i:]
			}
			n--
		}
		in = word
	}
	return ""
}
