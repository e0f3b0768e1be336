package parse

import (
	"testing"
)

// FuzzParse checks that Parse never panics and that every URL it returns is
// absolute or empty.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<rss version="2.0"><channel><title>t</title><link>/x</link><item><link>a b</link><guid>http://e/1</guid><enclosure url="//cdn/x.mp3"/></item></channel></rss>`,
		`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="x/"><entry xml:base="javascript:alert(1)"><link href="../y"/><content type="html" xml:base="http:///z">&lt;a href="q"&gt;</content></entry></feed>`,
		`{"version":"https://jsonfeed.org/version/1.1","items":[{"url":"::","image":"%zz","attachments":[{"url":"/a"}]}]}`,
		"\xff\xfe<\x00r\x00s\x00s\x00>\x00",
		`<?xml version="1.0" encoding="x-bogus"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><item><link>http:foo</link></item></rdf:RDF>`,
		"<!DOCTYPE html><title>x</title>",
	} {
		f.Add([]byte(s), "http://example.com/feed.xml")
		f.Add([]byte(s), "")
	}
	p := New(Options{})
	f.Fuzz(func(t *testing.T, body []byte, base string) {
		_, es, err := p.Parse(body, base)
		if err != nil && es != nil {
			t.Fatalf("error %v with %d entries", err, len(es))
		}
		assertAbsolute(t, es)
	})
}
