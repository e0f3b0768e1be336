package main

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nearText reads a near-duplicate fixture of package dedupe: title, body.
func nearText(t *testing.T, name string) (string, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "feeds", "dedupe", "testdata", "near", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	title, body, _ := strings.Cut(string(b), "\n")
	return title, body
}

type fixItem struct{ id, title, link, body, date string }

func rssFeed(title string, items ...fixItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>%s</title><link>https://%s.example/</link><description>d</description>`, title, strings.ToLower(title))
	for _, it := range items {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid isPermaLink=\"false\">%s</guid><pubDate>%s</pubDate><description>%s</description></item>\n",
			html.EscapeString(it.title), html.EscapeString(it.link), it.id, it.date, html.EscapeString(it.body))
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func atomFeed(title string, items ...fixItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>%s</title><id>urn:x-test:%s</id><updated>2026-11-04T10:00:00Z</updated><link href="https://%s.example/"/>`, title, title, strings.ToLower(title))
	for _, it := range items {
		fmt.Fprintf(&b, "<entry><title>%s</title><id>%s</id><updated>%s</updated><link href=\"%s\"/><content type=\"html\">%s</content></entry>\n",
			html.EscapeString(it.title), it.id, it.date, html.EscapeString(it.link), html.EscapeString(it.body))
	}
	b.WriteString("</feed>")
	return b.String()
}

func jsonFeedDoc(title string, items ...fixItem) string {
	type item struct {
		ID    string `json:"id"`
		URL   string `json:"url"`
		Title string `json:"title"`
		HTML  string `json:"content_html"`
		Date  string `json:"date_published"`
	}
	doc := struct {
		Version string `json:"version"`
		Title   string `json:"title"`
		Items   []item `json:"items"`
	}{Version: "https://jsonfeed.org/version/1.1", Title: title}
	for _, it := range items {
		doc.Items = append(doc.Items, item{it.id, it.link, it.title, it.body, it.date})
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// mergedExport is the JSON export with tidyfeed's extension.
type mergedExport struct {
	Items []struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		URL         string `json:"url"`
		ContentHTML string `json:"content_html"`
		Modified    string `json:"date_modified"`
		X           struct {
			Source  struct{ ID, Title string }
			Sources []struct {
				ID     string  `json:"id"`
				Title  string  `json:"title"`
				URL    string  `json:"url"`
				Reason string  `json:"reason"`
				Score  float64 `json:"score"`
			} `json:"sources"`
		} `json:"_tidyfeed"`
	} `json:"items"`
}

func exportMerged(t *testing.T, config string) mergedExport {
	t.Helper()
	out, stderr, err := tidyfeed(t, "export", "-config", config, "-format", "json")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	var f mergedExport
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	return f
}

// TestDedupeEndToEnd polls three feeds (RSS, Atom, JSON Feed) that share a
// wire story (near-duplicate, new title), one article under different
// tracking parameters (same canonical URL) and pairs that must stay apart,
// then re-polls an edited item.
func TestDedupeEndToEnd(t *testing.T) {
	wa, wab := nearText(t, "wire-a")
	wb, wbb := nearText(t, "wire-b")
	b16, b16b := nearText(t, "budget-2016")
	b15, b15b := nearText(t, "budget-2015")
	ra, rab := nearText(t, "recipe-a")
	rb, rbb := nearText(t, "recipe-b")
	fo, fob := nearText(t, "followup-original")
	fl, flb := nearText(t, "followup-later")
	const day = "Tue, 03 Nov 2026 10:00:00 +0000"
	const iso = "2026-11-03T12:00:00Z"
	articleBody := "<p>" + strings.Repeat("An article about local transport plans and the new tram line. ", 6) + "</p>"
	alpha := rssFeed("Alpha",
		fixItem{"a-wire", wa, "https://alpha.example/storm", wab, day},
		fixItem{"a-art", "Tram plans", "https://news.example/tram?utm_source=alpha&utm_medium=rss", articleBody, day},
		fixItem{"a-budget", b16, "https://alpha.example/budget-2016", b16b, day},
		fixItem{"a-recipe", ra, "https://alpha.example/banana-bread", rab, day},
		fixItem{"a-fo", fo, "https://alpha.example/bridge", fob, day},
	)
	beta := atomFeed("Beta",
		fixItem{"urn:beta:wire", wb, "https://beta.example/evacuation", wbb, iso},
		fixItem{"urn:beta:budget", b15, "https://beta.example/budget-2015", b15b, iso},
		fixItem{"urn:beta:fl", fl, "https://beta.example/bridge-months", flb, iso},
	)
	gamma := jsonFeedDoc("Gamma",
		fixItem{"g-art", "Tram line: the plans", "https://www.news.example/tram/?fbclid=abc", articleBody, iso},
		fixItem{"g-recipe", rb, "https://gamma.example/banana-bread", rbb, iso},
	)
	optout := rssFeed("Optout", fixItem{"o-art", "Tram plans", "https://news.example/tram", articleBody, day})
	pub, srv := newPublisher(t, map[string]string{"/alpha.rss": alpha, "/beta.atom": beta, "/gamma.json": gamma, "/optout.rss": optout})
	dir := t.TempDir()
	cfg := fmt.Sprintf("listen: \"127.0.0.1:8080\"\ndata: tidyfeed.db\nfetch:\n  allow_private_networks: true\n  timeout: 5s\n"+
		"output:\n  title: Test output\n  link: http://127.0.0.1:8080/\nfeeds:\n"+
		"  - url: %[1]s/alpha.rss\n    name: Alpha\n  - url: %[1]s/beta.atom\n    name: Beta\n"+
		"  - url: %[1]s/gamma.json\n    name: Gamma\n    priority: 10\n  - url: %[1]s/optout.rss\n    name: Optout\n    dedupe: false\n", srv.URL)
	config := filepath.Join(dir, "feeds.yaml")
	if err := os.WriteFile(config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, err := tidyfeed(t, "poll", "-config", config); err != nil {
		t.Fatalf("poll: %v\n%s%s", err, out, stderr)
	}
	f := exportMerged(t, config)
	// 11 entries: the wire story and the article merge (2 fewer), every
	// pair that must stay apart stays apart, the opted-out copy stands alone.
	if len(f.Items) != 9 {
		for _, it := range f.Items {
			t.Logf("item %q from %s, sources %+v", it.Title, it.X.Source.Title, it.X.Sources)
		}
		t.Fatalf("export has %d items, want 9", len(f.Items))
	}
	byTitle := map[string]int{}
	for i, it := range f.Items {
		byTitle[it.Title] = i
	}
	wire := f.Items[byTitle[wa]]
	if len(wire.X.Sources) != 1 || wire.X.Sources[0].Title != "Beta" || wire.X.Sources[0].Reason != "near-duplicate" ||
		wire.X.Sources[0].URL != "https://beta.example/evacuation" || wire.X.Sources[0].Score < 0.6 {
		t.Errorf("wire story sources = %+v, want Beta's copy as a near-duplicate", wire.X.Sources)
	}
	art := f.Items[byTitle["Tram line: the plans"]] // Gamma has priority 10
	if art.X.Source.Title != "Gamma" || len(art.X.Sources) != 1 || art.X.Sources[0].Title != "Alpha" || art.X.Sources[0].Reason != "same-url" {
		t.Errorf("article = from %q with sources %+v; want Gamma's copy listing Alpha (same-url)", art.X.Source.Title, art.X.Sources)
	}
	for _, apart := range []string{b16, b15, ra + "/" + rb, fo, fl} {
		for _, title := range strings.Split(apart, "/") {
			if i, ok := byTitle[title]; !ok || len(f.Items[i].X.Sources) != 0 {
				t.Errorf("%q: present %v, merged with %+v; want it alone", title, ok, f.Items[i].X.Sources)
			}
		}
	}
	out, _, err := tidyfeed(t, "dupes", "-config", config)
	if err != nil || !strings.Contains(out, "near-duplicate, similarity 0.") || !strings.Contains(out, "same canonical URL") || !strings.Contains(out, "2 stories merged") {
		t.Errorf("dupes = %v\n%s", err, out)
	}

	// Second poll of Alpha: the wire story was edited (title and body), the
	// article only got new tracking parameters and whitespace.
	edited := strings.Replace(wab, "150 kilometres per hour", "180 kilometres per hour", 1)
	pub.set("/alpha.rss", rssFeed("Alpha",
		fixItem{"a-wire", wa + " (updated)", "https://alpha.example/storm", edited, day},
		fixItem{"a-art", "Tram plans", "https://news.example/tram?utm_source=other&utm_campaign=x", "  " + articleBody + "\n", day},
		fixItem{"a-budget", b16, "https://alpha.example/budget-2016", b16b, day},
		fixItem{"a-recipe", ra, "https://alpha.example/banana-bread", rab, day},
		fixItem{"a-fo", fo, "https://alpha.example/bridge", fob, day},
	))
	out, stderr, err := tidyfeed(t, "poll", "-config", config)
	if err != nil || !strings.Contains(out, "0 new entries, 1 updated") {
		t.Errorf("second poll: %v\n%s%s; want 0 new, 1 updated", err, out, stderr)
	}
	g := exportMerged(t, config)
	if len(g.Items) != 9 {
		t.Fatalf("after the edit: %d items, want 9", len(g.Items))
	}
	for _, it := range g.Items {
		if it.ID == wire.ID {
			if it.Title != wa+" (updated)" || !strings.Contains(it.ContentHTML, "180 kilometres") || strings.Contains(it.ContentHTML, "150 kilometres") {
				t.Errorf("edited story: title %q, content %s; want the newest only", it.Title, it.ContentHTML)
			}
			if it.Modified == wire.Modified {
				t.Errorf("edited story's date_modified did not move (%s)", it.Modified)
			}
		}
		if it.ID == art.ID && it.Modified != art.Modified {
			t.Errorf("cosmetic change moved the article's date_modified: %s → %s", art.Modified, it.Modified)
		}
	}
}
