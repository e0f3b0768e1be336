package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgressQuietWhenNotATerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "polling", 3)
	for _, f := range []string{"a", "b", "c"} {
		p.step(f)
	}
	p.finish()
	if buf.Len() != 0 {
		t.Errorf("progress wrote %q to a non-terminal, want nothing", buf.String())
	}
}

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, label: "polling", total: 3} // as newProgress makes it on a terminal
	p.step("first feed")
	p.step("second")
	p.step("third")
	got := buf.String()
	for _, want := range []string{"\rpolling 1/3  first feed", "\rpolling 3/3  third"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress output %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "2/3") {
		t.Errorf("progress output %q redrew within %v; want throttled", got, progressEvery)
	}
	buf.Reset()
	p.finish()
	if got := buf.String(); !strings.HasPrefix(got, "\r") || strings.TrimSpace(got) != "" || !strings.HasSuffix(got, "\r") {
		t.Errorf("finish wrote %q, want the line blanked", got)
	}
}
