package sanitize

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/internal/corpus"
	"github.com/tidyfeed/tidyfeed/internal/htmlcheck"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

var update = flag.Bool("update", false, "rewrite testdata baselines")

// corpusDir returns ../shared/corpus/sanitize, skipping the test when absent.
func corpusDir(t testing.TB) string { return corpus.Dir(t, "sanitize") }

// pipeline is what package clean does with an entry body, minus the
// boilerplate rules: parse, Rewrite, render, HTML.
func pipeline(t testing.TB, s *Sanitizer, raw string, base *url.URL) string {
	t.Helper()
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(raw), ctx)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	Rewrite(root, base)
	var b strings.Builder
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			t.Fatalf("render: %v", err)
		}
	}
	return s.HTML(b.String())
}

// gate runs raw through HTML alone and through the pipeline and reports
// dangerous findings; it returns the pipeline output.
func gate(t *testing.T, s *Sanitizer, name, raw string) (string, bool) {
	t.Helper()
	base, _ := url.Parse("https://feed.example/entry/")
	ok := true
	direct := s.HTML(raw)
	if d := htmlcheck.Dangerous(direct); len(d) > 0 {
		t.Errorf("%s: HTML output dangerous: %q\n in:  %q\n out: %q", name, d, raw, direct)
		ok = false
	}
	if again := s.HTML(direct); htmlcheck.Dangerous(again) != nil {
		t.Errorf("%s: HTML(HTML(x)) dangerous: %q", name, again)
		ok = false
	}
	out := pipeline(t, s, raw, base)
	if d := htmlcheck.Dangerous(out); len(d) > 0 {
		t.Errorf("%s: pipeline output dangerous: %q\n in:  %q\n out: %q", name, d, raw, out)
		ok = false
	}
	return out, ok
}

// payload is one text field of a feedparser test feed.
type payload struct {
	entry bool   // inside an entry/item rather than the feed
	name  string // local element name
	value string // the HTML as feedparser would see it
}

var textElems = map[string]bool{"title": true, "description": true, "content": true,
	"summary": true, "tagline": true, "subtitle": true, "copyright": true,
	"rights": true, "info": true, "encoded": true, "body": true, "fullitem": true}

// extractPayloads pulls every text field out of a feed document with
// encoding/xml (gofeed belongs to feeds/parse): escaped and CDATA content
// decoded, xhtml/xml-mode content taken as its raw inner markup, base64
// decoded.
func extractPayloads(data []byte) []payload {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.AutoClose = xml.HTMLAutoClose
	var out []payload
	inEntry := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return out
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "entry", "item":
				inEntry++
				continue
			}
			if !textElems[t.Name.Local] {
				continue
			}
			var typ, mode string
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "type":
					typ = a.Value
				case "mode":
					mode = a.Value
				}
			}
			p := payload{entry: inEntry > 0, name: t.Name.Local}
			if mode == "xml" || strings.Contains(typ, "xhtml") || t.Name.Local == "body" {
				from := d.InputOffset()
				if err := d.Skip(); err != nil {
					return out
				}
				inner := string(data[from:d.InputOffset()])
				if i := strings.LastIndex(inner, "</"); i >= 0 {
					inner = inner[:i]
				}
				p.value = inner
			} else {
				var b strings.Builder
				depth := 1
				for depth > 0 {
					tok, err := d.Token()
					if err != nil {
						break
					}
					switch tt := tok.(type) {
					case xml.CharData:
						b.Write(tt)
					case xml.StartElement:
						depth++
					case xml.EndElement:
						depth--
					}
				}
				p.value = b.String()
				if mode == "base64" {
					if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(p.value)); err == nil {
						p.value = string(dec)
					}
				}
			}
			out = append(out, p)
		case xml.EndElement:
			if (t.Name.Local == "entry" || t.Name.Local == "item") && inEntry > 0 {
				inEntry--
			}
		}
	}
}

