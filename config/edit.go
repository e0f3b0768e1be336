package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v4"
)

// NewFeed is a feed to add to a configuration file with AddFeeds.
type NewFeed struct {
	URL  string // absolute http(s) URL
	Name string // "" writes no name
	Tags []string
}

// AddFeeds returns data with feeds appended to its feeds list, leaving
// every other byte as the user wrote it: comments, order, quoting and
// blank lines. Feeds whose URL is already listed (after the normalisation
// duplicate detection uses) or repeated in feeds are skipped; added lists
// the ones written. A missing feeds list is created at the end of the
// file. The result is checked with Parse; path is used for its messages.
// AddFeeds fails on a file that does not parse, and on a feeds list
// written in flow style ([...]), which it cannot extend line by line.
func AddFeeds(path string, data []byte, feeds []NewFeed) (out []byte, added []NewFeed, err error) {
	cfg, err := Parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	have := make(map[string]bool)
	for _, f := range cfg.Feeds {
		if f.URL != "" {
			have[normalizeURL(f.URL)] = true
		}
	}
	for _, f := range feeds {
		if _, err := httpURL(f.URL); err != nil {
			return nil, nil, fmt.Errorf("add feed: %w", err)
		}
		if k := normalizeURL(f.URL); !have[k] {
			have[k] = true
			added = append(added, f)
		}
	}
	if len(added) == 0 {
		return data, nil, nil
	}

	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, fmt.Errorf("add feeds to %s: %w", path, err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	seq, next := feedsNode(&root)
	var at int        // insert before this line index
	var indent string // of the "- " of an item
	switch {
	case seq == nil: // no feeds list: add one at the end
		if len(lines) > 0 && !strings.HasSuffix(lines[len(lines)-1], "\n") {
			lines[len(lines)-1] += "\n"
		}
		lines = append(lines, "feeds:\n")
		at, indent = len(lines), "  "
	case seq.Kind == yaml.ScalarNode && seq.Tag == "!!null": // "feeds:" with nothing
		at, indent = seq.Line, "  "
	case seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0:
		return nil, nil, fmt.Errorf("add feeds to %s: the feeds list at line %d is not a block list; add the feeds by hand", path, seq.Line)
	default:
		first := seq.Content[0]
		dash := strings.LastIndex(lines[first.Line-1][:first.Column-1], "-")
		if dash < 0 {
			return nil, nil, fmt.Errorf("add feeds to %s: cannot find the list at line %d", path, first.Line)
		}
		indent = strings.Repeat(" ", dash)
		at = len(lines)
		if next != nil {
			at = next.Line - 1
		}
		// Leave blank lines and top-level comments above the next key (or
		// at the end of the file) where they are.
		for at > first.Line && (strings.TrimSpace(lines[at-1]) == "" || strings.HasPrefix(lines[at-1], "#")) {
			at--
		}
	}
	var b strings.Builder
	for _, f := range added {
		b.WriteString(indent + "- url: " + yamlString(f.URL) + "\n")
		if f.Name != "" {
			b.WriteString(indent + "  name: " + yamlString(f.Name) + "\n")
		}
		if len(f.Tags) > 0 {
			var ts []string
			for _, t := range f.Tags {
				ts = append(ts, yamlString(t))
			}
			b.WriteString(indent + "  tags: [" + strings.Join(ts, ", ") + "]\n")
		}
	}
	if at > 0 && at <= len(lines) && !strings.HasSuffix(lines[at-1], "\n") {
		lines[at-1] += "\n"
	}
	res := insertLine(lines, at, b.String())
	out = []byte(strings.Join(res, ""))
	if _, err := Parse(path, out); err != nil {
		return nil, nil, fmt.Errorf("add feeds to %s: the edited file does not parse: %w", path, err)
	}
	return out, added, nil
}

func insertLine(lines []string, at int, s string) []string {
	out := make([]string, 0, len(lines)+1)
	out = append(out, lines[:at]...)
	out = append(out, s)
	return append(out, lines[at:]...)
}

// feedsNode finds the value of the top-level feeds key and the key that
// follows it (nil if feeds is last).
func feedsNode(doc *yaml.Node) (value, next *yaml.Node) {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "feeds" {
			if i+2 < len(n.Content) {
				next = n.Content[i+2]
			}
			return n.Content[i+1], next
		}
	}
	return nil, nil
}

// yamlString writes s as a YAML scalar: plain when that is unambiguous,
// else double-quoted (JSON escapes are valid YAML).
func yamlString(s string) string {
	var v any
	if s != "" && !strings.ContainsAny(s[:1], "-?:#{}[],&*!|>'\"%@`") && !strings.ContainsAny(s, "{}[],\"'") &&
		!strings.Contains(s, ": ") && !strings.Contains(s, " #") && strings.TrimSpace(s) == s &&
		yaml.Unmarshal([]byte(s), &v) == nil && v == s {
		return s
	}
	q, _ := json.Marshal(s)
	return string(bytes.ReplaceAll(q, []byte(`\u0026`), []byte("&")))
}
