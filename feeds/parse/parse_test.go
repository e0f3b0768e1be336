package parse

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// check compares got and want and reports a got/want failure naming what.
func check[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		base  string
		check func(t *testing.T, f feeds.Feed, es []feeds.Entry)
	}{
		{
			name: "rss2 cdata content and description",
			base: "http://feeds.example.org/rss",
			body: `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Blog &amp; <b>Co</b>  </title><link>http://example.com/blog/</link>
<description><![CDATA[<p>All   about   <i>things</i></p>]]></description><language>en-us</language>
<image><url>/logo.png</url></image>
<item><title><![CDATA[Hello <em>world</em>]]></title><link>/2024/hello</link><guid isPermaLink="false">id-1</guid>
<description><![CDATA[<p>Short <a href="x.html">x</a></p>]]></description>
<content:encoded><![CDATA[<p>Full <img src="/i.png"></p>]]></content:encoded>
<pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate></item>
</channel></rss>`,
			check: func(t *testing.T, f feeds.Feed, es []feeds.Entry) {
				check(t, "Title", f.Title, "Blog & Co")
				check(t, "Description", f.Description, "All about things")
				check(t, "Link", f.Link, "http://example.com/blog/")
				check(t, "Language", f.Language, "en-us")
				check(t, "Image", f.Image, "http://example.com/logo.png")
				check(t, "Format", f.Format, "rss")
				check(t, "Version", f.Version, "2.0")
				e := es[0]
				check(t, "GUID", e.GUID, "id-1")
				check(t, "Raw.Title", e.Raw.Title, "Hello <em>world</em>")
				check(t, "Link", e.Link, "http://example.com/2024/hello")
				check(t, "Raw.Link", e.Raw.Link, e.Link)
				check(t, "Raw.Summary", e.Raw.Summary, `<p>Short <a href="x.html">x</a></p>`)
				check(t, "Raw.Content", e.Raw.Content, `<p>Full <img src="/i.png"></p>`)
				check(t, "Raw.Text", e.Raw.Text, false)
				check(t, "Raw.Base", e.Raw.Base, "http://example.com/2024/hello")
				check(t, "Image", e.Image, "") // not scanned from the HTML
				check(t, "Published", e.Published, date("2003-06-10T04:00:00Z"))
				check(t, "Updated", e.Updated, date("2003-06-10T04:00:00Z"))
			},
		},
		{
			name: "rss entity-escaped description, permalink guid",
			body: `<rss version="2.0"><channel><title>AT&amp;amp;T</title>
<item><title>A &amp;lt;tag&amp;gt;</title><guid>http://example.com/p/1</guid>
<description>&lt;p&gt;Hi &amp;amp; bye&lt;/p&gt;</description></item></channel></rss>`,
			check: func(t *testing.T, f feeds.Feed, es []feeds.Entry) {
				check(t, "Title", f.Title, "AT&T")
				check(t, "Raw.Summary", es[0].Raw.Summary, "<p>Hi &amp; bye</p>")
				check(t, "Link", es[0].Link, "http://example.com/p/1")
				check(t, "GUID", es[0].GUID, "http://example.com/p/1")
			},
		},
		{
			name: "rss 1.0 rdf with dc:date and sy hints",
			body: `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel rdf:about="http://example.com/"><title>RDF</title><link>http://example.com/</link>
<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel>
<item rdf:about="http://example.com/1"><title>One</title><link>http://example.com/1</link>
<dc:date>2004-05-06T07:08:09+02:00</dc:date><dc:creator>Ann</dc:creator><dc:subject>Go</dc:subject></item>
</rdf:RDF>`,
			check: func(t *testing.T, f feeds.Feed, es []feeds.Entry) {
				check(t, "Version", f.Version, "1.0")
				check(t, "Hints.UpdateBase", f.Hints.UpdateBase, 30*time.Minute)
				check(t, "entries", len(es), 1)
				check(t, "Published", es[0].Published, date("2004-05-06T05:08:09Z"))
				check(t, "Updated", es[0].Updated, date("2004-05-06T05:08:09Z"))
				check(t, "Authors", es[0].Authors, []feeds.Person{{Name: "Ann"}})
				check(t, "Categories", es[0].Categories, []string{"Go"})
			},
		},
		{
			name: "atom html, xhtml and text content with xml:base chain",
			base: "http://fetch.example.net/feed.atom",
			body: `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.com/blog/">
<title type="html">&lt;b&gt;Atom&lt;/b&gt; blog</title><subtitle>Sub</subtitle>
<link href="./"/><link rel="self" href="feed.atom"/><logo>logo.png</logo>
<author><name>Feed Author</name><uri>/about</uri></author>
<entry xml:base="2024/">
  <id>urn:uuid:1</id><title>Html</title><link rel="alternate" type="text/html" href="one.html"/>
  <updated>2024-01-02T03:04:05-05:00</updated>
  <content type="html" xml:base="posts/">&lt;a href="a.html"&gt;a&lt;/a&gt;</content>
</entry>
<entry>
  <id>urn:uuid:2</id><title>Xhtml</title><link href="/two"/>
  <published>2024-02-01T00:00:00Z</published><updated>2024-03-01T00:00:00Z</updated>
  <author><name>Bob</name><email>bob@example.com</email></author>
  <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>X <a href="b.html">b</a></p></div></content>
</entry>
<entry>
  <id>urn:uuid:3</id><title>Text</title>
  <content type="text">1 &lt; 2 &amp; 3</content>
</entry>
</feed>`,
			check: func(t *testing.T, f feeds.Feed, es []feeds.Entry) {
				check(t, "Title", f.Title, "Atom blog")
				check(t, "Link", f.Link, "http://example.com/blog/")
				check(t, "Image", f.Image, "http://example.com/blog/logo.png")
				check(t, "Format", f.Format, "atom")
				check(t, "entries", len(es), 3)
				check(t, "[0].Link", es[0].Link, "http://example.com/blog/2024/one.html")
				check(t, "[0].Raw.Base", es[0].Raw.Base, "http://example.com/blog/2024/posts/")
				check(t, "[0].Raw.Content", es[0].Raw.Content, `<a href="http://example.com/blog/2024/posts/a.html">a</a>`)
				check(t, "[0].Raw.Text", es[0].Raw.Text, false)
				check(t, "[0].Published", es[0].Published, date("2024-01-02T08:04:05Z"))
				check(t, "[0].Updated", es[0].Updated, date("2024-01-02T08:04:05Z"))
				check(t, "[0].Authors", es[0].Authors, []feeds.Person{{Name: "Feed Author", URI: "http://example.com/about"}})
				check(t, "[1].Link", es[1].Link, "http://example.com/two")
				check(t, "[1].Raw.Content", es[1].Raw.Content, `<p>X <a href="http://example.com/blog/b.html">b</a></p>`)
				check(t, "[1].Raw.Base", es[1].Raw.Base, "http://example.com/blog/")
				check(t, "[1].Published", es[1].Published, date("2024-02-01T00:00:00Z"))
				check(t, "[1].Updated", es[1].Updated, date("2024-03-01T00:00:00Z"))
				check(t, "[1].Authors", es[1].Authors, []feeds.Person{{Name: "Bob", Email: "bob@example.com"}})
				check(t, "[2].Raw.Content", es[2].Raw.Content, "1 < 2 & 3")
				check(t, "[2].Raw.Text", es[2].Raw.Text, true)
				check(t, "[2].Link", es[2].Link, "")
				check(t, "[2].Published", es[2].Published, time.Time{})
			},
		},
		{
			name: "atom relative links without xml:base resolve against feed link",
			base: "http://fetch.example.net/feed.atom",
			body: `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><link href="http://example.com/"/>
<entry><title>E</title><link href="/e"/><summary type="html">&lt;img src="/x.png"&gt;</summary></entry></feed>`,
			check: func(t *testing.T, f feeds.Feed, es []feeds.Entry) {
				check(t, "Link", es[0].Link, "http://example.com/e")
				check(t, "Raw.Summary", es[0].Raw.Summary, `<img src="/x.png">`)
				check(t, "Raw.Base", es[0].Raw.Base, "http://example.com/e")
			},
		},
		{
			name: "json feed 1.1 content_html and content_text",
			base: "https://example.org/feed.json",
			body: `{"version":"https://jsonfeed.org/version/1.1","title":"J <b>F</b>","home_page_url":"https://example.org/",
"icon":"/icon.png","authors":[{"name":"Jo","url":"/jo"}],"language":"fr",
"items":[
 {"id":"1","url":"/1","title":"One","content_html":"<p>one</p>","summary":"S","date_published":"2020-01-02T03:04:05+01:00",
  "tags":["a"," a ","","b"],"image":"/img1.png","attachments":[{"url":"/ep.mp3","mime_type":"audio/mpeg","size_in_bytes":123},{"url":""}]},
 {"id":"2","content_text":"plain <text>","date_modified":"2021-01-01T00:00:00Z","authors":[{"name":"Ed"}]}
]}`,
			check: func(t *testing.T, f feeds.Feed, es []feeds.Entry) {
				check(t, "Format", f.Format, "json")
				check(t, "Title", f.Title, "J F")
				check(t, "Image", f.Image, "https://example.org/icon.png")
				check(t, "Language", f.Language, "fr")
				check(t, "[0].Link", es[0].Link, "https://example.org/1")
				check(t, "[0].Raw.Content", es[0].Raw.Content, "<p>one</p>")
				check(t, "[0].Raw.Summary", es[0].Raw.Summary, "S")
				check(t, "[0].Raw.Text", es[0].Raw.Text, false)
				check(t, "[0].Categories", es[0].Categories, []string{"a", "b"})
				check(t, "[0].Image", es[0].Image, "https://example.org/img1.png")
				check(t, "[0].Enclosures", es[0].Enclosures, []feeds.Enclosure{{URL: "https://example.org/ep.mp3", Type: "audio/mpeg", Length: 123}})
				check(t, "[0].Authors", es[0].Authors, []feeds.Person{{Name: "Jo", URI: "https://example.org/jo"}})
				check(t, "[0].Published", es[0].Published, date("2020-01-02T02:04:05Z"))
				check(t, "[0].Updated", es[0].Updated, date("2020-01-02T02:04:05Z"))
				check(t, "[1].Raw.Content", es[1].Raw.Content, "plain <text>")
				check(t, "[1].Raw.Text", es[1].Raw.Text, true)
				check(t, "[1].Authors", es[1].Authors, []feeds.Person{{Name: "Ed"}})
				check(t, "[1].Published", es[1].Published, date("2021-01-01T00:00:00Z"))
			},
		},
		{
			name: "missing, absurd and non-UTC dates",
			body: `<rss version="2.0"><channel><title>D</title>
<item><title>none</title></item>
<item><title>old</title><pubDate>Mon, 01 Jan 1900 00:00:00 GMT</pubDate></item>
<item><title>tz</title><pubDate>Wed, 15 Mar 2023 23:30:00 -0800</pubDate></item>
<item><title>garbage</title><pubDate>yesterday-ish</pubDate></item>
</channel></rss>`,
			check: func(t *testing.T, f feeds.Feed, es []feeds.Entry) {
				for i, want := range []time.Time{{}, {}, date("2023-03-16T07:30:00Z"), {}} {
					check(t, es[i].Raw.Title+" Published", es[i].Published, want)
					check(t, es[i].Raw.Title+" Updated", es[i].Updated, want)
					if l := es[i].Published.Location(); !es[i].Published.IsZero() && l != time.UTC {
						t.Errorf("%s location = %v, want UTC", es[i].Raw.Title, l)
					}
				}
			},
		},
		{
			name: "enclosures, media and itunes",
			base: "http://pod.example.com/feed",
			body: `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>P</title><itunes:image href="http://pod.example.com/art.jpg"/>
<item><title>E1</title><enclosure url="/e1.mp3" type="audio/mpeg" length="1000"/>
<media:content url="http://cdn.example.com/e1.mp4" type="video/mp4" fileSize="2000"/>
<media:group><media:content url="/e1.ogg" type="audio/ogg"/><media:thumbnail url="/t1.jpg"/></media:group>
<enclosure url="" type="audio/mpeg"/><itunes:image href="http://pod.example.com/e1.jpg"/></item>
<item><title>E2</title><media:thumbnail url="/t2.jpg"/></item>
</channel></rss>`,
			check: func(t *testing.T, f feeds.Feed, es []feeds.Entry) {
				check(t, "feed Image", f.Image, "http://pod.example.com/art.jpg")
				check(t, "[0].Enclosures", es[0].Enclosures, []feeds.Enclosure{
					{URL: "http://pod.example.com/e1.mp3", Type: "audio/mpeg", Length: 1000},
					{URL: "http://cdn.example.com/e1.mp4", Type: "video/mp4", Length: 2000},
					{URL: "http://pod.example.com/e1.ogg", Type: "audio/ogg"},
				})
				check(t, "[0].Image", es[0].Image, "http://pod.example.com/e1.jpg")
				check(t, "[1].Image", es[1].Image, "http://pod.example.com/t2.jpg")
			},
		},
		{
			name: "authors and categories",
			body: `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>A</title>
<item><title>1</title><author>jane@example.com (Jane Doe)</author>
<category>  News </category><category>news</category><category> </category><category>Tech  Talk</category></item>
</channel></rss>`,
			check: func(t *testing.T, f feeds.Feed, es []feeds.Entry) {
				check(t, "Authors", es[0].Authors, []feeds.Person{{Name: "Jane Doe", Email: "jane@example.com"}})
				check(t, "Categories", es[0].Categories, []string{"News", "Tech Talk"})
			},
		},
		{
			name: "ttl skipHours skipDays",
			body: `<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>H</title><ttl> 90 </ttl>
<skipHours><hour>3</hour><hour>1</hour><hour>24</hour><hour>x</hour><hour>1</hour></skipHours>
<skipDays><day>saturday</day><day>Sunday</day><day>Caturday</day></skipDays>
<sy:updatePeriod>daily</sy:updatePeriod></channel></rss>`,
			check: func(t *testing.T, f feeds.Feed, es []feeds.Entry) {
				check(t, "TTL", f.Hints.TTL, 90*time.Minute)
				check(t, "SkipHours", f.Hints.SkipHours, []int{0, 1, 3})
				check(t, "SkipDays", f.Hints.SkipDays, []string{"Saturday", "Sunday"})
				check(t, "UpdateBase", f.Hints.UpdateBase, 24*time.Hour)
				check(t, "entries", len(es), 0)
			},
		},
		{
			name: "utf-16 with byte order mark",
			body: utf16LE(`<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>Grüße</title><item><title>é</title></item></channel></rss>`),
			check: func(t *testing.T, f feeds.Feed, es []feeds.Entry) {
				check(t, "Title", f.Title, "Grüße")
				check(t, "Raw.Title", es[0].Raw.Title, "é")
			},
		},
	}
	p := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, es, err := p.Parse([]byte(tt.body), tt.base)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(es) == 0 && !strings.Contains(tt.name, "ttl") {
				t.Fatalf("got no entries")
			}
			tt.check(t, f, es)
			assertAbsolute(t, es)
		})
	}
}