// fieldElems maps feedparser's expectation fields to candidate elements,
// in preference order.
var fieldElems = map[string]struct {
	entry bool
	names []string
}{
	"entries[0]['description']":         {true, []string{"description", "summary", "content", "encoded", "body", "fullitem"}},
	"entries[0]['summary']":             {true, []string{"summary", "description", "content", "encoded"}},
	"entries[0]['content'][0]['value']": {true, []string{"content", "encoded", "body", "fullitem", "description", "summary"}},
	"entries[0]['title']":               {true, []string{"title"}},
	"feed['title']":                     {false, []string{"title"}},
	"feed['tagline']":                   {false, []string{"tagline", "subtitle", "description"}},
	"feed['description']":               {false, []string{"description", "tagline", "subtitle"}},
	"feed['copyright']":                 {false, []string{"copyright", "rights"}},
	"feed['info']":                      {false, []string{"info"}},
}

func pick(ps []payload, field string) (string, bool) {
	f, ok := fieldElems[field]
	if !ok {
		return "", false
	}
	for _, name := range f.names {
		for _, p := range ps {
			if p.entry == f.entry && p.name == name {
				return p.value, true
			}
		}
	}
	return "", false
}

// visible is the text a reader sees: text nodes outside script and style,
// white space collapsed.
func visible(s string) string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return strings.Join(strings.Fields(b.String()), " ")
}

func TestCorpusFeedparser(t *testing.T) {
	dir := corpusDir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "feedparser-expectations.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exps []struct {
		File     string  `json:"file"`
		Field    *string `json:"field"`
		Expected *string `json:"expected"`
	}
	if err := json.Unmarshal(raw, &exps); err != nil {
		t.Fatalf("decode expectations: %v", err)
	}
	s := New(Options{})
	files, compared, agreed, payloads := 0, 0, 0, 0
	var disagree []string
	for _, e := range exps {
		data, err := os.ReadFile(filepath.Join(dir, e.File))
		if err != nil {
			t.Fatalf("read %s: %v", e.File, err)
		}
		files++
		ps := extractPayloads(data)
		for i, p := range ps {
			payloads++
			gate(t, s, fmt.Sprintf("%s[%d %s]", e.File, i, p.name), p.value)
		}
		if e.Field == nil || e.Expected == nil {
			continue
		}
		in, ok := pick(ps, *e.Field)
		if !ok {
			disagree = append(disagree, e.File+": field not extracted")
			compared++
			continue
		}
		compared++
		got := visible(s.HTML(in))
		if strings.Contains(*e.Field, "title") {
			got = visible(Text(in)) // titles go through Text, not HTML
		}
		if want := visible(*e.Expected); got == want {
			agreed++
		} else {
			disagree = append(disagree, fmt.Sprintf("%s: got %q want %q", e.File, got, want))
		}
	}
	if files != 745 || payloads < 745 {
		t.Errorf("read %d files, %d payloads; want 745 files and at least one payload each", files, payloads)
	}
	rate := float64(agreed) / float64(compared)
	t.Logf("feedparser: %d files, %d payloads gated; visible text agrees on %d/%d = %.2f%%", files, payloads, agreed, compared, 100*rate)
	for _, d := range disagree {
		t.Log("disagree:", d)
	}
	checkBaseline(t, "feedparser-agreement.txt", rate)
}

// checkBaseline fails when rate drops below the committed baseline; with
// -update it records rate instead.
func checkBaseline(t *testing.T, name string, rate float64) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(strconv.FormatFloat(rate, 'f', 4, 64)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read baseline (run with -update to create): %v", err)
	}
	base, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	if err != nil {
		t.Fatalf("baseline %s: %v", path, err)
	}
	if rate+1e-9 < base {
		t.Errorf("agreement %.4f fell below the baseline %.4f in %s", rate, base, path)
	}
}

func TestCorpusDOMPurify(t *testing.T) {
	dir := corpusDir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "dompurify", "expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Title   string `json:"title"`
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(cases) != 223 {
		t.Errorf("read %d DOMPurify cases, want 223", len(cases))
	}
	s := New(Options{})
	bad := 0
	for i, c := range cases {
		if _, ok := gate(t, s, fmt.Sprintf("dompurify[%d] %s", i, c.Title), c.Payload); !ok {
			bad++
		}
	}
	t.Logf("dompurify: %d payloads, %d dangerous", len(cases), bad)
}

