package clean

import (
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/PuerkitoBio/goquery"
	"github.com/tidyfeed/tidyfeed/feeds"
	"golang.org/x/net/html"
)

// Options configures a Cleaner. The zero value is usable: every rule
// family on, summaries of up to 300 characters.
type Options struct {
	// Disable names rule families (see RuleFamilies) switched off for every
	// feed; nil means all on. Unknown names are ignored.
	Disable []string
	// ExcerptLength is the longest summary excerpt, in characters, that
	// Clean writes when it builds a summary from the body; 0 means 300.
	ExcerptLength int
}

// Feed is what the cleaner knows about the feed an entry came from.
// The zero value means generic rules only, nothing learned.
type Feed struct {
	// Rules are the feed's remove selectors, replace patterns and disabled
	// rule families from feeds.yaml.
	Rules feeds.CleanRules
	// Profile is the feed's learned template; nil disables the template
	// rule for this call.
	Profile *Profile
}

// Cleaner cleans entries. Create one with New and share it: it is safe
// for concurrent use, and compiled patterns are cached in it.
type Cleaner struct {
	opts     Options
	disabled map[string]bool
	safe     safety
	patterns sync.Map // pattern string → *regexp.Regexp, or nil when invalid
}

// New returns a Cleaner for opts.
func New(opts Options) *Cleaner {
	if opts.ExcerptLength <= 0 {
		opts.ExcerptLength = 300
	}
	c := &Cleaner{opts: opts, disabled: map[string]bool{}, safe: newSafety()}
	for _, f := range opts.Disable {
		c.disabled[strings.ToLower(strings.TrimSpace(f))] = true
	}
	return c
}

// Clean reads e.Raw and sets e.Title (plain text), e.Link (tracking
// removed, redirect wrappers unwrapped), e.Content (clean, safe HTML) and
// e.Summary (a plain-text excerpt). It returns what it removed from the
// body. Clean does no I/O; it does not modify e.Raw, nor what f.Profile
// learned: it only takes the parse of the body that Profile.Learn kept,
// if any, instead of parsing the body again.
func (c *Cleaner) Clean(e *feeds.Entry, f Feed) Report {
	var rep Report
	e.Title = safeText(e.Raw.Title)
	e.Link = cleanURL(e.Raw.Link)
	body, fromSummary := rawBody(e.Raw)
	in := input{title: e.Title, link: e.Link, base: e.Raw.Base, text: e.Raw.Text}
	content, text := c.body(body, in, f, &rep, true)
	e.Content = content
	if fromSummary || strings.TrimSpace(e.Raw.Summary) == "" {
		e.Summary = excerpt(text, c.opts.ExcerptLength)
		return rep
	}
	// Raw.Text describes the content; the summary is judged by its looks.
	in.text = false
	_, sum := c.body(e.Raw.Summary, in, Feed{Rules: f.Rules}, &Report{}, false)
	e.Summary = c.summary(sum, text)
	return rep
}

// Explanation is what cleaning did to one entry, for `tidyfeed explain`.
type Explanation struct {
	Title   string // the cleaned title
	Before  string // the raw body as received (content, else summary)
	After   string // the cleaned, safe body
	Summary string // the cleaned summary
	Report  Report // which rule removed which block
}

// Explain cleans a copy of e and returns the body before and after, with
// the report. It does not modify e.
func (c *Cleaner) Explain(e feeds.Entry, f Feed) Explanation {
	body, _ := rawBody(e.Raw)
	rep := c.Clean(&e, f)
	return Explanation{Title: e.Title, Before: body, After: e.Content, Summary: e.Summary, Report: rep}
}

// input is the per-entry context of body cleaning.
type input struct {
	title, link, base string
	text              bool
}

// rawBody returns the body to clean: the content, else the summary, and
// whether it came from the summary.
func rawBody(r feeds.Raw) (string, bool) {
	if strings.TrimSpace(r.Content) != "" {
		return r.Content, false
	}
	return r.Summary, true
}

// prepare turns a plain-text body into paragraphs; HTML passes unchanged.
func prepare(body string, text bool) string {
	if text || !hasMarkup(body) {
		return textToHTML(body)
	}
	return body
}

