package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	yaml "go.yaml.in/yaml/v4"
)

// maxNodes bounds how many nodes the walk visits, so that a document built
// from nested aliases ("billion laughs") cannot make decoding explode.
const maxNodes = 100_000

// decoder walks one document's node tree, collecting every problem in errs.
type decoder struct {
	file  string // for messages
	dir   string // relative paths resolve against it
	errs  Errors
	warns Errors // problems that do not stop the config (Config.Warnings)
	nodes int    // nodes visited so far
	stop  bool   // set when the node budget is exhausted
}

// errorf records a problem at n's position (1:1 when n is nil).
func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.errAt(line, col, fmt.Sprintf(format, args...))
}

// warnf records a warning at n's position: something the user should fix
// that does not stop the configuration from working.
func (d *decoder) warnf(n *yaml.Node, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.warns = append(d.warns, &Error{File: d.file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) errAt(line, col int, msg string) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Column: col, Msg: msg})
}

// document parses data into the node of its single document. It returns nil
// for an empty document and records syntax errors, and a second document, as
// problems.
func (d *decoder) document(data []byte) *yaml.Node {
	l, err := yaml.NewLoader(bytes.NewReader(data))
	if err != nil {
		d.errorf(nil, "read yaml: %v", err)
		return nil
	}
	var doc yaml.Node
	if err := l.Load(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			d.yamlError(err)
		}
		return nil
	}
	var next yaml.Node
	switch err := l.Load(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.yamlError(err)
	default:
		at := &next
		if len(next.Content) > 0 {
			at = next.Content[0]
		}
		d.errorf(at, "a second YAML document: the configuration must be a single document")
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil
		}
		return doc.Content[0]
	}
	return &doc
}

// yamlError converts an error from the YAML library into positioned problems.
func (d *decoder) yamlError(err error) {
	var les *yaml.LoadErrors
	if errors.As(err, &les) {
		for _, le := range les.Errors {
			d.loadError(le)
		}
		return
	}
	var le *yaml.LoadError
	if errors.As(err, &le) {
		d.loadError(le)
		return
	}
	d.errorf(nil, "yaml: %v", err)
}

func (d *decoder) loadError(le *yaml.LoadError) {
	line, col := le.Mark.Line, le.Mark.Column
	if line == 0 {
		line, col = le.ContextMark.Line, le.ContextMark.Column
	}
	if line == 0 {
		line = 1
	}
	col = max(col, 1)
	msg := "yaml syntax error: " + le.Message
	if le.ContextMsg != "" {
		msg += " (" + le.ContextMsg
		if m := le.ContextMark; m.Line > 0 && m != le.Mark {
			msg += fmt.Sprintf(" started at %d:%d", m.Line, m.Column)
		}
		msg += ")"
	}
	d.errAt(line, col, msg)
}

// resolve follows aliases and counts n against the node budget. It returns
// nil when the budget is exhausted (recording that once).
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	if n = deref(n); n == nil || n.Kind == yaml.AliasNode {
		return nil
	}
	d.nodes++
	if d.nodes > maxNodes {
		if !d.stop {
			d.errorf(n, "document too large or too deeply aliased (more than %d nodes)", maxNodes)
		}
		d.stop = true
		return nil
	}
	return n
}

// deref follows aliases without counting against the node budget.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit null ("~", "null", "").
func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// kindName names n's kind for "must be X, got Y" messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int":
			return "a number"
		case "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "null"
		}
		return strconv.Quote(n.Value)
	}
	return "something else"
}

// mapping calls f for each key of the mapping n, in order. It reports n not
// being a mapping, non-string keys, duplicate keys, merge keys and keys not
// in known (suggesting the closest known one). what names n in messages.
func (d *decoder) mapping(n *yaml.Node, what string, known []string, f func(key string, k, v *yaml.Node)) {
	if n = d.resolve(n); n == nil || isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping of keys to values, got %s", what, kindName(n))
		return
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content) && !d.stop; i += 2 {
		k, v := d.resolve(n.Content[i]), n.Content[i+1]
		if k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "%s: keys must be plain names, got %s", what, kindName(k))
			continue
		}
		key := k.Value
		if key == "<<" && k.ShortTag() == "!!merge" {
			d.errorf(k, "merge keys (<<) are not supported in %s", what)
			continue
		}
		if first, dup := seen[key]; dup {
			d.errorf(k, "duplicate key %q (first at line %d:%d)", key, first.Line, first.Column)
			continue
		}
		seen[key] = k
		if !slices.Contains(known, key) {
			if s := suggest(key, known); s != "" {
				d.errorf(k, "unknown key %q (did you mean %q?)", key, s)
			} else {
				d.errorf(k, "unknown key %q in %s (known keys: %s)", key, what, joinQuoted(known))
			}
			continue
		}
		f(key, k, v)
	}
}

// scalar returns n resolved if it is a non-null scalar, recording a type
// error otherwise. ok is false for null (absent) values too, without error.
func (d *decoder) scalar(n *yaml.Node, what, want string) (*yaml.Node, bool) {
	if n = d.resolve(n); n == nil || isNull(n) {
		return nil, false
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s must be %s, got %s", what, want, kindName(n))
		return nil, false
	}
	return n, true
}

// str decodes a string. Numbers and booleans are taken as written.
func (d *decoder) str(n *yaml.Node, what string, dst *string) {
	if n, ok := d.scalar(n, what, "a string"); ok {
		*dst = n.Value
	}
}

// integer decodes an int in [lo, hi].
func (d *decoder) integer(n *yaml.Node, what string, lo, hi int, dst *int) {
	n, ok := d.scalar(n, what, "a whole number")
	if !ok {
		return
	}
	v, err := strconv.ParseInt(n.Value, 0, 64)
	if n.ShortTag() != "!!int" || err != nil {
		d.errorf(n, "%s must be a whole number, got %s", what, kindName(n))
		return
	}
	if v < int64(lo) || v > int64(hi) {
		d.errorf(n, "%s must be between %d and %d, got %d", what, lo, hi, v)
		return
	}
	*dst = int(v)
}

// boolean decodes true or false.
func (d *decoder) boolean(n *yaml.Node, what string, dst *bool) {
	n, ok := d.scalar(n, what, "true or false")
	if !ok {
		return
	}
	v, err := strconv.ParseBool(n.Value)
	if n.ShortTag() != "!!bool" || err != nil {
		d.errorf(n, "%s must be true or false, got %s", what, kindName(n))
		return
	}
	*dst = v
}

// list calls f for each item of the sequence n.
func (d *decoder) list(n *yaml.Node, what string, f func(i int, item *yaml.Node)) {
	if n = d.resolve(n); n == nil || isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s must be a list, got %s", what, kindName(n))
		return
	}
	for i, item := range n.Content {
		if d.stop {
			return
		}
		f(i, item)
	}
}

// strings decodes a list of non-empty strings.
func (d *decoder) strings(n *yaml.Node, what string, dst *[]string) {
	d.list(n, what, func(i int, item *yaml.Node) {
		w := fmt.Sprintf("%s[%d]", what, i)
		it, ok := d.scalar(item, w, "a string")
		if !ok {
			if isNull(deref(item)) {
				d.errorf(item, "%s must not be empty", w)
			}
			return
		}
		if it.Value == "" {
			d.errorf(it, "%s must not be empty", w)
			return
		}
		*dst = append(*dst, it.Value)
	})
}
