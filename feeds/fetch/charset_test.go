package fetch

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// enc encodes s with the given encoder, failing the test on error.
func encode(t *testing.T, s string, e interface{ Bytes([]byte) ([]byte, error) }) []byte {
	t.Helper()
	b, err := e.Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecode(t *testing.T) {
	const doc = "<rss><channel><title>Grüße, Привет — “hi”</title></channel></rss>"
	latin := "<rss><title>Café “x”</title></rss>"
	utf16be := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder()
	utf16le := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder()
	utf32be := utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM).NewEncoder()
	utf32le := utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM).NewEncoder()
	cp1252 := charmap.Windows1252.NewEncoder()
	cp1251 := charmap.Windows1251.NewEncoder()
	sjis := japanese.ShiftJIS.NewEncoder()
	decl := func(e string) string { return `<?xml version="1.0" encoding="` + e + `"?>` }
	const utf8Decl = `<?xml version="1.0" encoding="utf-8"?>`

	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string
		wantCharset string
	}{
		{"plain utf-8", []byte(doc), "", doc, "utf-8"},
		{"utf-8 BOM stripped", append([]byte("\xEF\xBB\xBF"), doc...), "text/xml", doc, "utf-8"},
		{"utf-8 BOM beats header", append([]byte("\xEF\xBB\xBF"), doc...), "text/xml; charset=iso-8859-1", doc, "utf-8"},
		{"utf-16be BOM", append([]byte{0xFE, 0xFF}, encode(t, doc, utf16be)...), "", doc, "utf-16be"},
		{"utf-16le BOM beats header", append([]byte{0xFF, 0xFE}, encode(t, doc, utf16le)...), "application/xml; charset=utf-8", doc, "utf-16le"},
		{"utf-32be BOM", append([]byte{0, 0, 0xFE, 0xFF}, encode(t, doc, utf32be)...), "", doc, "utf-32be"},
		{"utf-32le BOM", append([]byte{0xFF, 0xFE, 0, 0}, encode(t, doc, utf32le)...), "", doc, "utf-32le"},
		{"utf-16be no BOM no decl", encode(t, doc, utf16be), "", doc, "utf-16be"},
		{"utf-16le no BOM, decl rewritten", encode(t, decl("utf-16")+doc, utf16le), "", utf8Decl + doc, "utf-16le"},
		{"utf-32le no BOM", encode(t, decl("UTF-32")+doc, utf32le), "", utf8Decl + doc, "utf-32le"},
		{"bogus utf-16 label on ascii body ignored", []byte(decl("utf-16") + doc), "", utf8Decl + doc, "utf-8"},
		{"header charset, no decl", encode(t, latin, cp1252), "text/xml; charset=windows-1252", latin, "windows-1252"},
		{"header charset single-quoted", encode(t, latin, cp1252), "application/rss+xml; charset='iso-8859-1'", latin, "windows-1252"},
		{"header charset spaced", encode(t, latin, cp1252), `text/xml;charset = "ISO-8859-1"`, latin, "windows-1252"},
		{"header beats conflicting decl", encode(t, decl("iso-8859-1")+"<t>Привет</t>", cp1251), "text/xml; charset=windows-1251", utf8Decl + "<t>Привет</t>", "windows-1251"},
		{"decl used when header has no charset", encode(t, decl("windows-1251")+"<t>Привет</t>", cp1251), "application/xml", utf8Decl + "<t>Привет</t>", "windows-1251"},
		{"text/xml without charset does not mean us-ascii", []byte(decl("utf-8") + doc), "text/xml", utf8Decl + doc, "utf-8"},
		{"header utf-8 disproved by invalid bytes", encode(t, decl("windows-1251")+"<t>Привет</t>", cp1251), "text/xml; charset=utf-8", utf8Decl + "<t>Привет</t>", "windows-1251"},
		{"header latin-1 default disproved by utf-8 decl", []byte(decl("UTF-8") + doc), "text/xml; charset=ISO-8859-1", decl("UTF-8") + doc, "utf-8"},
		{"header latin-1 on ascii body with utf-8 decl", []byte(decl("utf-8") + "<a/>"), "text/xml; charset=ISO-8859-1", utf8Decl + "<a/>", "windows-1252"},
		{"header utf-8 on latin-1 body without decl", encode(t, latin, cp1252), "text/xml; charset=utf-8", latin, "windows-1252"},
		{"mostly utf-8 with a stray byte", []byte("<t>Grüße \xE9 Привет</t>"), "text/xml; charset=utf-8", "<t>Grüße \uFFFD Привет</t>", "utf-8"},
		{"legacy decl on valid utf-8 body", []byte(decl("ISO-8859-1") + doc), "", utf8Decl + doc, "utf-8"},
		{"legacy header on valid utf-8 body", []byte(doc), "text/xml; charset=windows-1251", doc, "utf-8"},
		{"unknown header charset ignored", []byte(decl("utf-8") + doc), "text/xml; charset=x-fake", utf8Decl + doc, "utf-8"},
		{"unknown decl falls back to utf-8", []byte(decl("bogus") + doc), "", utf8Decl + doc, "utf-8"},
		{"unknown decl, invalid utf-8: windows-1252", encode(t, decl("bogus")+latin, cp1252), "", utf8Decl + latin, "windows-1252"},
		{"no info, invalid utf-8: windows-1252", encode(t, latin, cp1252), "", latin, "windows-1252"},
		{"single-quoted decl", encode(t, "<?xml version='1.0' encoding='Shift_JIS'?><t>日本語</t>", sjis), "", "<?xml version='1.0' encoding='utf-8'?><t>日本語</t>", "shift_jis"},
		{"whitespace before decl removed", []byte("\n  " + decl("utf-8") + doc), "", utf8Decl + doc, "utf-8"},
		{"declaration without encoding untouched", []byte(`<?xml version="1.0"?>` + doc), "", `<?xml version="1.0"?>` + doc, "utf-8"},
		{"json is utf-8 whatever the header", []byte("\xEF\xBB\xBF{\"title\":\"Grüße\"}"), "application/feed+json; charset=iso-8859-1", `{"title":"Grüße"}`, "utf-8"},
		{"json sniffed without type", []byte(`{"title":"Grüße"}`), "", `{"title":"Grüße"}`, "utf-8"},
		{"html meta charset", encode(t, `<!DOCTYPE html><html><head><meta charset="windows-1251"></head><body>Привет</body></html>`, cp1251), "text/html",
			`<!DOCTYPE html><html><head><meta charset="windows-1251"></head><body>Привет</body></html>`, "windows-1251"},
		{"html header beats meta", encode(t, `<html><head><meta charset="utf-8"></head><body>Café</body></html>`, cp1252), "text/html; charset=windows-1252",
			`<html><head><meta charset="utf-8"></head><body>Café</body></html>`, "windows-1252"},
		{"html without meta, valid utf-8", []byte(`<html><body>Grüße</body></html>`), "text/html", `<html><body>Grüße</body></html>`, "utf-8"},
		{"html without meta, mostly utf-8 with a stray byte", []byte("<html><body>Grüße Привет \xE9</body></html>"), "text/html",
			"<html><body>Grüße Привет \uFFFD</body></html>", "utf-8"},
		{"html header utf-8, no meta, stray byte", []byte("<html><body>Grüße Привет \xE9</body></html>"), "text/html; charset=utf-8",
			"<html><body>Grüße Привет \uFFFD</body></html>", "utf-8"},
		{"html without meta, not utf-8: windows-1252", encode(t, `<html><body>Café “x”</body></html>`, cp1252), "text/html",
			`<html><body>Café “x”</body></html>`, "windows-1252"},
		{"html http-equiv meta", encode(t, `<html><head><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1251"></head><body>Привет</body></html>`, cp1251), "text/html",
			`<html><head><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1251"></head><body>Привет</body></html>`, "windows-1251"},
		{"html meta content without http-equiv ignored", encode(t, `<html><head><meta content="text/html; charset=windows-1251"></head><body>Привет</body></html>`, cp1251), "text/html",
			`<html><head><meta content="text/html; charset=windows-1251"></head><body>Ïðèâåò</body></html>`, "windows-1252"},
		{"html unknown meta charset, later one counts", encode(t, `<html><head><meta charset="bogus"><meta charset="koi8-r"></head><body>Привет</body></html>`, charmap.KOI8R.NewEncoder()), "text/html",
			`<html><head><meta charset="bogus"><meta charset="koi8-r"></head><body>Привет</body></html>`, "koi8-r"},
		{"feed served as text/html keeps its xml declaration", encode(t, decl("windows-1251")+"<rss><title>Привет</title></rss>", cp1251), "text/html",
			utf8Decl + "<rss><title>Привет</title></rss>", "windows-1251"},
		{"feed served as text/html, whitespace before declaration", encode(t, "\r\n "+decl("koi8-r")+"<rss><title>Привет</title></rss>", charmap.KOI8R.NewEncoder()), "text/html",
			utf8Decl + "<rss><title>Привет</title></rss>", "koi8-r"},
		{"header charset beats xml declaration in text/html", encode(t, decl("iso-8859-1")+"<rss><title>Привет</title></rss>", cp1251), "text/html; charset=windows-1251",
			utf8Decl + "<rss><title>Привет</title></rss>", "windows-1251"},
		{"xhtml declaration without encoding, meta counts", encode(t, `<?xml version="1.0"?><html><head><meta charset="windows-1251"/></head><body>Привет</body></html>`, cp1251), "text/html",
			`<?xml version="1.0"?><html><head><meta charset="windows-1251"/></head><body>Привет</body></html>`, "windows-1251"},
		{"multi-line declaration, Mac label", encode(t, "<?xml\n\tversion=\"1.0\"\n  encoding=\"mac-cyrillic\"?><t>Привет</t>", charmap.MacintoshCyrillic.NewEncoder()), "",
			"<?xml\n\tversion=\"1.0\"\n  encoding=\"utf-8\"?><t>Привет</t>", "x-mac-cyrillic"},
		{"python-style label", encode(t, decl("iso_8859_1")+latin, cp1252), "", utf8Decl + latin, "windows-1252"},
		{"empty body", nil, "application/xml", "", "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := bytes.Clone(tt.body)
			got, cs, err := Decode(tt.body, tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Decode body = %q, want %q", got, tt.want)
			}
			if cs != tt.wantCharset {
				t.Errorf("Decode charset = %q, want %q", cs, tt.wantCharset)
			}
			if !utf8.Valid(got) {
				t.Errorf("Decode body is not valid UTF-8: %q", got)
			}
			if !bytes.Equal(tt.body, orig) {
				t.Errorf("Decode modified its input")
			}
		})
	}
}

