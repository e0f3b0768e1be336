package clean

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// paragraphs returns the text of each block of rendered HTML, in order.
func paragraphs(t *testing.T, s string) []string {
	t.Helper()
	root := parseBody(s)
	var out []string
	for _, b := range collectBlocks(root, nil) {
		if b.text != "" {
			out = append(out, html.UnescapeString(b.text))
		}
	}
	return out
}

// safetyLanded is true once safety.go calls feeds/clean/sanitize and
// feeds/canon; tests of their duties (tracking parameters) wait for it.
const safetyLanded = true

// countIn counts occurrences of needle in the visible text of s.
func countIn(s, needle string) int {
	return strings.Count(collapse(textOf(parseBody(s))), needle)
}
