package clean

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// randomText returns n strings drawn from characters that exercise fold's
// and collapse's edges: case changes, digits, apostrophes, punctuation,
// every kind of white space, accents and ligatures.
func randomText(n int) []string {
	const pieces = "aZ9 \t\n\r\v\f'’-.,!?<>&;:/xyzABC0123   \u00a0\u2003\u0085éÉßæŒçñ日本"
	alphabet := []rune(pieces)
	r := rand.New(rand.NewPCG(1, 2))
	out := []string{"", " ", "a", "A", "aB", "a1", "1a", "Ab1cD", "don't", "l’article", "  x  ", "x\u00a0y"}
	for range n {
		var b strings.Builder
		for range r.IntN(40) {
			if r.IntN(3) == 0 {
				b.WriteString([]string{"articleComments", "12Comments", "Share this", "iPhone15", "HTML5"}[r.IntN(5)])
				continue
			}
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		out = append(out, b.String())
	}
	return out
}

// TestFoldASCIIMatchesRunes: the byte-wise fold of ASCII text is the
// rune-wise fold, and fold of any text is foldRunes of its accent-stripped
// form.
func TestFoldASCIIMatchesRunes(t *testing.T) {
	for _, s := range randomText(20000) {
		if isASCII(s) {
			if got, want := foldASCII(s), foldRunes(s); got != want {
				t.Fatalf("foldASCII(%q) = %q; foldRunes gives %q", s, got, want)
			}
		}
		if got, want := fold(s), foldRunes(stripAccents(s)); got != want {
			t.Fatalf("fold(%q) = %q; want %q", s, got, want)
		}
	}
}

// TestCollapseMatchesFields: collapse is strings.Fields joined by spaces,
// with or without its fast path.
func TestCollapseMatchesFields(t *testing.T) {
	for _, s := range randomText(20000) {
		if got, want := collapse(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("collapse(%q) = %q; want %q", s, got, want)
		}
	}
}

func BenchmarkFold(b *testing.B) {
	s := strings.Repeat("The quick brown fox jumps over the lazy dog's 12Comments, articleComments! ", 20)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		fold(s)
	}
}

func BenchmarkFoldRunes(b *testing.B) {
	s := strings.Repeat("The quick brown fox jumps over the lazy dog's 12Comments, articleComments! ", 20)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		foldRunes(s)
	}
}

// TestStripLatinMatchesTransform: for text of ASCII and the latinRanges
// runes, the rune-by-rune path gives what the NFD → drop marks → NFC
// transform gives for the whole string, including runes side by side.
func TestStripLatinMatchesTransform(t *testing.T) {
	var pool []rune
	for _, rg := range latinRanges {
		for r := rg[0]; r < rg[1]; r++ {
			pool = append(pool, r)
		}
	}
	pool = append(pool, 'a', 'e', 'Z', ' ', '\'', '1')
	r := rand.New(rand.NewPCG(5, 6))
	cases := []string{"café crème", "Ærøskøbing", "Straße", "naïve — “quoted” … ’s", "Łódź", "ǅemal ǈ ǋ", "\u00a0x"}
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteRune(pool[r.IntN(len(pool))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		got, ok := stripLatin(s)
		if !ok {
			t.Fatalf("stripLatin(%q) declined text made only of its ranges", s)
		}
		if got, want := ligatures.Replace(got), stripAccentsTransform(s); got != want {
			t.Fatalf("stripAccents(%q): rune by rune %q, transform %q", s, got, want)
		}
	}
	for _, s := range []string{"日本語", "Привет", "e\u0301", "\xff"} {
		if _, ok := stripLatin(s); ok {
			t.Errorf("stripLatin(%q) took text outside its ranges", s)
		}
	}
}

func BenchmarkStripAccents(b *testing.B) {
	s := strings.Repeat("Les élèves ont présenté leur thèse à l’université — « très réussie » … ", 10)
	b.Run("latin", func(b *testing.B) {
		for b.Loop() {
			stripAccents(s)
		}
	})
	b.Run("transform", func(b *testing.B) {
		for b.Loop() {
			stripAccentsTransform(s)
		}
	})
}
