package filter

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/net/html"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// Field names the part of an entry a Rule looks at.
type Field string

// The fields a Rule can match.
const (
	Title    Field = "title"    // the cleaned title
	Content  Field = "content"  // the text of the cleaned body and summary, tags removed
	Link     Field = "link"     // the entry's link
	Author   Field = "author"   // each author's name and email
	Category Field = "category" // each category
	FeedName Field = "feed"     // the feed's configured name, else its own title
)

// Fields lists every Field in the order the documentation gives them.
var Fields = []Field{Title, Content, Link, Author, Category, FeedName}

// Rule is one RE2 regular expression matched against one field. A field
// with several values (authors, categories) matches when any value does.
type Rule struct {
	Field   Field
	Pattern string
}

// Rules are the include and exclude rules of one level (global, one feed
// or one output). An entry passes when it matches no Exclude rule and, if
// there are Include rules, at least one of them. The zero value passes
// everything.
type Rules struct {
	Include []Rule
	Exclude []Rule
}

// Set is a compiled Rules. A nil *Set passes everything. A Set is
// immutable and safe for concurrent use.
type Set struct {
	include, exclude []compiled
	src              Rules
}

type compiled struct {
	field Field
	re    *regexp.Regexp
}

// Compile checks and compiles r. It returns nil, nil for empty rules, and
// an error naming the first bad field or pattern.
func Compile(r Rules) (*Set, error) {
	if len(r.Include) == 0 && len(r.Exclude) == 0 {
		return nil, nil
	}
	s := &Set{src: r}
	for _, l := range []struct {
		name  string
		rules []Rule
		dst   *[]compiled
	}{{"include", r.Include, &s.include}, {"exclude", r.Exclude, &s.exclude}} {
		for i, rule := range l.rules {
			if !validField(rule.Field) {
				return nil, fmt.Errorf("compile %s[%d]: unknown field %q", l.name, i, rule.Field)
			}
			re, err := regexp.Compile(rule.Pattern)
			if err != nil {
				return nil, fmt.Errorf("compile %s[%d] on %s: %w", l.name, i, rule.Field, err)
			}
			*l.dst = append(*l.dst, compiled{field: rule.Field, re: re})
		}
	}
	return s, nil
}

// Rules returns the rules s was compiled from (the zero Rules for nil).
func (s *Set) Rules() Rules {
	if s == nil {
		return Rules{}
	}
	return s.src
}

func validField(f Field) bool {
	for _, g := range Fields {
		if f == g {
			return true
		}
	}
	return false
}

// Match reports why e fails s, or "" when it passes: "exclude:<field>"
// for the first matching exclude rule, "include" when there are include
// rules and none matches. feed is the feed's display name.
func (s *Set) Match(e *feeds.Entry, feed string) string {
	if s == nil {
		return ""
	}
	v := values{e: e, feed: feed}
	for _, c := range s.exclude {
		if v.match(c) {
			return "exclude:" + string(c.field)
		}
	}
	if len(s.include) == 0 {
		return ""
	}
	for _, c := range s.include {
		if v.match(c) {
			return ""
		}
	}
	return "include"
}

// values extracts an entry's fields lazily (content text only when asked).
type values struct {
	e    *feeds.Entry
	feed string
	text *string
}

func (v *values) match(c compiled) bool {
	switch c.field {
	case Title:
		return c.re.MatchString(v.e.Title)
	case Link:
		return c.re.MatchString(v.e.Link)
	case FeedName:
		return c.re.MatchString(v.feed)
	case Content:
		if v.text == nil {
			t := Text(v.e.Content) + "\n" + v.e.Summary
			v.text = &t
		}
		return c.re.MatchString(*v.text)
	case Author:
		for _, a := range v.e.Authors {
			if c.re.MatchString(a.Name) || (a.Email != "" && c.re.MatchString(a.Email)) {
				return true
			}
		}
	case Category:
		for _, cat := range v.e.Categories {
			if c.re.MatchString(cat) {
				return true
			}
		}
	}
	return false
}

// Text returns the text of an HTML fragment: tags removed, entities
// decoded, whitespace runs folded to one space.
func Text(fragment string) string {
	if !strings.ContainsAny(fragment, "<&") {
		return strings.Join(strings.Fields(fragment), " ")
	}
	z := html.NewTokenizer(strings.NewReader(fragment))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			b.WriteByte(' ')
		}
	}
}

// String returns a canonical text form of r, for comparing rule sets.
func (r Rules) String() string {
	var b strings.Builder
	for _, l := range [][]Rule{r.Include, r.Exclude} {
		for _, x := range l {
			b.WriteString(string(x.Field) + "\x00" + x.Pattern + "\x00")
		}
		b.WriteString("\x01")
	}
	return b.String()
}
