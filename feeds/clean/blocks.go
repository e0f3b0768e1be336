package clean

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// A block is the unit rules judge and remove: a leaf block element (p, li,
// h2, a div with no block children, ...) or a run of inline nodes between
// block boundaries and <br> line breaks.
type block struct {
	nodes  []*html.Node // the block's nodes, consecutive siblings under parent
	parent *html.Node
	elem   *html.Node // the block element when the block is one element, else nil

	text  string // visible text, white space collapsed
	fold  string // fold(text)
	words int

	linkText int    // bytes of text inside links
	links    int    // number of links with text
	href     string // href of the first link
	media    bool   // holds an image, video, audio or iframe

	removed bool
}

// tag returns the block element's tag, or the enclosing element's tag for
// inline runs.
func (b *block) tag() atom.Atom {
	if b.elem != nil {
		return b.elem.DataAtom
	}
	if b.parent != nil {
		return b.parent.DataAtom
	}
	return 0
}

// linkRatio is the share of the block's text inside links.
func (b *block) linkRatio() float64 {
	if len(b.text) == 0 {
		return 0
	}
	return float64(b.linkText) / float64(len(b.text))
}

// inList reports whether the block is a list item or lies in one.
func (b *block) inList() bool {
	for n := b.parent; n != nil; n = n.Parent {
		if n.DataAtom == atom.Li {
			return true
		}
	}
	return b.tag() == atom.Li
}

// codeTags hold code, sample output and keyboard input.
var codeTags = map[atom.Atom]bool{atom.Pre: true, atom.Code: true, atom.Kbd: true, atom.Samp: true}

// isCode reports whether all of b's text lies in codeTags elements: a
// <pre> block, or a paragraph that is one <code> span. Code is never
// interface text or a call to action, whatever words it uses
// ("tweet.like()", "newsletter.subscribe()").
func (b *block) isCode() bool {
	if b.text == "" {
		return false
	}
	for n := b.parent; n != nil; n = n.Parent {
		if codeTags[n.DataAtom] {
			return true
		}
	}
	for _, n := range b.nodes {
		if !allCode(n) {
			return false
		}
	}
	return true
}

// figureRE matches a labelled share or amount, the whole of a block:
// "Advertising: 62%", "Subscriptions: 30 %", "Ads – €1.2". A bare count
// ("Comments: 12") is no figure: share bars and comment counters are made
// of those.
var figureRE = regexp.MustCompile(`^[^:：–—|]{1,40}[:：–—|]\s*[-+~≈]?(?:[$€£¥]\s?\d[\d.,\s]*|\d[\d.,\s]*(?:%|[$€£¥]))$`)

// isFigure reports whether b is a labelled figure (see figureRE): data,
// whatever words its label uses.
func (b *block) isFigure() bool {
	return b.words <= 8 && figureRE.MatchString(strings.TrimSpace(b.text))
}

// allCode reports whether every visible text under n lies in a codeTags
// element.
func allCode(n *html.Node) bool {
	switch {
	case n.Type == html.TextNode:
		return strings.TrimSpace(n.Data) == ""
	case n.Type == html.ElementNode && codeTags[n.DataAtom]:
		return true
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if !allCode(c) {
			return false
		}
	}
	return true
}

var blockTags = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Body: true, atom.Center: true, atom.Dd: true, atom.Details: true, atom.Dialog: true,
	atom.Div: true, atom.Dl: true, atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true,
	atom.Figure: true, atom.Footer: true, atom.Form: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true,
	atom.Hgroup: true, atom.Hr: true, atom.Li: true, atom.Main: true, atom.Nav: true,
	atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
	atom.Table: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true, atom.Tr: true,
	atom.Td: true, atom.Th: true, atom.Caption: true, atom.Ul: true, atom.Noscript: true,
}

// atomicTags are blocks never split into smaller ones.
var atomicTags = map[atom.Atom]bool{atom.Pre: true, atom.Table: true}

var mediaTags = map[atom.Atom]bool{
	atom.Img: true, atom.Picture: true, atom.Video: true, atom.Audio: true,
	atom.Iframe: true, atom.Svg: true, atom.Math: true, atom.Object: true,
	atom.Embed: true, atom.Canvas: true, atom.Source: true,
}

var headingTags = map[atom.Atom]bool{
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
}

func isBlockElem(n *html.Node) bool {
	return n.Type == html.ElementNode && blockTags[n.DataAtom]
}

