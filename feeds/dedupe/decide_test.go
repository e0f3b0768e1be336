package dedupe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// readCase reads testdata/near/<name>.txt: a title line, then the HTML body.
func readCase(t *testing.T, name string) feeds.Entry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "near", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	title, body, _ := strings.Cut(string(b), "\n")
	return feeds.Entry{Title: title, Content: body}
}

func TestNear(t *testing.T) {
	opts := Options{}.WithDefaults()
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"syndicated wire story, new title, a few words changed", "wire-a", "wire-b", true},
		{"numbers differ: 2016 vs 2015 budget", "budget-2016", "budget-2015", false},
		{"names differ: same template, other mayor and town", "election-smith", "election-jones", false},
		{"template page: weekly market reports", "market-week12", "market-week13", false},
		{"identical titles, different events", "fire-a", "fire-b", false},
		{"same-name recipes from different sites", "recipe-a", "recipe-b", false},
		{"follow-up repeating a background paragraph", "followup-original", "followup-later", false},
		{"two stories from the same agency", "agency-a", "agency-b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := readCase(t, tt.a), readCase(t, tt.b)
			sa, sb := Sign(&a), Sign(&b)
			score, got := opts.Near(&sa, &sb)
			if got != tt.want {
				t.Errorf("Near(%s, %s) = %v (score %.3f, simhash distance %d), want %v",
					tt.a, tt.b, got, score, Distance(sa.SimHash, sb.SimHash), tt.want)
			}
			if _, back := opts.Near(&sb, &sa); back != got {
				t.Errorf("Near is not symmetric: %v one way, %v the other", got, back)
			}
			if _, same := opts.Near(&sa, &sa); same != (sa.Words >= opts.MinWords) {
				t.Errorf("an entry is not a near-duplicate of itself")
			}
		})
	}
}

func TestNearShortTexts(t *testing.T) {
	opts := Options{}.WithDefaults()
	a := feeds.Entry{Title: "Short", Content: "<p>Too short to judge by text alone.</p>"}
	s := Sign(&a)
	if _, ok := opts.Near(&s, &s); ok {
		t.Errorf("Near(short, short) = true, want false below MinWords (%d words)", s.Words)
	}
}

func TestURLKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"https://www.example.com/story/1?utm_source=x", "http://example.com/story/1/"},
		{"https://example.com/article?b=2&a=1", "https://example.com/article?a=1&b=2&fbclid=z"},
	}
	for _, tt := range tests {
		if ka, kb := URLKey(tt.a), URLKey(tt.b); ka == "" || ka != kb {
			t.Errorf("URLKey(%q) = %q, URLKey(%q) = %q; want equal, non-empty", tt.a, ka, tt.b, kb)
		}
	}
	if URLKey("https://example.com/item?id=41") == URLKey("https://example.com/item?id=42") {
		t.Error("?id=41 and ?id=42 share a key; want two stories")
	}
	for _, home := range []string{"https://example.com/", "https://www.example.com", "", "not a url", "mailto:a@b"} {
		if k := URLKey(home); k != "" {
			t.Errorf("URLKey(%q) = %q, want \"\" (cannot identify a story)", home, k)
		}
	}
}

func TestGlobalGUID(t *testing.T) {
	for g, want := range map[string]bool{
		"":                                    false,
		"123":                                 false,
		"post-4567":                           false,
		"tag:daringfireball.net,2024:/linked": true,
		"https://example.com/?p=123":          true,
		"urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a": true,
		"1225c695cfb84ebbaaaa80da344efa6a":              true,
	} {
		if got := GlobalGUID(g) != ""; got != want {
			t.Errorf("GlobalGUID(%q) != \"\" is %v, want %v", g, got, want)
		}
	}
}

func TestHashCosmetic(t *testing.T) {
	base := feeds.Entry{Title: "T", Link: "https://example.com/a", Content: "<p>Body text</p>\n<p>12 comments</p>"}
	same := []feeds.Entry{
		{Title: "T", Link: "https://example.com/a?utm_source=rss&utm_medium=feed", Content: "<p>Body   text</p> <p>13 Comments</p>"},
		{Title: " T ", Link: "http://www.example.com/a/", Content: "<p>Body\ttext</p><p>(14 comments)</p>"},
	}
	for _, e := range same {
		if Hash(&e) != Hash(&base) {
			t.Errorf("Hash(%+v) differs from Hash(%+v); want cosmetic churn ignored", e, base)
		}
	}
	edited := base
	edited.Content = "<p>Body text, corrected</p>"
	if Hash(&edited) == Hash(&base) {
		t.Error("an edited body has the same Hash")
	}
}

func BenchmarkSign(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "near", "wire-a.txt"))
	if err != nil {
		b.Fatal(err)
	}
	e := feeds.Entry{Title: "Storm", Content: strings.Repeat(string(raw), 4)}
	b.SetBytes(int64(len(e.Content)))
	for b.Loop() {
		Sign(&e)
	}
}
