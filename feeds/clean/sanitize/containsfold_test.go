package sanitize

import (
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
