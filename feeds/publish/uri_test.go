package publish

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// TestAbsURL: published URLs are URIs: spaces, non-ASCII and the other
// characters a URI may not hold are percent-encoded, an internationalised
// host is given in punycode, existing escapes stay, and what is not an
// absolute http(s) URL is left out.
func TestAbsURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.com/a b?c=d e":               "https://example.com/a%20b?c=d%20e",
		"https://example.com/épisode/日本":              "https://example.com/%C3%A9pisode/%E6%97%A5%E6%9C%AC",
		`https://example.com/a"b<c>{d}|^` + "`":       "https://example.com/a%22b%3Cc%3E%7Bd%7D%7C%5E%60",
		"https://example.com/already%20escaped%2F?x":  "https://example.com/already%20escaped%2F?x",
		"https://example.com/p?q=100%":                "https://example.com/p?q=100%25",
		"https://example.com/100%":                    "", // url.Parse refuses a bad escape in a path
		"https://bücher.example:8443/straße?q=ü#frag": "https://xn--bcher-kva.example:8443/stra%C3%9Fe?q=%C3%BC#frag",
		"https://[2001:db8::1]:8080/p":                "https://[2001:db8::1]:8080/p",
		"HTTPS://Example.com/":                        "HTTPS://Example.com/",
		"https://example.com":                         "https://example.com",
		"javascript:alert(1)":                         "",
		"/relative/path":                              "",
		"ftp://example.com/file":                      "",
	} {
		if got := absURL(in); got != want {
			t.Errorf("absURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPublishedURLsAreURIs renders entries whose link and enclosure hold
// spaces and non-ASCII characters: RSS and JSON Feed carry URIs (the RSS
// 2.0 validator and the JSON Feed schema reject the raw forms), and a
// media type without a subtype is replaced by one guessed from the URL.
func TestPublishedURLsAreURIs(t *testing.T) {
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p := New(newFake([]feeds.Entry{
		{Key: "a", FeedID: testSources[0].ID, Title: "space link", Content: "<p>x</p>", Published: base,
			Link:       "https://example.com/a b?c=d e",
			Enclosures: []feeds.Enclosure{{URL: "https://cdn.example.com/my file.mp3", Type: "audio", Length: 1}}},
		{Key: "b", FeedID: testSources[0].ID, Title: "non-ASCII link", Content: "<p>x</p>", Published: base.Add(-time.Hour),
			Link: "https://example.com/épisode/日本"},
	}), testOptions())
	notURI := func(s string) bool {
		return s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= 0x20 || r >= 0x7f || strings.ContainsRune("\"<>\\^`{|}", r) })
	}
	doc, err := p.Render(t.Context(), JSON)
	if err != nil {
		t.Fatal(err)
	}
	var jf struct {
		Items []struct {
			URL         string `json:"url"`
			Attachments []struct {
				URL      string `json:"url"`
				MimeType string `json:"mime_type"`
			} `json:"attachments"`
		} `json:"items"`
	}
	if err := json.Unmarshal(doc.Body, &jf); err != nil {
		t.Fatal(err)
	}
	for _, it := range jf.Items {
		if notURI(it.URL) {
			t.Errorf("JSON Feed item url %q is not a URI", it.URL)
		}
		for _, a := range it.Attachments {
			if notURI(a.URL) || a.MimeType != "audio/mpeg" {
				t.Errorf("JSON Feed attachment %q (%s), want a URI and audio/mpeg", a.URL, a.MimeType)
			}
		}
	}
	doc, err = p.Render(t.Context(), RSS)
	if err != nil {
		t.Fatal(err)
	}
	var rf struct {
		Items []struct {
			Link      string `xml:"link"`
			Enclosure *struct {
				URL  string `xml:"url,attr"`
				Type string `xml:"type,attr"`
			} `xml:"enclosure"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(doc.Body, &rf); err != nil {
		t.Fatal(err)
	}
	for _, it := range rf.Items {
		if notURI(it.Link) {
			t.Errorf("RSS <link> %q is not a URI", it.Link)
		}
		if e := it.Enclosure; e != nil && (notURI(e.URL) || e.Type != "audio/mpeg") {
			t.Errorf("RSS <enclosure url=%q type=%q>, want a URI and audio/mpeg", e.URL, e.Type)
		}
	}
}
