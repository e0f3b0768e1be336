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
		if t.words < 6 || len(t.fold) < 30 {
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

func duplicateRule(d *doc, name string) {
	seen := map[string]bool{}
	for _, b := range d.liveText() {
		if b.words < 3 {
			continue
		}
		if seen[b.fold] {
			d.drop(b, name)
			continue
		}
		seen[b.fold] = true
	}
}