func TestCorpusPayloads(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "payloads", "payloadsallthethings")
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no payload files in %s: %v", dir, err)
	}
	s := New(Options{})
	lines, bad := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		handlers := strings.Contains(f, "event_handlers")
		for i, line := range strings.Split(string(data), "\n") {
			line = strings.TrimRight(line, "\r")
			if strings.TrimSpace(line) == "" {
				continue
			}
			lines++
			inputs := []string{line, "<p>" + line + "</p>", line + "\x00"}
			if handlers { // a name list: try it as an attribute
				name := strings.TrimSpace(line)
				inputs = append(inputs, `<img src="/a.png" `+name+`="alert(1)">`, `<a href="/x" `+name+`=alert(1)>x</a>`)
			}
			for _, in := range inputs {
				if _, ok := gate(t, s, fmt.Sprintf("%s:%d", filepath.Base(f), i+1), in); !ok {
					bad++
				}
			}
		}
	}
	if lines < 2500 {
		t.Errorf("read %d payload lines, want about 2,627 (of which some are blank)", lines)
	}
	t.Logf("payloads: %d lines, %d dangerous outputs", lines, bad)
}

var fence = regexp.MustCompile("(?s)```[a-zA-Z]*\n(.*?)```")

func TestCorpusOWASP(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(corpusDir(t), "payloads", "owasp", "XSS_Filter_Evasion_Cheat_Sheet.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := fence.FindAllStringSubmatch(string(data), -1)
	if len(blocks) < 100 {
		t.Errorf("found %d OWASP code blocks, want about 110", len(blocks))
	}
	s := New(Options{})
	for i, b := range blocks {
		gate(t, s, fmt.Sprintf("owasp block %d", i), b[1])
	}
	t.Logf("owasp: %d blocks gated", len(blocks))
}

func readGitHubPage(tb testing.TB) string {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir(tb), "realworld-html", "miniflux_github.html"))
	if err != nil {
		tb.Fatal(err)
	}
	return string(data)
}

func TestRealWorldKeepsLinksAndHeadings(t *testing.T) {
	page := readGitHubPage(t)
	base, _ := url.Parse("https://github.com/miniflux/v2")
	out := pipeline(t, New(Options{}), page, base)
	if d := htmlcheck.Dangerous(out); len(d) > 0 {
		t.Errorf("dangerous output: %q", d[:min(len(d), 10)])
	}
	count := func(s, re string) int { return len(regexp.MustCompile(re).FindAllStringIndex(s, -1)) }
	inLinks, outLinks := count(page, `<a [^>]*href=`), count(out, `<a [^>]*href="https?://`)
	inHeads, outHeads := count(page, `<h[1-6][ >]`), count(out, `<h[1-6]>`)
	t.Logf("links %d -> %d, headings %d -> %d, bytes %d -> %d", inLinks, outLinks, inHeads, outHeads, len(page), len(out))
	if outLinks < inLinks*8/10 {
		t.Errorf("kept %d absolute links of %d, want at least 80%%", outLinks, inLinks)
	}
	if outHeads < inHeads*9/10 || outHeads == 0 {
		t.Errorf("kept %d headings of %d", outHeads, inHeads)
	}
	if !strings.Contains(out, `href="https://github.com/`) {
		t.Errorf("no link resolved against github.com")
	}
}

func BenchmarkHTMLRewriteGitHub(b *testing.B) {
	page := readGitHubPage(b)
	base, _ := url.Parse("https://github.com/miniflux/v2")
	s := New(Options{})
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		pipeline(b, s, page, base)
	}
}

func BenchmarkHTMLGitHub(b *testing.B) {
	page := readGitHubPage(b)
	s := New(Options{})
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		s.HTML(page)
	}
}
