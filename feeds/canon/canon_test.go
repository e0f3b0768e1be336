package canon

import (
	"net/url"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no change", "https://example.com/a?id=3&page=2#top", "https://example.com/a?id=3&page=2#top"},
		{"utm removed order kept", "https://example.com/a?z=1&utm_source=rss&b=2&utm_medium=feed", "https://example.com/a?z=1&b=2"},
		{"utm any case", "https://example.com/?UTM_Source=x&Utm_Campaign=y", "https://example.com/"},
		{"only tracking leaves no ?", "http://example.com/p?fbclid=abc", "http://example.com/p"},
		{"click ids", "https://example.com/p?gclid=1&dclid=2&gbraid=3&wbraid=4&msclkid=5&yclid=6&twclid=7&ttclid=8&li_fat_id=9&id=42", "https://example.com/p?id=42"},
		{"mail and crm", "https://example.com/p?mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4&mkt_tok=5&igshid=6&_ga=7&_gl=8&oly_enc_id=9&vero_id=10&page=2", "https://example.com/p?page=2"},
		{"fragment kept", "https://example.com/p?utm_source=x#section-2", "https://example.com/p#section-2"},
		{"tracking fragment dropped", "https://example.com/p#utm_source=feed&utm_medium=rss", "https://example.com/p"},
		{"xtor", "https://www.lemonde.fr/a.html?xtor=RSS-3208", "https://www.lemonde.fr/a.html"},
		{"ref kept by default", "https://github.com/o/r/blob/x?ref=main", "https://github.com/o/r/blob/x?ref=main"},
		{"ref dropped on producthunt", "https://www.producthunt.com/posts/x?ref=feed&id=1", "https://www.producthunt.com/posts/x?id=1"},
		{"medium source", "https://medium.com/@a/post-123?source=rss----abc---4", "https://medium.com/@a/post-123"},
		{"youtube si", "https://youtu.be/dQw4w9WgXcQ?si=abc&t=42", "https://youtu.be/dQw4w9WgXcQ?t=42"},
		{"encoded value kept", "https://example.com/s?q=a%20b&utm_term=c", "https://example.com/s?q=a%20b"},
		{"google q", "https://www.google.com/url?q=https://example.com/a%3Fid%3D1&sa=D&ust=1", "https://example.com/a?id=1"},
		{"google url param", "https://www.google.co.uk/url?sa=t&url=https%3A%2F%2Fexample.com%2Fb&usg=x", "https://example.com/b"},
		{"facebook", "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2Fc%3Ffbclid%3Dzz&h=AT0", "https://example.com/c"},
		{"facebook lm", "https://lm.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2Fd", "https://example.com/d"},
		{"outlook safelinks", "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fexample.com%2Fe%3Futm_source%3Dnl&data=05%7C01&sdata=x&reserved=0", "https://example.com/e"},
		{"out.reddit", "https://out.reddit.com/t3_abc?url=https%3A%2F%2Fexample.com%2Ff&token=x", "https://example.com/f"},
		{"instagram", "https://l.instagram.com/?u=https%3A%2F%2Fexample.com%2Fg&e=x", "https://example.com/g"},
		{"youtube redirect", "https://www.youtube.com/redirect?event=video_description&q=https%3A%2F%2Fexample.com%2Fh", "https://example.com/h"},
		{"slack", "https://slack-redir.net/link?url=https%3A%2F%2Fexample.com%2Fi", "https://example.com/i"},
		{"nested wrappers", "https://www.google.com/url?q=https%3A%2F%2Fl.facebook.com%2Fl.php%3Fu%3Dhttps%253A%252F%252Fexample.com%252Fj", "https://example.com/j"},
		{"wrapper to javascript kept", "https://www.google.com/url?q=javascript:alert(1)", "https://www.google.com/url?q=javascript:alert(1)"},
		{"t.co left alone", "https://t.co/abc123", "https://t.co/abc123"},
		{"google search kept", "https://www.google.com/search?q=https://example.com", "https://www.google.com/search?q=https://example.com"},
		{"mailto unchanged", "mailto:a@example.com?utm_source=x", "mailto:a@example.com?utm_source=x"},
		{"relative unchanged", "/a?utm_source=x", "/a?utm_source=x"},
		{"javascript unchanged", "javascript:alert(1)//?utm_source=x", "javascript:alert(1)//?utm_source=x"},
		{"unparsable unchanged", "http://[::1/?utm_source=x", "http://[::1/?utm_source=x"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestUnwrap(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"google", "https://www.google.com/url?q=https://example.com/a?utm_source=x", "https://example.com/a?utm_source=x", true},
		{"not a wrapper", "https://example.com/url?q=https://evil.example/", "https://example.com/url?q=https://evil.example/", false},
		{"no target", "https://l.facebook.com/l.php?h=x", "https://l.facebook.com/l.php?h=x", false},
		{"disqus suffix", "https://disq.us/url?url=https%3A%2F%2Fexample.com%2Fk%3AaB3dE-f&cuid=1", "https://example.com/k", true},
		{"disqus port kept", "https://disq.us/url?url=https%3A%2F%2Fexample.com%3A8080&cuid=1", "https://example.com:8080", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Unwrap(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Unwrap(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestKey(t *testing.T) {
	same := [][]string{
		{"http://www.Example.com:80/a/?b=2&a=1#frag", "https://example.com/a?a=1&b=2", "HTTPS://EXAMPLE.COM:443/a?a=1&b=2&utm_source=rss", "https://example.com/%61/?a=1&b=2&"},
		{"https://example.com", "https://example.com/", "http://www.example.com/?", "https://example.com./"},
		{"https://example.com/a%2fb", "https://example.com/a%2Fb"},
		{"https://www.google.com/url?q=http://example.com/x/", "https://example.com/x"},
	}
	for i, group := range same {
		want := Key(group[0])
		for _, u := range group[1:] {
			if got := Key(u); got != want {
				t.Errorf("group %d: Key(%q) = %q, want %q (Key of %q)", i, u, got, want, group[0])
			}
		}
	}
	different := [][2]string{
		{"https://example.com/a", "https://example.com/b"},
		{"https://example.com/a?id=1", "https://example.com/a?id=2"},
		{"https://example.com:8080/a", "https://example.com/a"},
		{"https://example.com/a%2Fb", "https://example.com/a/b"},
		{"https://blog.example.com/a", "https://example.com/a"},
	}
	for _, d := range different {
		if Key(d[0]) == Key(d[1]) {
			t.Errorf("Key(%q) == Key(%q) = %q, want different", d[0], d[1], Key(d[0]))
		}
	}
	if got, want := Key("http://www.example.com/a/?b=2&a=1#f"), "https://example.com/a?a=1&b=2"; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
	if got, want := Key("mailto:x@example.com"), "mailto:x@example.com"; got != want {
		t.Errorf("Key(mailto) = %q, want %q", got, want)
	}
}

func TestIsTrackingParam(t *testing.T) {
	for _, name := range []string{"utm_source", "UTM_MEDIUM", "utm_whatever", "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "igshid", "yclid", "twclid", "ttclid", "li_fat_id", "oly_anon_id", "vero_conv", "_ga", "_gl", "mkt_tok", "xtor"} {
		if !IsTrackingParam(name) {
			t.Errorf("IsTrackingParam(%q) = false, want true", name)
		}
	}
	for _, name := range []string{"id", "page", "ref", "q", "utm_", "p", "v", "t", "source", "spm"} {
		if IsTrackingParam(name) {
			t.Errorf("IsTrackingParam(%q) = true, want false", name)
		}
	}
}

var fuzzSeeds = []string{
	"https://www.google.com/url?q=https%3A%2F%2Fl.facebook.com%2Fl.php%3Fu%3Dhttps%253A%252F%252Fexample.com%252Fj",
	"http://www.Example.com:80/a/?b=2&a=1&utm_source=x#frag",
	"https://example.com/%7euser/a%2fb?x=%zz&&=",
	"https://[::1]:443/?utm_medium=a#utm_source=b",
	"https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fexample.com%2Fe",
	"https://www.www.example.com//a//",
	"mailto:a@b", "", " http://x.org ", "javascript:alert(1)",
}

func FuzzKey(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := Key(s)
		if k2 := Key(k); k2 != k {
			t.Errorf("Key not idempotent for %q:\n Key  = %q\n Key2 = %q", s, k, k2)
		}
		_, frag, ok := strings.Cut(k, "#")
		if f, err := url.PathUnescape(frag); err == nil {
			frag = f
		}
		if k != s && ok && !isRoute(frag) {
			t.Errorf("Key(%q) = %q keeps a fragment that is not a route", s, k)
		}
	})
}

func FuzzClean(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if c2 := Clean(c); c2 != c {
			t.Errorf("Clean not idempotent for %q:\n Clean  = %q\n Clean2 = %q", s, c, c2)
		}
	})
}

// TestCleanKeepsIDNHost: an internationalised host stays as written when
// Clean strips a tracking parameter (net/url would percent-encode it).
func TestCleanKeepsIDNHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://bücher.example/a?utm_source=rss":        "https://bücher.example/a",
		"https://пример.рф/news?fbclid=x&id=1":           "https://пример.рф/news?id=1",
		"https://user@bücher.example:8443/?utm_medium=x": "https://user@bücher.example:8443/",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
		if got := Clean(Clean(in)); got != Clean(in) {
			t.Errorf("Clean is not idempotent on %q: %q then %q", in, Clean(in), got)
		}
	}
}

// TestKeyKeepsRoutes: a client-side route in the fragment ("#!/post/1",
// "#/post/1") selects the content of a single-page site, so pages that
// differ only by it get different keys; any other fragment is dropped.
func TestKeyKeepsRoutes(t *testing.T) {
	for _, pair := range [][2]string{
		{"https://app.example.com/#!/post/1", "https://app.example.com/#!/post/2"},
		{"https://app.example.com/#/post/1", "https://app.example.com/#/post/2"},
	} {
		if a, b := Key(pair[0]), Key(pair[1]); a == b {
			t.Errorf("Key(%q) = Key(%q) = %q, want them apart", pair[0], pair[1], a)
		}
		if k := Key(pair[0]); Key(k) != k {
			t.Errorf("Key is not idempotent on %q: %q then %q", pair[0], k, Key(k))
		}
	}
	if a, b := Key("https://example.com/a#section-2"), Key("https://example.com/a"); a != b {
		t.Errorf("a place in the page changed the key: %q vs %q", a, b)
	}
}
