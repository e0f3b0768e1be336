package dedupe

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestWriteHashTextMatchesJoinReplace: the streaming form writes exactly
// what the joined-and-replaced string held (the form stored hashes were
// made with), so no stored Hash changes.
func TestWriteHashTextMatchesJoinReplace(t *testing.T) {
	const alphabet = "<> \t\n\u00a0ab"
	r := rand.New(rand.NewPCG(3, 4))
	cases := []string{"", " ", "<p> <b>x</b> </p>", "a> < <b", "a> > <b", "a> <> <b", "x>\n\t<y", " <a>  <b> "}
	for range 50000 {
		var b strings.Builder
		for range r.IntN(24) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		var got bytes.Buffer
		w := bufio.NewWriter(&got)
		writeHashText(w, s)
		w.Flush()
		want := strings.NewReplacer("> <", "><").Replace(strings.Join(strings.Fields(s), " "))
		if got.String() != want {
			t.Fatalf("writeHashText(%q) = %q; want %q", s, got.String(), want)
		}
	}
}
