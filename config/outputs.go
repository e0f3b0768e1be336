package config

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	yaml "go.yaml.in/yaml/v4"
)

// The keys of the outputs and filters sections.
var (
	namedOutputKeys  = []string{"name", "title", "feeds", "tags", "max_items", "filters"}
	filterKeys       = []string{"include", "exclude", "max_age", "future", "backlog"}
	outputFilterKeys = []string{"include", "exclude"}
	// FilterFields are the entry fields a filter rule can match, in the
	// order the documentation lists them.
	FilterFields = []string{"title", "content", "link", "author", "category", "feed"}
	// reservedOutputs are names that would collide with other paths.
	reservedOutputs = []string{"feed", "sources", "api", "admin", "metrics", "status", "refresh", "healthz", "readyz", "archive", "tidyfeed"}
)

// DefaultBacklog is the default first-poll backlog cap per feed.
const DefaultBacklog = 50

// Filters are include/exclude rules and date rules at one level: global
// (Config.Filters), per feed (Feed.Filters) or per output
// (NamedOutput.Filters, rules only). The zero value filters nothing.
type Filters struct {
	// Include keeps only entries matching at least one rule; empty means
	// every entry. Exclude drops entries matching any rule.
	Include []FilterRule
	Exclude []FilterRule
	// MaxAge drops entries published longer ago, 1h to 100 years; 0 means
	// no limit (for a feed: the global value).
	MaxAge time.Duration
	// Future is what happens to a date in the future: "keep", "clamp"
	// (to now) or "drop"; "" means the global value, whose default is
	// "clamp".
	Future string
	// Backlog caps the entries a feed contributes on its first poll; nil
	// means the global value (default 50), 0 means no cap.
	Backlog *int
}

// FilterRule is one RE2 regular expression on one field of an entry
// (one of FilterFields), written in YAML as a one-key mapping such as
// {title: "(?i)sponsored"}.
type FilterRule struct {
	Field   string
	Pattern string
}

// NamedOutput is one entry of the outputs list: a feed served at
// /<Name>.atom, /<Name>.rss and /<Name>.json besides the default /feed.*.
type NamedOutput struct {
	// Name is the output's path segment: lower-case letters, digits, '-'
	// and '_', not one of the daemon's own paths.
	Name string
	// Title defaults to Output.Title followed by " – " and the name.
	Title string
	// Feeds selects feeds by name, URL or path as written in the feeds
	// list; Tags selects feeds carrying any of the tags. With neither,
	// every feed is selected.
	Feeds []string
	Tags  []string
	// MaxItems caps the entries per document; 0 means Output.MaxItems.
	MaxItems int
	// Filters are applied when the output is rendered (rules only).
	Filters Filters
	// Line and Column are where the output's entry starts in the file.
	Line, Column int
}

var outputName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// filters decodes a filters mapping; keys lists the keys allowed here.
func (d *decoder) filters(n *yaml.Node, what string, keys []string, dst *Filters) {
	d.mapping(n, what, keys, func(key string, k, v *yaml.Node) {
		w := what + "." + key
		switch key {
		case "include":
			d.rules(v, w, &dst.Include)
		case "exclude":
			d.rules(v, w, &dst.Exclude)
		case "max_age":
			d.duration(v, w, time.Hour, 100*365*24*time.Hour, &dst.MaxAge)
		case "future":
			d.enum(v, w, []string{"keep", "clamp", "drop"}, &dst.Future)
		case "backlog":
			b := -1
			d.integer(v, w, 0, maxMaxItems, &b)
			if b >= 0 {
				dst.Backlog = &b
			}
		}
	})
}

