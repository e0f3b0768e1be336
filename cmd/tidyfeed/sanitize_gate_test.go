package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/tidyfeed/tidyfeed/internal/corpus"
)

// agreementBaseline holds the share of feedparser sanitize cases whose
// visible text tidyfeed's output agrees with; the test fails below it.
const agreementBaseline = "testdata/feedparser-agreement.txt"

// TestSanitizeGateFeedparser feeds feedparser's 745 sanitize cases through
// the whole pipeline (poll → store → export in every format): no output may
// carry anything dangerous (a hard gate), and the visible text must agree
// with feedparser's expected output at least as often as the baseline.
func TestSanitizeGateFeedparser(t *testing.T) {
	dir := corpus.Dir(t, "sanitize")
	var cases []struct {
		File     string  `json:"file"`
		Field    string  `json:"field"`
		Expected *string `json:"expected"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "feedparser-expectations.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	files := make([]string, len(cases))
	for i, c := range cases {
		files[i] = filepath.Join(dir, c.File)
	}
	config := pollFiles(t, files)
	n := assertSafe(t, config)
	t.Logf("feedparser sanitize cases: %d files, %d entries published, all formats checked", len(files), n)

	bySource := map[string]outputItem{}
	for _, it := range exportItems(t, config, "json") {
		bySource[it.Source] = it
	}
	var applicable, agree int
	var misses []string
	for _, c := range cases {
		if c.Expected == nil || !strings.HasPrefix(c.Field, "entries[0]") {
			continue // feed-level fields are not republished
		}
		applicable++
		it := bySource[filepath.Base(c.File)]
		got := visibleText(it.HTML[0])
		if strings.HasSuffix(c.Field, "['title']") {
			got = strings.Join(strings.Fields(it.Title), " ")
		}
		if got == visibleText(*c.Expected) {
			agree++
		} else {
			misses = append(misses, fmt.Sprintf("%s: got %q want %q", c.File, got, visibleText(*c.Expected)))
		}
	}
	rate := float64(agree) / float64(applicable)
	t.Logf("visible-text agreement with feedparser: %d/%d = %.1f%%", agree, applicable, 100*rate)
	for _, m := range misses {
		t.Log("differs: " + m)
	}
	checkRate(t, agreementBaseline, agree)
}

// checkRate fails when count falls below the committed baseline; -update
// records it.
func checkRate(t *testing.T, file string, count int) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(strconv.Itoa(count)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read baseline (run with -update to create it): %v", err)
	}
	want, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("baseline %s: %v", file, err)
	}
	if count < want {
		t.Errorf("%d cases agree, baseline %d", count, want)
	}
}

// visibleText is what a reader sees of an HTML fragment: text without tags,
// white space collapsed.
func visibleText(s string) string {
	nodes, err := nethtml.ParseFragment(strings.NewReader(s), &nethtml.Node{Type: nethtml.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return s
	}
	var b strings.Builder
	var walk func(n *nethtml.Node)
	walk = func(n *nethtml.Node) {
		switch {
		case n.Type == nethtml.TextNode:
			b.WriteString(n.Data)
		case n.Type == nethtml.ElementNode && (n.Data == "script" || n.Data == "style"):
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == nethtml.ElementNode && !inlineTags[n.Data] {
			b.WriteString(" ")
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// inlineTags are elements that do not separate words.
var inlineTags = map[string]bool{"a": true, "b": true, "i": true, "em": true, "strong": true, "span": true, "code": true,
	"small": true, "sub": true, "sup": true, "u": true, "s": true, "mark": true, "abbr": true, "cite": true, "q": true, "time": true}

// TestSanitizeGatePayloads wraps DOMPurify's payloads, the XSS payload
// lists and the OWASP cheat sheet's vectors as RSS descriptions, RSS CDATA
// content and Atom type="html" content, runs them through the pipeline, and
// requires that nothing dangerous comes out in any format.
func TestSanitizeGatePayloads(t *testing.T) {
	dir := corpus.Dir(t, "sanitize")
	var payloads []string
	var dp []struct {
		Payload string `json:"payload"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "dompurify", "expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &dp); err != nil {
		t.Fatal(err)
	}
	for _, c := range dp {
		payloads = append(payloads, c.Payload)
	}
	lists, _ := filepath.Glob(filepath.Join(dir, "payloads", "payloadsallthethings", "*.txt"))
	for _, f := range lists {
		payloads = append(payloads, readLines(t, f)...)
	}
	payloads = append(payloads, owaspBlocks(t, filepath.Join(dir, "payloads", "owasp", "XSS_Filter_Evasion_Cheat_Sheet.md"))...)
	if len(payloads) < 2500 {
		t.Fatalf("only %d payloads found", len(payloads))
	}

	work := t.TempDir()
	var files []string
	const perDoc = 200
	for start := 0; start < len(payloads); start += perDoc {
		batch := payloads[start:min(start+perDoc, len(payloads))]
		for _, kind := range []string{"rss", "cdata", "atom"} {
			p := filepath.Join(work, fmt.Sprintf("%s-%04d.xml", kind, start))
			if err := os.WriteFile(p, []byte(wrapPayloads(kind, start, batch)), 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, p)
		}
	}
	// A NUL byte in a document, and a CDATA-breaking payload, must not
	// break the run either.
	nul := filepath.Join(work, "nul.xml")
	os.WriteFile(nul, []byte("<rss version=\"2.0\"><channel><title>n</title><item><title>a\x00b</title><description>x\x00<script>alert(1)</script></description></item></channel></rss>"), 0o644)
	files = append(files, nul)

	config := pollFiles(t, files)
	n := assertSafe(t, config)
	t.Logf("%d payloads × 3 wrappings: %d entries published, no dangerous output", len(payloads), n)
	if n < len(payloads) {
		t.Errorf("only %d entries published for %d payloads in each wrapping", n, len(payloads))
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			out = append(out, sc.Text())
		}
	}
	return out
}