// utf16LE encodes s as UTF-16LE with a byte order mark.
func utf16LE(s string) string {
	b := []byte{0xFF, 0xFE}
	for _, r := range s {
		if r > 0xFFFF {
			panic("test helper handles the BMP only")
		}
		b = append(b, byte(r), byte(r>>8))
	}
	return string(b)
}

func TestParseNotFeed(t *testing.T) {
	tests := []struct {
		name, body, detail string
	}{
		{"empty", "", "empty body"},
		{"blank", " \r\n\t ", "empty body"},
		{"cloudflare challenge", "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>checking</body></html>", `HTML page (title "Just a moment...")`},
		{"html without doctype", "\n<html><body>hi</body></html>", `HTML page (title "")`},
		{"opml", `<?xml version="1.0"?><opml version="1.0"><body/></opml>`, "XML document with root <opml>"},
		{"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip-compressed body"},
		{"json api", `{"error":"nope"}`, "JSON document is not a JSON Feed"},
		{"plain text", "404 page not found", `body starts with "404 page not found"`},
	}
	p := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, es, err := p.Parse([]byte(tt.body), "http://example.com/feed")
			if !errors.Is(err, ErrNotFeed) {
				t.Fatalf("err = %v, want ErrNotFeed", err)
			}
			if !strings.HasSuffix(err.Error(), tt.detail) {
				t.Errorf("err = %q, want detail %q", err, tt.detail)
			}
			if es != nil {
				t.Errorf("entries = %v, want nil", es)
			}
		})
	}
}

