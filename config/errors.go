package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a configuration file, with the position it was
// found at. Line and Column are 1-based; 0 means the position is unknown.
type Error struct {
	File   string // the path given to Load or Parse
	Line   int
	Column int
	Msg    string // lower-case, no trailing period
}

// Error returns "file:line:col: msg", the form editors and compilers use.
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Errors is every problem found in one configuration file, sorted by
// position. Load and Parse return it (never an empty one) when the file has
// at least one problem, so errors.As(err, &errs) gives the whole list.
type Errors []*Error

// Error returns one problem per line.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual errors, so errors.As can find an *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// sortErrors orders errors by position, keeping the order they were found in
// for equal positions.
func sortErrors(es Errors) {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}