var fenceRE = regexp.MustCompile("(?s)```[a-z]*\n(.*?)```")

func owaspBlocks(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range fenceRE.FindAllStringSubmatch(string(data), -1) {
		out = append(out, m[1])
	}
	return out
}

// xmlSafe drops characters XML 1.0 cannot carry, even escaped.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r != 0xFFFE && r != 0xFFFF) {
			return r
		}
		return -1
	}, s)
}

// wrapPayloads builds one feed document carrying each payload as an entry
// body: entity-escaped RSS description, RSS content:encoded in CDATA (with
// "]]>" split), or Atom type="html" content.
func wrapPayloads(kind string, start int, batch []string) string {
	var b strings.Builder
	if kind == "atom" {
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>payloads</title><id>urn:x:p</id><updated>2026-01-01T00:00:00Z</updated>`)
	} else {
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>payloads</title><link>https://payloads.example/</link><description>d</description>`)
	}
	for i, p := range batch {
		p = xmlSafe(p)
		id := fmt.Sprintf("p%d", start+i)
		switch kind {
		case "atom":
			fmt.Fprintf(&b, `<entry><title>%s</title><id>urn:x:%s</id><updated>2026-01-01T00:00:00Z</updated><link href="https://payloads.example/%s"/><content type="html">%s</content></entry>`,
				html.EscapeString(p), id, id, html.EscapeString(p))
		case "cdata":
			fmt.Fprintf(&b, `<item><title>Payload %s</title><guid>%s</guid><content:encoded><![CDATA[%s]]></content:encoded></item>`,
				id, id, strings.ReplaceAll(p, "]]>", "]]]]><![CDATA[>"))
		default:
			fmt.Fprintf(&b, `<item><title>%s</title><guid>%s</guid><description>%s</description></item>`, html.EscapeString(p), id, html.EscapeString(p))
		}
	}
	if kind == "atom" {
		b.WriteString(`</feed>`)
	} else {
		b.WriteString(`</channel></rss>`)
	}
	return b.String()
}
