package sanitize

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestContainsFold(t *testing.T) {
	for _, c := range []struct {
		s, sub string
		want   bool
	}{
		{"", "<iframe", false},
		{"<iframe", "<iframe", true},
		{"x<IFrAmE src=a>", "<iframe", true},
		{"<ifram", "<iframe", false},
		{"<<<< <i <if <ifr", "<iframe", false},
		{"text <b>x</b> <iframe>", "<iframe", true},
		{"text <b>x</b> < iframe>", "<iframe", false},
		{"abc", "", true},
		{"xxABCyy", "abc", true},
		{"xxAByy", "abc", false},
	} {
		if got := containsFold(c.s, c.sub); got != c.want {
			t.Errorf("containsFold(%q, %q) = %v; want %v", c.s, c.sub, got, c.want)
		}
		if want := strings.Contains(strings.ToLower(c.s), strings.ToLower(c.sub)); want != c.want {
			t.Errorf("case %q/%q: table disagrees with strings.Contains of lower-cased forms", c.s, c.sub)
		}
	}
}

// TestTextFastPath: text without '<' or '&' comes out of Text exactly as
// the tokenizer would make it.
func TestTextFastPath(t *testing.T) {
	const alphabet = "ab Z\t\r\n\x00\x7f\u200b\u200d\u00a0é\xff;#/\"'="
	r := rand.New(rand.NewPCG(9, 10))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		s := b.String()
		if got, want := Text(s), markupText(s); got != want {
			t.Fatalf("Text(%q) = %q; the tokenizer gives %q", s, got, want)
		}
	}
}