func TestParseBrokenFeedIsNotErrNotFeed(t *testing.T) {
	_, _, err := New(Options{}).Parse([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":`), "")
	if err == nil || errors.Is(err, ErrNotFeed) {
		t.Fatalf("err = %v, want a parse error that is not ErrNotFeed", err)
	}
}

func TestOptionsMaxEntries(t *testing.T) {
	body := []byte(`<rss version="2.0"><channel><title>M</title><item><title>1</title></item><item><title>2</title></item><item><title>3</title></item></channel></rss>`)
	for _, tt := range []struct{ max, want int }{{0, 3}, {2, 2}, {5, 3}} {
		_, es, err := New(Options{MaxEntries: tt.max}).Parse(body, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != tt.want {
			t.Errorf("MaxEntries %d: got %d entries, want %d", tt.max, len(es), tt.want)
		}
	}
}

// assertAbsolute fails when an entry URL is neither absolute nor empty.
func assertAbsolute(t *testing.T, es []feeds.Entry) {
	t.Helper()
	for i, e := range es {
		urls := []string{e.Link, e.Raw.Link, e.Image, e.Raw.Base}
		for _, en := range e.Enclosures {
			urls = append(urls, en.URL)
		}
		for _, u := range urls {
			if u != "" && !isAbs(u) {
				t.Errorf("entry %d: URL %q is not absolute", i, u)
			}
		}
	}
}
