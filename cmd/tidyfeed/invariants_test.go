package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/tidyfeed/tidyfeed/feeds/canon"
	"github.com/tidyfeed/tidyfeed/feeds/clean/sanitize"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
	"github.com/tidyfeed/tidyfeed/internal/corpus"
)

var (
	trailerRE  = regexp.MustCompile(`(?i)appeared first on|continue reading`)
	flareRE    = regexp.MustCompile(`(?i)feeds\.feedburner\.com/~ff|feedads\.g\.doubleclick\.net`)
	pixelRE    = regexp.MustCompile(`(?i)<img[^>]*\b(width="[01]"[^>]*height="[01]"|height="[01]"[^>]*width="[01]")`)
	sentenceRE = regexp.MustCompile(`^(.{20,}?[.!?])(\s|$)`)
)

// TestRealCaptureInvariants polls every real capture of the corpus and
// checks what subscribers get: no FeedBurner flares or feedads links, no
// 1×1 images, no "appeared first on" or "Continue reading" trailers, and
// the first sentence of each entry still there.
func TestRealCaptureInvariants(t *testing.T) {
	dir, inputs := corpus.FeedInputs(t)
	var files []string
	for _, in := range inputs {
		if corpus.IsRealCapture(dir, in) {
			files = append(files, filepath.Join(dir, in.Path))
		}
	}
	config := pollFiles(t, files)
	items := exportItems(t, config, "json")
	byTitle := map[string]outputItem{} // source file + title: links repeat in podcasts
	for _, it := range items {
		body := it.HTML[0]
		if flareRE.MatchString(body) {
			t.Errorf("%s %q: FeedBurner flare or feedads link left: %s", it.Source, it.Title, flareRE.FindString(body))
		}
		if pixelRE.MatchString(body) {
			t.Errorf("%s %q: 1×1 image left: %s", it.Source, it.Title, pixelRE.FindString(body))
		}
		if m := trailerRE.FindString(visibleText(body)); m != "" {
			t.Errorf("%s %q: trailer %q left", it.Source, it.Title, m)
		}
		byTitle[it.Source+"\x00"+it.Title+"\x00"+it.Link] = it
	}

	// The first sentence of every entry's raw body must survive cleaning.
	p := parse.New(parse.Options{})
	var checked, kept int
	for _, f := range files {
		resp, err := fetch.ReadFile(t.Context(), f, 10<<20) // decoded as the pipeline decodes it
		if err != nil {
			continue
		}
		_, entries, err := p.Parse(resp.Body, "file://"+f)
		if err != nil {
			continue
		}
		for _, e := range entries {
			raw := e.Raw.Content
			if raw == "" {
				raw = e.Raw.Summary
			}
			first := sentenceRE.FindStringSubmatch(leadText(raw))
			out, ok := byTitle[filepath.Base(f)+"\x00"+sanitize.Text(e.Raw.Title)+"\x00"+canon.Clean(e.Link)]
			if first == nil || !ok {
				continue
			}
			checked++
			if strings.Contains(visibleText(out.HTML[0]), strings.Join(strings.Fields(first[1]), " ")) {
				kept++
			} else {
				t.Logf("%s: first sentence %q lost", filepath.Base(f), first[1])
			}
		}
	}
	t.Logf("real captures: %d files, %d entries published, first sentence kept in %d of %d", len(files), len(items), kept, checked)
	if checked < 1000 {
		t.Errorf("only %d entries could be checked for their first sentence", checked)
	}
	if float64(kept) < 0.98*float64(checked) {
		t.Errorf("first sentence kept in %d of %d entries, want at least 98%%", kept, checked)
	}
}

// leadText is the text of the first block of prose in a raw body: the
// first paragraph, list item, heading or cell of eight words or more that
// is not a byline ("By …", "Author: …"), which the cleaner removes.
func leadText(raw string) string {
	nodes, err := nethtml.ParseFragment(strings.NewReader(raw), &nethtml.Node{Type: nethtml.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return ""
	}
	var lead string
	var walk func(n *nethtml.Node, text *strings.Builder)
	walk = func(n *nethtml.Node, text *strings.Builder) {
		if lead != "" {
			return
		}
		if n.Type == nethtml.TextNode {
			text.WriteString(n.Data)
			return
		}
		if n.Type == nethtml.ElementNode && blockTags[n.Data] {
			var own strings.Builder
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c, &own)
			}
			if t := strings.Join(strings.Fields(own.String()), " "); lead == "" && len(strings.Fields(t)) >= 8 && !bylineRE.MatchString(t) {
				lead = t
			}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, text)
		}
	}
	var loose strings.Builder
	for _, n := range nodes {
		walk(n, &loose)
	}
	if t := strings.Join(strings.Fields(loose.String()), " "); lead == "" && len(strings.Fields(t)) >= 8 && !bylineRE.MatchString(t) {
		lead = t // a body of bare text
	}
	return lead
}

var (
	bylineRE  = regexp.MustCompile(`(?i)^(by|author)\b`)
	blockTags = map[string]bool{"p": true, "li": true, "h1": true, "h2": true, "h3": true, "h4": true, "blockquote": true, "td": true, "pre": true, "dd": true}
)