// rules decodes a list of one-key mappings {field: pattern}.
func (d *decoder) rules(n *yaml.Node, what string, dst *[]FilterRule) {
	d.list(n, what, func(i int, item *yaml.Node) {
		w := fmt.Sprintf("%s[%d]", what, i)
		r := d.resolve(item)
		if r == nil || r.Kind != yaml.MappingNode || len(r.Content) != 2 {
			d.errorf(deref(item), "%s must be one field and a pattern, such as {title: \"(?i)sponsored\"} (fields: %s)", w, joinQuoted(FilterFields))
			return
		}
		d.mapping(r, w, FilterFields, func(key string, k, v *yaml.Node) {
			var pat string
			d.str(v, w+"."+key, &pat)
			if pat == "" {
				d.errorf(deref(v), "%s.%s needs a non-empty pattern", w, key)
				return
			}
			if _, err := regexp.Compile(pat); err != nil {
				d.errorf(deref(v), "%s.%s: %v", w, key, err)
				return
			}
			*dst = append(*dst, FilterRule{Field: key, Pattern: pat})
		})
	})
}

// namedOutput decodes one entry of the outputs list.
func (d *decoder) namedOutput(n *yaml.Node, what string) (o NamedOutput, ok bool) {
	r := d.resolve(n)
	if r == nil {
		return o, false
	}
	if r.Kind != yaml.MappingNode {
		d.errorf(r, "%s must be a mapping with a name, got %s", what, kindName(r))
		return o, false
	}
	o.Line, o.Column = n.Line, n.Column
	d.mapping(r, what, namedOutputKeys, func(key string, k, v *yaml.Node) {
		w := what + "." + key
		switch key {
		case "name":
			d.str(v, w, &o.Name)
			switch {
			case o.Name == "":
			case !outputName.MatchString(o.Name):
				d.errorf(deref(v), "%s %q must be lower-case letters, digits, '-' or '_' (it becomes /%s.atom)", w, o.Name, o.Name)
			case slices.Contains(reservedOutputs, o.Name):
				d.errorf(deref(v), "%s %q is reserved for tidyfeed's own paths", w, o.Name)
			}
		case "title":
			d.str(v, w, &o.Title)
		case "feeds":
			d.strings(v, w, &o.Feeds)
		case "tags":
			d.strings(v, w, &o.Tags)
		case "max_items":
			d.integer(v, w, 1, maxMaxItems, &o.MaxItems)
		case "filters":
			d.filters(v, w, outputFilterKeys, &o.Filters)
		}
	})
	if o.Name == "" {
		d.errorf(n, "%s needs a name", what)
	}
	return o, true
}

// checkOutputs reports duplicate output names and selections that name no
// configured feed or tag.
func (d *decoder) checkOutputs(outs []NamedOutput, fs []Feed) {
	names := make(map[string]NamedOutput)
	feedRefs := make(map[string]bool)
	tags := make(map[string]bool)
	for _, f := range fs {
		for _, s := range []string{f.Name, f.URL, f.Path} {
			if s != "" {
				feedRefs[s] = true
			}
		}
		for _, t := range f.Tags {
			tags[t] = true
		}
	}
	for _, o := range outs {
		if prev, dup := names[o.Name]; dup && o.Name != "" {
			d.errAt(o.Line, o.Column, fmt.Sprintf("duplicate output name %q (line %d:%d uses it too)", o.Name, prev.Line, prev.Column))
		}
		names[o.Name] = o
		for _, ref := range o.Feeds {
			if !feedRefs[ref] {
				d.errAt(o.Line, o.Column, fmt.Sprintf("output %q: no feed is named or located %q", o.Name, ref))
			}
		}
		for _, t := range o.Tags {
			if !tags[t] {
				d.errAt(o.Line, o.Column, fmt.Sprintf("output %q: no feed has the tag %q", o.Name, t))
			}
		}
	}
}

// Selects reports whether output o includes feed f.
func (o NamedOutput) Selects(f Feed) bool {
	if len(o.Feeds) == 0 && len(o.Tags) == 0 {
		return true
	}
	for _, ref := range o.Feeds {
		if ref != "" && (ref == f.Name || ref == f.URL || ref == f.Path) {
			return true
		}
	}
	for _, t := range o.Tags {
		if slices.Contains(f.Tags, t) {
			return true
		}
	}
	return false
}
