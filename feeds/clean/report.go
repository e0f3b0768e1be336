package clean

import (
	"strings"
	"unicode/utf8"
)

// Removal is one block a rule removed from an entry.
type Removal struct {
	// Rule names the rule as "family/name", e.g. "share/ui" or
	// "related/marker". The family is what feeds.yaml's disable: takes.
	Rule string `json:"rule"`
	// Text is a short excerpt of the removed block's visible text.
	Text string `json:"text"`
}

// Report lists what cleaning removed from one entry, in pipeline order.
// The zero value is an empty report.
type Report struct {
	Removed []Removal `json:"removed,omitempty"`
}

// String renders the report one removal a line, as "rule: text".
func (r Report) String() string {
	if len(r.Removed) == 0 {
		return "nothing removed"
	}
	var b strings.Builder
	for i, rm := range r.Removed {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(rm.Rule)
		b.WriteString(": ")
		b.WriteString(quoteExcerpt(rm.Text))
	}
	return b.String()
}

// Rules returns the rule names of the removals, in order; handy in tests.
func (r Report) Rules() []string {
	out := make([]string, len(r.Removed))
	for i, rm := range r.Removed {
		out[i] = rm.Rule
	}
	return out
}

func (r *Report) add(rule, text string) {
	r.Removed = append(r.Removed, Removal{Rule: rule, Text: excerpt(collapse(text), 80)})
}

func quoteExcerpt(s string) string {
	if s == "" {
		return "(no text)"
	}
	return `"` + s + `"`
}

// excerpt cuts s to at most max runes at a word boundary, adding "…" when
// it cut anything.
func excerpt(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	cut := 0
	n := 0
	for i := range s {
		if n == max {
			cut = i
			break
		}
		n++
	}
	t := s[:cut]
	if sp := strings.LastIndexAny(t, " \t\n"); sp > len(t)/2 {
		t = t[:sp]
	}
	t = strings.TrimRight(t, " ,;:-–—([{\"'“‘")
	return t + "…"
}
