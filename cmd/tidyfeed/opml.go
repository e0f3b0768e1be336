package main

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/feeds/publish"
)

// stdin is where import-opml reads the answer to its question; tests
// replace it.
var stdin io.Reader = os.Stdin

// cmdExportOPML prints the configured feeds as OPML 2.0, the same list
// the daemon serves at /sources.opml.
func cmdExportOPML(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlags("export-opml", "export-opml [-config FILE] [-o FILE]", stderr)
	outPath := fs.String("o", "", "write to `file` instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		return err
	}
	var sources []publish.SourceInfo
	for _, f := range cfg.Feeds {
		src := f.Source()
		sources = append(sources, publish.SourceInfo{ID: src.ID, Name: f.Name, FeedURL: f.URL, Tags: f.Tags})
	}
	body := publish.OPML(cfg.Output.Title, sources)
	if *outPath == "" {
		_, err := stdout.Write(body)
		return err
	}
	if err := os.WriteFile(*outPath, body, 0o644); err != nil {
		return fmt.Errorf("write opml: %w", err)
	}
	return nil
}

// cmdImportOPML adds the feeds of an OPML file to feeds.yaml, keeping its
// comments and order: it shows the lines it would add and asks, or
// writes at once with -w.
func cmdImportOPML(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlags("import-opml", "import-opml [-config FILE] [-w] FILE.opml", stderr)
	write := fs.Bool("w", false, "write feeds.yaml without asking")
	if err := parseOneArg(fs, args, "OPML FILE"); err != nil {
		return err
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("import opml: %w", err)
	}
	feeds, err := parseOPML(raw)
	if err != nil {
		return fmt.Errorf("import opml %s: %w", fs.Arg(0), err)
	}
	data, err := os.ReadFile(*configPath)
	if err != nil {
		return fmt.Errorf("import opml: %w", err)
	}
	out, added, err := config.AddFeeds(*configPath, data, feeds)
	if err != nil {
		return err
	}
	if len(added) == 0 {
		fmt.Fprintf(stdout, "%s already lists all %d feeds of %s\n", *configPath, len(feeds), fs.Arg(0))
		return nil
	}
	fmt.Fprint(stdout, lineDiff(*configPath, string(data), string(out)))
	if !*write {
		fmt.Fprintf(stdout, "Add %d feed(s) to %s? [y/N] ", len(added), *configPath)
		answer, _ := bufio.NewReader(stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(stdout, "nothing written")
			return nil
		}
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(*configPath); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := writeFileAtomic(*configPath, out); err != nil {
		return fmt.Errorf("import opml: %w", err)
	}
	if err := os.Chmod(*configPath, mode); err != nil { // keep the user's mode
		return fmt.Errorf("import opml: %w", err)
	}
	fmt.Fprintf(stdout, "added %d feed(s) to %s (%d already listed)\n", len(added), *configPath, len(feeds)-len(added))
	return nil
}

// opmlOutline is an OPML outline: a feed when it has an xmlUrl, else a
// folder whose text becomes a tag of the feeds inside it.
type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr"`
	XMLURL   string        `xml:"xmlUrl,attr"`
	Category string        `xml:"category,attr"`
	Outlines []opmlOutline `xml:"outline"`
}

// parseOPML lists the feeds of an OPML document in document order, with
// their folders and category attributes as tags.
func parseOPML(raw []byte) ([]config.NewFeed, error) {
	var doc struct {
		XMLName xml.Name      `xml:"opml"`
		Body    []opmlOutline `xml:"body>outline"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	var out []config.NewFeed
	var walk func(os []opmlOutline, tags []string)
	walk = func(os []opmlOutline, tags []string) {
		for _, o := range os {
			name := strings.TrimSpace(o.Title)
			if name == "" {
				name = strings.TrimSpace(o.Text)
			}
			if o.XMLURL == "" {
				walk(o.Outlines, appendTag(tags, name))
				continue
			}
			t := append([]string(nil), tags...)
			for c := range strings.SplitSeq(o.Category, ",") {
				// OPML categories are slash paths; the last part is the tag.
				c = strings.TrimSpace(c[strings.LastIndex(c, "/")+1:])
				t = appendTag(t, c)
			}
			out = append(out, config.NewFeed{URL: strings.TrimSpace(o.XMLURL), Name: name, Tags: t})
			walk(o.Outlines, tags)
		}
	}
	walk(doc.Body, nil)
	if len(out) == 0 {
		return nil, errors.New("no feeds (outlines with an xmlUrl)")
	}
	return out, nil
}

func appendTag(tags []string, t string) []string {
	if t == "" {
		return tags
	}
	for _, x := range tags {
		if x == t {
			return tags
		}
	}
	return append(append([]string(nil), tags...), t)
}

// lineDiff shows the lines of b that are not in a, as a unified diff
// with three lines of context. AddFeeds only inserts lines, so the
// inserted run is where a and b first differ.
func lineDiff(name, a, b string) string {
	al, bl := strings.SplitAfter(a, "\n"), strings.SplitAfter(b, "\n")
	i := 0
	for i < len(al) && i < len(bl) && al[i] == bl[i] {
		i++
	}
	j := 0
	for j < len(al)-i && j < len(bl)-i && al[len(al)-1-j] == bl[len(bl)-1-j] {
		j++
	}
	var s strings.Builder
	fmt.Fprintf(&s, "--- %s\n+++ %s\n", name, name)
	from, to := max(i-3, 0), min(len(al)-j+3, len(al))
	added := bl[i : len(bl)-j]
	fmt.Fprintf(&s, "@@ -%d,%d +%d,%d @@\n", from+1, to-from, from+1, to-from+len(added)-(len(al)-j-i))
	for _, l := range al[from:i] {
		s.WriteString(" " + ensureNL(l))
	}
	for _, l := range al[i : len(al)-j] {
		s.WriteString("-" + ensureNL(l))
	}
	for _, l := range added {
		s.WriteString("+" + ensureNL(l))
	}
	for _, l := range al[len(al)-j : to] {
		if l != "" {
			s.WriteString(" " + ensureNL(l))
		}
	}
	return s.String()
}

func ensureNL(l string) string {
	if strings.HasSuffix(l, "\n") {
		return l
	}
	return l + "\n"
}
