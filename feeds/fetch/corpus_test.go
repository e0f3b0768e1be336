package fetch

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidyfeed/tidyfeed/internal/corpus"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

var update = flag.Bool("update", false, "rewrite testdata/encoding-baseline.txt with the current pass count")

// corpusDir returns the shared corpus's feeds folder, skipping the test when
// it is absent. The corpus lives next to the module root.
func corpusDir(t *testing.T) string { return corpus.Dir(t, "feeds") }

// encodingCase is one feedparser test file that names the encoding
// feedparser is expected to report.
type encodingCase struct {
	file        string
	contentType string
	want        string
}

func loadEncodingCases(t *testing.T, dir string) []encodingCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "feedparser-expectations.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all []struct {
		File        string   `json:"file"`
		HTTPHeaders []string `json:"http_headers"`
		Checks      []struct {
			Path   string `json:"path"`
			Equals any    `json:"equals"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatalf("parse feedparser-expectations.json: %v", err)
	}
	var cases []encodingCase
	for _, e := range all {
		for _, c := range e.Checks {
			want, ok := c.Equals.(string)
			if c.Path != "encoding" || !ok {
				continue
			}
			ec := encodingCase{file: e.File, want: want}
			for _, h := range e.HTTPHeaders {
				if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "content-type") {
					ec.contentType = strings.TrimSpace(v)
				}
			}
			cases = append(cases, ec)
		}
	}
	return cases
}

// expectedEncoding resolves feedparser's (Python codec) encoding name.
func expectedEncoding(name string) (encoding.Encoding, string) {
	switch n := strings.ToLower(name); n {
	case "utf-16be":
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), n
	case "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), n
	case "utf-32be":
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), n
	case "utf-32le":
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), n
	}
	return lookupNarrow(name)
}

// TestFeedparserEncodings runs Decode over the feedparser encoding cases
// that state an expected encoding. A case passes when Decode picks the
// expected charset, or produces exactly the text that decoding with the
// expected charset would (feedparser reports "us-ascii" for text/* without a
// charset, RFC 3023; we follow RFC 7303, which gives the same text on these
// ASCII-only files). The pass count may not fall below the committed
// baseline; run with -update to raise the baseline after an improvement.
func TestFeedparserEncodings(t *testing.T) {
	dir := corpusDir(t)
	cases := loadEncodingCases(t, dir)
	if len(cases) < 60 {
		t.Fatalf("found %d feedparser encoding cases, want at least 60: has the expectations format changed?", len(cases))
	}
	var strict, equivalent int
	var failures []string
	for _, c := range cases {
		body, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		got, gotName, err := Decode(body, c.contentType)
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", c.file, err))
			continue
		}
		wantEnc, wantName := expectedEncoding(c.want)
		if wantName == "" {
			failures = append(failures, fmt.Sprintf("%s: expected encoding %q unknown to x/text", c.file, c.want))
			continue
		}
		if gotName == wantName {
			strict++
			equivalent++
			continue
		}
		_, _, rest := chooseEncoding(body, c.contentType) // rest: body without BOM
		if want, err := transcode(rest, wantEnc); err == nil && string(fixXMLDecl(want)) == string(got) {
			equivalent++
			continue
		}
		failures = append(failures, fmt.Sprintf("%s (Content-Type %q): got %s, want %s", c.file, c.contentType, gotName, c.want))
	}
	t.Logf("feedparser encoding cases: %d; same charset %d (%.1f%%); same text %d (%.1f%%)",
		len(cases), strict, pct(strict, len(cases)), equivalent, pct(equivalent, len(cases)))
	for _, f := range failures {
		t.Logf("  failed: %s", f)
	}

	baselineFile := filepath.Join("testdata", "encoding-baseline.txt")
	if *update {
		if err := os.WriteFile(baselineFile, []byte(strconv.Itoa(equivalent)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(baselineFile)
	if err != nil {
		t.Fatalf("read baseline (run with -update to create it): %v", err)
	}
	baseline, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("parse %s: %v", baselineFile, err)
	}
	switch {
	case equivalent < baseline:
		t.Errorf("feedparser encoding cases passing = %d, want at least the baseline %d", equivalent, baseline)
	case equivalent > baseline:
		t.Logf("passing %d, above the baseline %d: run with -update to raise it", equivalent, baseline)
	}
}

func pct(n, of int) float64 { return 100 * float64(n) / float64(of) }

// TestCorpusDecode pins Decode on corpus files whose encoding is undeclared,
// mis-declared or overridden by the pretend HTTP header.
func TestCorpusDecode(t *testing.T) {
	dir := corpusDir(t)
	tests := []struct {
		file        string
		contentType string
		wantCharset string
		wantText    string
	}{
		{"feedparser/encoding/http_text_xml_charset_2.xml", "text/xml; charset=windows-1252", "windows-1252", "This is a £“test.”"},
		{"feedparser/encoding/http_text_xml_charset_overrides_encoding_2.xml", "text/xml; charset=windows-1252", "windows-1252", "This is a £“test.”"},
		{"feedparser/encoding/euc-kr.xml", "", "euc-kr", "<title>년</title>"},
		{"miniflux/encoding/utf8-incorrect-prolog.xml", "", "utf-8", "테스트"},
		{"miniflux/encoding/windows-1252-incorrect-prolog.xml", "", "utf-8", "€"},
		{"miniflux/encoding/windows-1252.xml", "", "windows-1252", "€"},
		{"miniflux/encoding/koi8r.xml", "", "koi8-r", "Пример"},
		{"miniflux/encoding/iso-8859-1-meta-after-1024.html", "text/html", "windows-1252", "é"},
		{"miniflux/encoding/utf8-meta-after-1024.html", "text/html", "utf-8", "é"},
		{"miniflux/xml/iso88591_utf8_mismatch.xml", "", "windows-1252", "Anaïs"},
		{"miniflux/parser/encoding_WINDOWS-1251.xml", "application/rss+xml", "windows-1251", "Новый"},
		{"miniflux/parser/no_encoding_ISO-8859-1.xml", "", "windows-1252", "magazine de psychologie"},
		{"rss-parser/input/uolNoticias.rss", "text/xml", "windows-1252", "Notícias"},
		{"simplepie/feed-utf16be.xml", "", "utf-16be", "<title>Test feed</title>"},
		{"simplepie/feed-utf16le.xml", "", "utf-16le", "<title>Test feed</title>"},
		{"simplepie/feed-with-whitespace-before-xml-declaration.xml", "", "utf-8", "^<?xml"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, cs, err := Decode(body, tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if cs != tt.wantCharset {
				t.Errorf("charset = %q, want %q", cs, tt.wantCharset)
			}
			if want, ok := strings.CutPrefix(tt.wantText, "^"); ok {
				if !strings.HasPrefix(string(got), want) {
					t.Errorf("decoded body starts %q, want prefix %q", got[:min(len(got), 40)], want)
				}
			} else if !strings.Contains(string(got), tt.wantText) {
				t.Errorf("decoded body does not contain %q; starts %q", tt.wantText, got[:min(len(got), 200)])
			}
			if strings.ContainsRune(string(got), '\uFFFD') {
				t.Errorf("decoded body contains U+FFFD")
			}
			if enc := xmlDeclEncoding(got); enc != "" && !strings.EqualFold(enc, "utf-8") {
				t.Errorf("XML declaration still says encoding=%q", enc)
			}
		})
	}
}

// TestCorpusDecodeAll decodes every input document of the corpus: the result
// must be valid UTF-8 with no XML declaration naming another encoding.
func TestCorpusDecodeAll(t *testing.T) {
	dir := corpusDir(t)
	index, err := os.ReadFile(filepath.Join(dir, "INDEX.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	charsets := map[string]int{}
	var files int
	var size int64
	for line := range strings.Lines(string(index)) {
		cols := strings.Split(strings.TrimRight(line, "\r\n"), "\t")
		if len(cols) < 3 || cols[2] != "input" {
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, cols[0]))
		if err != nil {
			t.Fatal(err)
		}
		got, cs, err := Decode(body, "")
		if err != nil {
			t.Errorf("%s: %v", cols[0], err)
			continue
		}
		if !utf8.Valid(got) {
			t.Errorf("%s: decoded as %s, result is not valid UTF-8", cols[0], cs)
		}
		if enc := xmlDeclEncoding(got); enc != "" && !strings.EqualFold(enc, "utf-8") {
			t.Errorf("%s: declaration still says encoding=%q", cols[0], enc)
		}
		charsets[cs]++
		files++
		size += int64(len(body))
	}
	if files < 4000 {
		t.Errorf("decoded %d input files, want the corpus's 4,067", files)
	}
	t.Logf("decoded %d files, %d bytes; charsets chosen: %v", files, size, charsets)
}
