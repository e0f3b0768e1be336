package sanitize

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/internal/htmlcheck"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// mustSafe fails t when out holds anything htmlcheck calls dangerous.
func mustSafe(t *testing.T, in, out string) {
	t.Helper()
	if d := htmlcheck.Dangerous(out); len(d) > 0 {
		t.Errorf("dangerous output for %q:\n out: %q\n findings: %q", in, out, d)
	}
}

func TestHTML(t *testing.T) {
	s := New(Options{})
	tests := []struct {
		name, in, want string
	}{
		{"paragraph kept", `<p>Hello <em>world</em></p>`, `<p>Hello <em>world</em></p>`},
		{"script dropped with content", `<p>a<script>alert(1)</script>b</p>`, `<p>ab</p>`},
		{"onclick dropped", `<p onclick="x()">t</p>`, `<p>t</p>`},
		{"style dropped", `<p style="color:red">t</p>`, `<p>t</p>`},
		{"link gets noreferrer", `<a href="https://example.com/">x</a>`, `<a href="https://example.com/" rel="noreferrer">x</a>`},
		{"relative link kept", `<a href="/a">x</a>`, `<a href="/a">x</a>`},
		{"fragment link kept", `<a href="#fn1">1</a>`, `<a href="#fn1">1</a>`},
		{"query link kept", `<a href="?page=2">next</a>`, `<a href="?page=2">next</a>`},
		{"javascript after a hash is a fragment", `<a href="#javascript:alert(1)">x</a>`, `<a href="#javascript:alert(1)">x</a>`},
		{"javascript after a question mark is a query", `<a href="?javascript:alert(1)">x</a>`, `<a href="?javascript:alert(1)">x</a>`},
		{"entity hash then javascript is a fragment", `<a href="&#35;&#106;avascript:alert(1)">x</a>`, `<a href="#javascript:alert(1)">x</a>`},
		{"space then javascript dropped", `<a href=" javascript:alert(1)">x</a>`, `x`},
		{"entity tab then javascript dropped", `<a href="&#9;javascript:alert(1)">x</a>`, `x`},
		{"vertical tab then javascript dropped", "<a href=\"\vjavascript:alert(1)\">x</a>", `x`},
		{"entity hash, tab, javascript dropped", `<a href="&#9;&#35;&#9;javascript:alert(1)">x</a>`, `x`},
		{"mailto kept", `<a href="mailto:a@example.com">m</a>`, `<a href="mailto:a@example.com">m</a>`},
		{"javascript href dropped", `<a href="javascript:alert(1)">x</a>`, `x`},
		{"entity javascript dropped", `<a href="&#106;&#x61;vascript&colon;alert(1)">x</a>`, `x`},
		{"mixed case tab javascript", "<a href=\"JaVa\tScRiPt:alert(1)\">x</a>", `x`},
		{"newline javascript", "<a href=\"java&#10;script:alert(1)\">x</a>", `x`},
		{"control char javascript", "<a href=\"&#1;javascript:alert(1)\">x</a>", `x`},
		{"vbscript", `<a href="vbscript:msgbox">x</a>`, `x`},
		{"data html", `<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>`, `x`},
		{"img kept", `<img src="https://example.com/a.jpg" alt="A" width="600" height="400">`, `<img src="https://example.com/a.jpg" alt="A" width="600" height="400">`},
		{"img srcset", `<img src="a.jpg" srcset="a.jpg 1x, https://e.com/b.jpg 2x" alt="">`, `<img src="a.jpg" srcset="a.jpg 1x, https://e.com/b.jpg 2x" alt="">`},
		{"img srcset javascript dropped", `<img src="a.jpg" srcset="javascript:alert(1) 2x">`, `<img src="a.jpg">`},
		{"data img dropped", `<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="x">`, `<img alt="x">`},
		{"youtube iframe sandboxed", `<iframe src="https://www.youtube.com/embed/abc" width="560" height="315" frameborder="0" allowfullscreen onload="x()"></iframe>`, `<iframe src="https://www.youtube.com/embed/abc" width="560" height="315" allowfullscreen="" sandbox="allow-scripts allow-same-origin allow-popups"></iframe>`},
		{"other iframe dropped", `<p>a</p><iframe src="https://evil.example/x"></iframe><p>b</p>`, `<p>a</p><p>b</p>`},
		{"lookalike host dropped", `<iframe src="https://www.youtube.com.evil.example/embed/x"></iframe>`, ``},
		{"userinfo trick dropped", `<iframe src="https://www.youtube.com@evil.example/"></iframe>`, ``},
		{"http iframe dropped", `<iframe src="http://www.youtube.com/embed/x"></iframe>`, ``},
		{"noscript mxss", `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`, `<img src="x">&#34;&gt;`},
		{"svg dropped", `<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)">x</a></svg>t`, `t`},
		{"form controls dropped", `<form action="/x"><input value="v"><textarea>code</textarea><button>Copy</button></form>t`, `t`},
		{"video", `<video controls poster="/p.jpg" src="/v.mp4"><track src="/c.vtt" kind="captions"></video>`, `<video controls="" poster="/p.jpg" src="/v.mp4"><track src="/c.vtt" kind="captions"></video>`},
		{"video poster javascript", `<video poster="javascript:alert(1)" src="/v.mp4"></video>`, `<video src="/v.mp4"></video>`},
		{"base meta link dropped", `<base href="https://evil/"><meta http-equiv="refresh" content="0;url=javascript:alert(1)"><link rel="stylesheet" href="x.css">t`, `t`},
		{"table", `<table><tr><td colspan="2" bgcolor="red">c</td></tr></table>`, `<table><tr><td colspan="2">c</td></tr></table>`},
		{"escaped text stays text", `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`, `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.HTML(tt.in)
			if got != tt.want {
				t.Errorf("HTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			mustSafe(t, tt.in, got)
		})
	}
}

func TestHTMLOptions(t *testing.T) {
	in := `<iframe src="https://player.vimeo.com/video/1"></iframe><iframe src="https://embed.example/x"></iframe>`
	if got := New(Options{NoEmbeds: true}).HTML(in); got != "" {
		t.Errorf("NoEmbeds: got %q, want no iframe", got)
	}
	got := New(Options{EmbedHosts: []string{"embed.example"}}).HTML(in)
	if want := `<iframe src="https://embed.example/x" sandbox="allow-scripts allow-same-origin allow-popups"></iframe>`; got != want {
		t.Errorf("EmbedHosts: got %q, want %q", got, want)
	}
}

// TestEmbedHostsChecked keeps the sanitiser's default allowlist inside the
// one htmlcheck accepts.
func TestEmbedHostsChecked(t *testing.T) {
	for _, h := range DefaultEmbedHosts {
		if !htmlcheck.EmbedAllowed("https://" + h + "/x") {
			t.Errorf("DefaultEmbedHosts has %q, which htmlcheck.EmbedHosts rejects", h)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Hello world", "Hello world"},
		{"tags stripped", "<b>Bold</b> move", "Bold move"},
		{"blocks separated", "<p>one</p><p>two</p>", "one two"},
		{"entities once", "AT&amp;T &amp;amp; co", "AT&T &amp; co"},
		{"escaped script becomes literal", "&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"},
		{"script content dropped", "Title<script>alert(1)</script>", "Title"},
		{"whitespace collapsed", "  a \n\t b\u00a0c  ", "a b c"},
		{"control chars dropped", "a\x00b\x07c\u202ed", "abcd"},
		{"lone lt kept", "a < b and <3", "a < b and <3"},
		{"emoji joiner kept", "👩\u200d💻 dev", "👩\u200d💻 dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// rewrite parses in as a body fragment, runs Rewrite and renders the body.
func rewrite(t *testing.T, in, base string) (string, RewriteReport) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(in))
	if err != nil {
		t.Fatalf("parse %q: %v", in, err)
	}
	var b *url.URL
	if base != "" {
		b, _ = url.Parse(base)
	}
	rep := Rewrite(doc, b)
	body := findBody(doc)
	var sb strings.Builder
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&sb, c); err != nil {
			t.Fatalf("render: %v", err)
		}
	}
	return sb.String(), rep
}

func findBody(n *html.Node) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == atom.Body {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if b := findBody(c); b != nil {
			return b
		}
	}
	return nil
}

func TestRewrite(t *testing.T) {
	const base = "https://blog.example.com/2024/post/"
	tests := []struct {
		name, in, want string
		removed        []string // reasons, in order
	}{
		{"relative link resolved", `<a href="../other/">x</a>`, `<a href="https://blog.example.com/2024/other/">x</a>`, nil},
		{"tracking stripped", `<a href="https://shop.example/p?id=7&utm_source=rss">x</a>`, `<a href="https://shop.example/p?id=7">x</a>`, nil},
		{"wrapper unwrapped", `<a href="https://www.google.com/url?q=https://news.example/a&sa=D">x</a>`, `<a href="https://news.example/a">x</a>`, nil},
		{"injected base ignored", `<base href="https://evil.example/"><a href="x">x</a>`, `<a href="https://blog.example.com/2024/post/x">x</a>`, []string{"injected base"}},
		{"srcset resolved", `<img src="a.jpg" srcset="a.jpg 1x, /b.jpg?utm_medium=x 2x" alt="A">`, `<img src="https://blog.example.com/2024/post/a.jpg" srcset="https://blog.example.com/2024/post/a.jpg 1x, https://blog.example.com/b.jpg 2x" alt="A"/>`, nil},
		{"lazy data-src", `<img src="data:image/gif;base64,R0lGOD" data-src="/real.jpg" alt="R">`, `<img src="https://blog.example.com/real.jpg" alt="R"/>`, nil},
		{"lazy spacer", `<img src="/img/spacer.gif" data-lazy-src="real.jpg" data-srcset="real.jpg 1x" alt="R">`, `<img src="https://blog.example.com/2024/post/real.jpg" alt="R" srcset="https://blog.example.com/2024/post/real.jpg 1x"/>`, nil},
		{"real src kept over lazy", `<img src="/small.jpg" data-src="/big.jpg" alt="R">`, `<img src="https://blog.example.com/small.jpg" alt="R"/>`, nil},
		{"noscript fallback", `<img src="data:image/gif;base64,R0lGOD" class="lazy" alt="R"><noscript><img src="/real.jpg" alt="R"></noscript>`, `<img src="https://blog.example.com/real.jpg" class="lazy" alt="R"/>`, nil},
		{"lone noscript unwrapped", `<p><noscript><img src="/only.jpg" alt="O"></noscript></p>`, `<p><img src="https://blog.example.com/only.jpg" alt="O"/></p>`, nil},
		{"1x1 pixel", `<p>Text<img src="https://stats.example.net/p?id=1" width="1" height="1"></p>`, `<p>Text</p>`, []string{"tracking pixel 1x1"}},
		{"0x0 pixel", `<img src="https://x.example/a.png" width="0" height="0" alt="">`, ``, []string{"tracking pixel 0x0"}},
		{"feedburner ~r pixel", `<img src="http://feeds.feedburner.com/~r/Foo/~4/abc" alt="">`, ``, []string{"tracker host feeds.feedburner.com"}},
		{"feedburner flare", `<div class="feedflare"><a href="http://feeds.feedburner.com/~ff/Foo?a=x:y"><img src="http://feeds.feedburner.com/~ff/Foo?d=abc" border="0"></a></div><p>After</p>`, `<p>After</p>`, []string{"feedburner flare", "left empty by feedburner flare"}},
		{"feedads link", `<p><a href="http://feedads.g.doubleclick.net/~a/xyz/0/da"><img src="http://feedads.g.doubleclick.net/~a/xyz/0/di" border="0" ismap></a></p>`, ``, []string{"doubleclick ad", "left empty by doubleclick ad"}},
		{"wp stats", `<img alt="" border="0" src="https://pixel.wp.com/b.gif?host=x&blog=1&post=2" width="1" height="1">`, ``, []string{"tracking pixel 1x1"}},
		{"wp stats no size", `<img alt="" src="https://pixel.wp.com/b.gif?host=x&blog=1">`, ``, []string{"tracker host pixel.wp.com"}},
		{"analytics collect", `<img src="https://www.google-analytics.com/collect?v=1&tid=UA-1">`, ``, []string{"tracker host google-analytics.com"}},
		{"own collect", `<img src="https://news.example/collect?v=1&tid=UA-1">`, ``, []string{"beacon path"}},
		{"own pixel path", `<img src="https://news.example/pixel/open?e=abc">`, ``, []string{"beacon path"}},
		{"open marker no alt", `<img src="https://mail.example/e/open.gif?x=1">`, ``, []string{"beacon path"}},
		{"marker in query no alt", `<img src="https://cdn.example/i.png?utm_campaign=nl">`, ``, []string{"beacon marker without alt text"}},
		{"gif with tracking query", `<img src="https://news.example/img/logo.gif?uid=123">`, ``, []string{"gif with tracking query without alt text"}},
		{"real gif kept", `<img src="https://news.example/img/anim.gif?w=600" alt="">`, `<img src="https://news.example/img/anim.gif?w=600" alt=""/>`, nil},
		{"alt text keeps a pixel-named photo", `<img src="https://cdn.gadgets.example/reviews/pixel-9-pro-back.jpg" alt="The Pixel 9 Pro">`, `<img src="https://cdn.gadgets.example/reviews/pixel-9-pro-back.jpg" alt="The Pixel 9 Pro"/>`, nil},
		{"alt text keeps an image on a track path", `<img src="https://img.music.example/track/4411/cover.jpg" alt="Cover art">`, `<img src="https://img.music.example/track/4411/cover.jpg" alt="Cover art"/>`, nil},
		{"alt text keeps an image on a stats host", `<img src="https://stats.govt.example/charts/rate.png" alt="Chart: rate">`, `<img src="https://stats.govt.example/charts/rate.png" alt="Chart: rate"/>`, nil},
		{"alt text does not save a known tracker", `<img src="https://stats.wp.com/g.gif?v=1" alt="stats">`, ``, []string{"tracker host stats.wp.com"}},
		{"blank alt does not save a beacon path", `<img src="https://news.example/pixel/open?e=abc" alt=" ">`, ``, []string{"beacon path"}},
		{"real image with size kept", `<img src="https://cdn.example/photo.jpg" width="600" height="400">`, `<img src="https://cdn.example/photo.jpg" width="600" height="400"/>`, nil},
		{"open-source image kept", `<img src="https://cdn.example/open-source.png">`, `<img src="https://cdn.example/open-source.png"/>`, nil},
		{"feedproxy article link kept", `<a href="http://feedproxy.google.com/~r/Foo/~3/abc/story.html">Story</a>`, `<a href="http://feedproxy.google.com/~r/Foo/~3/abc/story.html">Story</a>`, nil},
		{"iframe upgraded", `<iframe data-src="//www.youtube.com/embed/x" src="about:blank"></iframe>`, `<iframe src="https://www.youtube.com/embed/x"></iframe>`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rep := rewrite(t, tt.in, base)
			if got != tt.want {
				t.Errorf("Rewrite(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			var reasons []string
			for _, r := range rep.Removed {
				reasons = append(reasons, r.Reason)
			}
			if !slices.Equal(reasons, tt.removed) {
				t.Errorf("Rewrite(%q) removed %q, want %q", tt.in, reasons, tt.removed)
			}
		})
	}
}

func TestRewriteNoscriptScriptingOff(t *testing.T) {
	doc, err := html.ParseWithOptions(strings.NewReader(`<img src="/spacer.gif" alt="R"><noscript><img src="/real.jpg"></noscript>`), html.ParseOptionEnableScripting(false))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://example.com/")
	rep := Rewrite(doc, base)
	var sb strings.Builder
	html.Render(&sb, findBody(doc))
	if got, want := sb.String(), `<body><img src="https://example.com/real.jpg" alt="R"/></body>`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if rep.LazyFixed != 1 {
		t.Errorf("LazyFixed = %d, want 1", rep.LazyFixed)
	}
}

func TestRewriteNilBase(t *testing.T) {
	got, rep := rewrite(t, `<a href="/a?utm_source=x">x</a><a href="https://e.example/?fbclid=1">y</a>`, "")
	if want := `<a href="/a?utm_source=x">x</a><a href="https://e.example/">y</a>`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if rep.Resolved != 0 || rep.Cleaned != 1 {
		t.Errorf("Resolved, Cleaned = %d, %d; want 0, 1", rep.Resolved, rep.Cleaned)
	}
}
