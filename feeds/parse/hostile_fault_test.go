package parse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckDepth(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want bool // ErrTooDeep at limit 3
	}{
		{"flat", `<a><b/><c></c></a>`, false},
		{"three", `<a><b><c>x</c></b></a>`, false},
		{"four", `<a><b><c><d>x</d></c></b></a>`, true},
		{"siblings do not add up", strings.Repeat(`<a><b><c/></b></a>`, 100), false},
		{"self-closing", `<a><b><c><d/></c></b></a>`, false},
		{"void HTML elements", `<a><b><c>` + strings.Repeat(`<br><img src="x">`, 100) + `</c></b></a>`, false},
		{"CDATA", `<a><b><c><![CDATA[<d><e><f>]]></c></b></a>`, false},
		{"comment", `<a><b><c><!-- <d><e><f> --></c></b></a>`, false},
		{"processing instruction", `<?xml version="1.0"?><?x <d><e>?><a><b><c/></b></a>`, false},
		{"doctype with entities", `<!DOCTYPE a [<!ENTITY x "y"><!ENTITY z "w">]><a><b><c/></b></a>`, false},
		{"quoted > in attribute", `<a t="<>"><b t='>'><c/></b></a>`, false},
		{"quoted > hides no depth", `<a t=">"><b><c><d>`, true},
		{"unterminated tag", `<a><b><c><d`, false},
		{"text with a lone <", `<a><b>1 < 2</b></a>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkDepth([]byte(tc.doc), 3)
			if got := errors.Is(err, ErrTooDeep); got != tc.want {
				t.Errorf("checkDepth(%q) = %v; want ErrTooDeep %v", tc.doc, err, tc.want)
			}
		})
	}
}

// TestCheckDepthCorpus: no XML document of the corpus is refused for depth.
func TestCheckDepthCorpus(t *testing.T) {
	dir := corpusDir(t)
	n := 0
	for _, r := range corpusInputs(t, dir) {
		body, err := os.ReadFile(filepath.Join(dir, r.path))
		if err != nil {
			t.Fatal(err)
		}
		if isJSONBody(body) {
			continue // Parse checks only XML
		}
		if err := checkDepth(body, MaxDepth); err != nil {
			t.Errorf("%s: %v; want no corpus feed refused", r.path, err)
		}
		n++
	}
	if n < 100 {
		t.Errorf("checked %d corpus inputs; want the whole corpus (hundreds)", n)
	}
}

// TestParseHostile feeds Parse documents built to exhaust it and requires
// a prompt error or a bounded result, with the heap growth asserted.
func TestParseHostile(t *testing.T) {
	items := func(n int) string {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://x.test/</link>`)
		for i := range n {
			fmt.Fprintf(&b, "<item><guid>g%d</guid><title>t%d</title></item>", i, i)
		}
		b.WriteString("</channel></rss>")
		return b.String()
	}
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">`
	prev := "lol"
	for i := 1; i <= 9; i++ {
		laughs += fmt.Sprintf(`<!ENTITY lol%d "%s">`, i, strings.Repeat("&"+prev+";", 10))
		prev = fmt.Sprintf("lol%d", i)
	}
	laughs += `<!ENTITY ext SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>&lol9;</title>` +
		`<item><guid>1</guid><title>&lol9;&ext;</title><description>&lol9;&ext;</description></item></channel></rss>`

	for _, tc := range []struct {
		name    string
		doc     string
		wantErr error // nil: must parse
		check   func(t *testing.T, f string, es int)
		maxHeap int64 // bound on the heap growth while parsing
	}{
		{name: "deeply nested channel", doc: `<?xml version="1.0"?><rss version="2.0"><channel>` + strings.Repeat("<x>", 3_000_000) + `</channel></rss>`,
			wantErr: ErrTooDeep, maxHeap: 16 << 20},
		{name: "deeply nested xhtml", doc: `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><content type="xhtml">` + strings.Repeat("<div>", 1_000_000) + `</content></entry></feed>`,
			wantErr: ErrTooDeep, maxHeap: 16 << 20},
		{name: "deeply nested JSON", doc: `{"version":"https://jsonfeed.org/version/1.1","title":"x","items":[` + strings.Repeat("[", 1_000_000),
			wantErr: errors.New("any"), maxHeap: 64 << 20},
		{name: "billion laughs", doc: laughs, maxHeap: 16 << 20, check: func(t *testing.T, title string, es int) {
			if len(title) > 100 || strings.Contains(title, "root:") {
				t.Errorf("feed title %d bytes %.40q; want entities left unexpanded", len(title), title)
			}
		}},
		{name: "100,000 items", doc: items(100_000), maxHeap: 400 << 20, check: func(t *testing.T, _ string, es int) {
			if es != 100_000 {
				t.Errorf("%d entries; want all 100000", es)
			}
		}},
		{name: "10 MB title", doc: `<rss version="2.0"><channel><title>` + strings.Repeat("é", 5_000_000) + `</title><item><guid>1</guid><title>` +
			strings.Repeat("é", 5_000_000) + `</title></item></channel></rss>`, maxHeap: 256 << 20, check: func(t *testing.T, title string, es int) {
			if len(title) > 2*MaxTitleBytes || !utf8.ValidString(title) || es != 1 {
				t.Errorf("titles %d bytes (valid UTF-8 %v), %d entries; want both cut to %d bytes, one entry", len(title), utf8.ValidString(title), es, MaxTitleBytes)
			}
		}},
		{name: "truncated", doc: items(50)[:1000], wantErr: errors.New("any"), maxHeap: 16 << 20},
		{name: "binary", doc: "\x00\x01\x02\xff\xfe" + strings.Repeat("\x00\x9f", 10000), wantErr: ErrNotFeed, maxHeap: 16 << 20},
		{name: "HTML page", doc: "<!doctype html><html><head><title>Home</title></head><body>" + strings.Repeat("<p>hi</p>", 10000) + "</body></html>",
			wantErr: ErrNotFeed, maxHeap: 64 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			f, es, err := New(Options{}).Parse([]byte(tc.doc), "http://x.test/")
			runtime.ReadMemStats(&m1)
			// TotalAlloc bounds the peak from above: what was never
			// allocated cannot have been live.
			if alloc := int64(m1.TotalAlloc - m0.TotalAlloc); alloc > tc.maxHeap {
				t.Errorf("allocated %d MiB parsing %d bytes; want under %d MiB", alloc>>20, len(tc.doc), tc.maxHeap>>20)
			}
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("error %v; want the document parsed", err)
			case tc.wantErr != nil && err == nil:
				t.Fatalf("no error; want %v", tc.wantErr)
			case tc.wantErr != nil && tc.wantErr.Error() != "any" && !errors.Is(err, tc.wantErr):
				t.Fatalf("error %v; want %v", err, tc.wantErr)
			}
			if tc.check != nil {
				title := f.Title
				if len(es) > 0 {
					title += es[0].Title + es[0].Raw.Content
				}
				tc.check(t, title, len(es))
			}
		})
	}
}