// hasStructure reports whether n has a block element or a <br> below it,
// so that it must be split into several blocks.
func hasStructure(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if blockTags[c.DataAtom] || c.DataAtom == atom.Br || hasStructure(c) {
			return true
		}
	}
	return false
}

// collectBlocks returns root's blocks in document order. folds, if not
// nil, memoises fold by block text: Learn fills it and Clean, which
// collects the blocks of the same parse again, reads it.
func collectBlocks(root *html.Node, folds map[string]string) []*block {
	var out []*block
	collectInto(root, &out, folds)
	return out
}

func collectInto(n *html.Node, out *[]*block, folds map[string]string) {
	var run []*html.Node
	flush := func() {
		if len(run) > 0 {
			if b := newBlock(n, run, nil, folds); b.text != "" || b.media {
				*out = append(*out, b)
			}
			run = nil
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.ElementNode && (blockTags[c.DataAtom] || hasStructure(c)):
			flush()
			if atomicTags[c.DataAtom] || (blockTags[c.DataAtom] && !hasStructure(c)) {
				if b := newBlock(n, []*html.Node{c}, c, folds); b.text != "" || b.media {
					*out = append(*out, b)
				}
			} else {
				collectInto(c, out, folds)
			}
		case c.Type == html.ElementNode && c.DataAtom == atom.Br:
			run = append(run, c)
			flush()
		default:
			run = append(run, c)
		}
	}
	flush()
}

func newBlock(parent *html.Node, nodes []*html.Node, elem *html.Node, folds map[string]string) *block {
	b := &block{nodes: nodes, parent: parent, elem: elem}
	var sb strings.Builder
	for _, n := range nodes {
		b.scan(n, &sb, false)
	}
	b.text = collapse(sb.String())
	if f, ok := folds[b.text]; ok {
		b.fold = f
	} else {
		b.fold = fold(b.text)
		if folds != nil {
			folds[b.text] = b.fold
		}
	}
	b.words = words(b.fold)
	return b
}

func (b *block) scan(n *html.Node, sb *strings.Builder, inLink bool) {
	switch n.Type {
	case html.TextNode:
		sb.WriteString(n.Data)
		if inLink {
			b.linkText += len(strings.TrimSpace(n.Data))
		}
		return
	case html.ElementNode:
	default:
		return
	}
	switch {
	case mediaTags[n.DataAtom]:
		b.media = true
		return
	case n.DataAtom == atom.Br:
		sb.WriteByte(' ')
		return
	case n.DataAtom == atom.A && !inLink:
		inLink = true
		if t := strings.TrimSpace(textOf(n)); t != "" {
			b.links++
			if b.href == "" {
				b.href = attr(n, "href")
			}
		}
	}
	if blockTags[n.DataAtom] {
		sb.WriteByte(' ')
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.scan(c, sb, inLink)
	}
	if blockTags[n.DataAtom] {
		sb.WriteByte(' ')
	}
}

// remove detaches the block's nodes (and a <br> that ended it) and prunes
// ancestors left empty, up to but excluding root.
func (b *block) remove(root *html.Node) {
	if b.removed {
		return
	}
	b.removed = true
	for _, n := range b.nodes {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
	pruneUp(b.parent, root)
}

// pruneUp removes n and its ancestors while they hold no content.
func pruneUp(n, root *html.Node) {
	for n != nil && n != root && n.Parent != nil && !hasContent(n) {
		p := n.Parent
		p.RemoveChild(n)
		n = p
	}
}

// hasContent reports whether n holds visible text or media.
func hasContent(n *html.Node) bool {
	switch n.Type {
	case html.TextNode:
		return strings.TrimSpace(n.Data) != ""
	case html.ElementNode:
		if mediaTags[n.DataAtom] || n.DataAtom == atom.Hr {
			return true
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if hasContent(c) {
			return true
		}
	}
	return false
}

// textOutside returns the text under n outside the elements skip names,
// with a space where an element starts.
func textOutside(n *html.Node, skip func(*html.Node) bool) string {
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				sb.WriteString(c.Data)
			case c.Type == html.ElementNode && !skip(c):
				sb.WriteByte(' ')
				walk(c)
			}
		}
	}
	walk(n)
	return sb.String()
}

// textOf returns the text content of n.
func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				sb.WriteString(c.Data)
			case html.ElementNode:
				if c.DataAtom == atom.Br || blockTags[c.DataAtom] {
					sb.WriteByte(' ')
				}
				walk(c)
				if blockTags[c.DataAtom] {
					sb.WriteByte(' ')
				}
			}
		}
	}
	walk(n)
	return sb.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}