// body cleans one HTML or text body and returns the safe HTML and its
// plain text (paragraphs joined by spaces). Without wantHTML only the text
// is made: rendering and sanitizing HTML nobody reads is half the cost of
// cleaning a summary.
func (c *Cleaner) body(raw string, in input, f Feed, rep *Report, wantHTML bool) (string, string) {
	disabled := c.disabledFor(f.Rules.Disable)
	raw = c.replace(raw, f.Rules.Replace)
	if strings.TrimSpace(raw) == "" {
		return "", ""
	}
	prepared := prepare(raw, in.text)
	var root *html.Node
	var folds map[string]string
	// Learn parsed this body already, dropping form controls as Clean
	// does when neither family that owns them is off.
	if pb, ok := f.Profile.takeParse(prepared); ok && !disabled["share"] && !disabled["cta"] {
		root, folds = pb.root, pb.folds
		rep.Removed = append(rep.Removed, pb.rep.Removed...)
	} else {
		root = parseBody(prepared)
		dropElements(root, rep, func(fam string) bool { return disabled[fam] })
	}
	rewrite(root, baseURL(in.base, in.link), rep)
	if !disabled["share"] {
		dropShareLinks(root, rep)
	}
	removeSelectors(root, f.Rules.Remove, rep)

	d := &doc{root: root, blocks: collectBlocks(root, folds), title: fold(in.title), rawTitl: in.title, rep: rep}
	if u, err := url.Parse(in.link); err == nil && u.Host != "" {
		d.link = u
	}
	if !disabled["template"] {
		d.profile = f.Profile
	}
	for _, r := range pipeline {
		if !disabled[r.family] {
			r.run(d, r.family+"/"+r.name)
		}
	}
	// The plain text feeds the summary excerpt: prose, not headings.
	var text []string
	for _, b := range d.liveText() {
		if !headingTags[b.tag()] {
			text = append(text, b.text)
		}
	}
	if !wantHTML {
		return "", strings.Join(text, " ")
	}
	return strings.TrimSpace(c.safe.html(render(root, len(prepared)))), strings.Join(text, " ")
}

// disabledFor merges the global and per-feed disabled families.
func (c *Cleaner) disabledFor(feed []string) map[string]bool {
	if len(feed) == 0 {
		return c.disabled
	}
	m := make(map[string]bool, len(c.disabled)+len(feed))
	for k := range c.disabled {
		m[k] = true
	}
	for _, f := range feed {
		m[strings.ToLower(strings.TrimSpace(f))] = true
	}
	return m
}

// replace applies the feed's replacements; invalid patterns are skipped
// (package config reports them).
func (c *Cleaner) replace(s string, reps []feeds.Replacement) string {
	for _, r := range reps {
		if re := c.pattern(r.Pattern); re != nil {
			s = re.ReplaceAllString(s, r.With)
		}
	}
	return s
}

func (c *Cleaner) pattern(p string) *regexp.Regexp {
	if v, ok := c.patterns.Load(p); ok {
		re, _ := v.(*regexp.Regexp)
		return re
	}
	re, err := regexp.Compile(p)
	if err != nil {
		re = nil
	}
	c.patterns.Store(p, re)
	return re
}

// baseURL returns the URL relative references resolve against.
func baseURL(base, link string) *url.URL {
	for _, s := range []string{base, link} {
		if u, err := url.Parse(strings.TrimSpace(s)); err == nil && u.IsAbs() {
			return u
		}
	}
	return nil
}

// removeSelectors applies a feed's remove: selectors.
func removeSelectors(root *html.Node, sels []string, rep *Report) {
	if len(sels) == 0 {
		return
	}
	d := goquery.NewDocumentFromNode(root)
	for _, sel := range sels {
		d.Find(sel).Each(func(_ int, s *goquery.Selection) {
			n := s.Get(0)
			if n == root || n.Parent == nil {
				return
			}
			rep.add("feed/remove", textOf(n))
			n.Parent.RemoveChild(n)
		})
	}
}

// summary picks the output summary: the cleaned source summary, unless it
// is empty or only a teaser of the body, in which case an excerpt of the
// body.
func (c *Cleaner) summary(sum, body string) string {
	full := body
	// A teaser repeats the body's start: fold only as much body as needed.
	if limit := 4*len(sum) + 400; len(body) > limit {
		body = body[:limit]
	}
	fs, fb := fold(sum), fold(body)
	if fs == "" || strings.HasPrefix(fb, fs) || strings.Contains(fb, fs) {
		return excerpt(full, c.opts.ExcerptLength)
	}
	return excerpt(sum, 2*c.opts.ExcerptLength)
}
