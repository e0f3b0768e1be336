package clean

import "strings"

// Family "teaser": an early block that repeats the start of a later one
// (a truncated teaser of the lead, possibly cut mid-word or ended with
// "…", "[…]"), and exact duplicate blocks (the first occurrence stays).

// teaserWindow is how many leading text blocks may be teasers.
const teaserWindow = 6

func teaserRule(d *doc, name string) {
	live := d.liveText()
	for i := 0; i < len(live) && i < teaserWindow; i++ {
		t := live[i]
		// Standfirst bullets (list items) summarise; they are not teasers.
		if t.words < 6 || len(t.fold) < 30 || t.inList() || headingTags[t.tag()] {
			continue
		}
		if repeatsLater(t.fold, live[i+1:]) {
			d.drop(t, name)
		}
	}
}

// repeatsLater reports whether folded text t is a strict prefix of the
// text of later blocks read from the start of one of them, possibly
// running on into the blocks after it. Folding drops ellipses and
// brackets, and a string prefix allows a word cut in half.
func repeatsLater(t string, later []*block) bool {
	for j, b := range later {
		if b.fold == t || !strings.HasPrefix(t, firstWord(b.fold)) {
			continue
		}
		var s strings.Builder
		for _, c := range later[j:] {
			if s.Len() > 0 {
				s.WriteByte(' ')
			}
			s.WriteString(c.fold)
			if s.Len() >= len(t) {
				break
			}
		}
		if strings.HasPrefix(s.String(), t) && s.Len() > len(t) {
			return true
		}
	}
	return false
}

func firstWord(f string) string {
	if i := strings.IndexByte(f, ' '); i >= 0 {
		return f[:i]
	}
	return f
}

// duplicateRule removes a block that repeats an earlier one exactly when
// it is either a long paragraph (20 words or more) or a repeat of one of
// the leading paragraphs (12 words or more). Short repeats are common in
// real content (patch notes, code, recipes) and stay.
func duplicateRule(d *doc, name string) {
	seen := map[string]int{} // folded text → position among text blocks
	for i, b := range d.liveText() {
		if b.words < 12 || b.inList() || atomicTags[b.tag()] {
			continue
		}
		if first, ok := seen[b.fold]; ok && (b.words >= 20 || first < teaserWindow) {
			d.drop(b, name)
			continue
		}
		seen[b.fold] = i
	}
}
