package clean

import (
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// doc is the state rules share while cleaning one entry body.
type doc struct {
	root    *html.Node
	blocks  []*block
	title   string // folded entry title
	rawTitl string // plain entry title
	link    *url.URL
	profile *Profile
	rep     *Report

	hints     []hinted // elements with class or id hints, see hintedElements
	hintsDone bool
}

// live returns the blocks not yet removed, in document order.
func (d *doc) live() []*block {
	out := make([]*block, 0, len(d.blocks))
	for _, b := range d.blocks {
		if !b.removed {
			out = append(out, b)
		}
	}
	return out
}

// liveText returns the live blocks that have text.
func (d *doc) liveText() []*block {
	out := make([]*block, 0, len(d.blocks))
	for _, b := range d.blocks {
		if !b.removed && b.fold != "" {
			out = append(out, b)
		}
	}
	return out
}

// drop removes b and records it under rule.
func (d *doc) drop(b *block, rule string) {
	if b.removed {
		return
	}
	b.remove(d.root)
	d.rep.add(rule, b.text)
}

// rule is one named step of the pipeline.
type rule struct {
	family string
	name   string
	run    func(d *doc, name string)
}

// pipeline is the ordered list of block rules. Order matters: vocabulary
// rules run first so that "leading" and "trailing" blocks are judged
// without widgets in the way.
var pipeline = []rule{
	{"share", "hint", hintRule("share")},
	{"ads", "hint", hintRule("ads")},
	{"related", "hint", hintRule("related")},
	{"cta", "hint", hintRule("cta")},
	{"share", "ui", shareRule},
	{"ads", "marker", adsRule},
	{"cta", "newsletter", ctaRule},
	{"footer", "trailer", footerRule},
	{"template", "learned", templateRule},
	{"title", "repeat", titleRule},
	{"title", "byline", bylineRule},
	{"teaser", "prefix", teaserRule},
	{"teaser", "duplicate", duplicateRule},
	{"related", "marker", relatedMarkerRule},
	{"related", "links", relatedLinksRule},
	{"footer", "inline", inlineTrailerRule},
}

// families documents each rule family, in the order of RuleFamilies.
var families = []struct{ name, doc string }{
	{"share", "share and social widgets, comment counters, embed-code boxes"},
	{"ads", "advertisement and sponsored-content markers"},
	{"title", "the entry title repeated at the top, bylines"},
	{"teaser", "truncated teasers repeating the lead, duplicate blocks"},
	{"related", "related-headline lists, with or without a marker"},
	{"cta", "newsletter and subscription calls to action"},
	{"template", "blocks learned to recur across a feed's entries"},
	{"footer", "blog-platform trailers: appeared first on, continue reading"},
}

// RuleFamilies returns the names of the rule families, usable in a feed's
// disable: list. Safety (sanitizing, URL cleaning, tracker removal) is not
// a family and cannot be disabled.
func RuleFamilies() []string {
	out := make([]string, len(families))
	for i, f := range families {
		out[i] = f.name
	}
	return out
}

// RuleFamilyDoc returns a one-line description of the named family, or ""
// when there is no such family.
func RuleFamilyDoc(name string) string {
	for _, f := range families {
		if f.name == name {
			return f.doc
		}
	}
	return ""
}

func isFamily(name string) bool {
	return slices.ContainsFunc(families, func(f struct{ name, doc string }) bool {
		return f.name == strings.ToLower(strings.TrimSpace(name))
	})
}