func TestParseContentType(t *testing.T) {
	tests := []struct{ in, wantType, wantCharset string }{
		{"", "", ""},
		{"text/xml", "text/xml", ""},
		{"Text/XML; Charset=UTF-8", "text/xml", "UTF-8"},
		{"application/atom+xml;charset='us-ascii'", "application/atom+xml", "us-ascii"},
		{`text/xml;charset= "us-ascii"`, "text/xml", "us-ascii"},
		{"text/xml; charset:iso-8859-1", "text/xml", ""},
		{"text/xml; qs=0.9", "text/xml", ""},
		{"text/xml;", "text/xml", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			mt, cs := parseContentType(tt.in)
			if mt != tt.wantType || cs != tt.wantCharset {
				t.Errorf("parseContentType(%q) = %q, %q; want %q, %q", tt.in, mt, cs, tt.wantType, tt.wantCharset)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1251"?><a>x</a>`), "text/xml")
	f.Add([]byte{0xFF, 0xFE, '<', 0, 'a', 0}, "")
	f.Add([]byte("\x00<\x00?\x00x\x00m\x00l"), "application/xml; charset=utf-8")
	f.Add([]byte(`{"a":1}`), "application/json")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		got, cs, err := Decode(body, contentType)
		if err != nil {
			return
		}
		if !utf8.Valid(got) {
			t.Errorf("Decode(%q, %q) = %q (%s), not valid UTF-8", body, contentType, got, cs)
		}
		if cs == "" {
			t.Errorf("Decode(%q, %q) returned no charset name", body, contentType)
		}
		if enc := xmlDeclEncoding(got); enc != "" && !strings.EqualFold(enc, "utf-8") {
			t.Errorf("Decode(%q, %q) left encoding=%q in the declaration", body, contentType, enc)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	body := bytes.Repeat([]byte("<item><title>Привет, мир</title></item>\n"), 2000)
	win, err := charmap.Windows1251.NewEncoder().Bytes(body)
	if err != nil {
		b.Fatal(err)
	}
	win = append([]byte(`<?xml version="1.0" encoding="windows-1251"?>`), win...)
	for _, bc := range []struct {
		name string
		body []byte
	}{{"utf-8", body}, {"windows-1251", win}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			for b.Loop() {
				if _, _, err := Decode(bc.body, "application/rss+xml"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
