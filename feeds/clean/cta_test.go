package clean

import (
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// TestCTAStrongWordShortcut checks the shortcut isCTA takes: no block that
// ctaWords judges a call to action lacks a strong word by anyStrong. It
// runs over the fixtures' blocks and, when the corpus is there, over its
// real captures' blocks.
func TestCTAStrongWordShortcut(t *testing.T) {
	var entries []feeds.Entry
	for _, f := range loadFixtures(t) {
		entries = append(entries, f.entries()...)
	}
	t.Run("fixtures", func(t *testing.T) { checkCTAShortcut(t, entries) })
	t.Run("corpus", func(t *testing.T) { checkCTAShortcut(t, corpusEntries(t)) })
}

func checkCTAShortcut(t *testing.T, entries []feeds.Entry) {
	var blocks, strong, cta int
	for _, e := range entries {
		body, _ := rawBody(e.Raw)
		for _, b := range collectBlocks(parseBody(prepare(body, e.Raw.Text)), nil) {
			if b.words > 40 {
				continue
			}
			blocks++
			s := ctaLex.anyStrong(b.fold)
			if s {
				strong++
			}
			if ctaWords(b) {
				cta++
				if !s {
					t.Errorf("ctaWords judges %q a call to action, but anyStrong finds no strong word", b.text)
				}
			}
		}
	}
	t.Logf("%d short blocks, %d with a strong word, %d calls to action", blocks, strong, cta)
	if cta == 0 {
		t.Fatal("no call to action among the blocks: the check compared nothing")
	}
}

func TestAnyStrong(t *testing.T) {
	for _, tt := range []struct {
		f    string
		want bool
	}{
		{"subscribe to our newsletter", true},
		{"get our daily briefing", true},
		{"sign up for free", true},          // a strong pair
		{"news letter in your inbox", true}, // two tokens that written together are strong
		{"join us every day", false},
		{"the council met on tuesday", false},
		{"", false},
	} {
		if got := ctaLex.anyStrong(tt.f); got != tt.want {
			t.Errorf("anyStrong(%q) = %v, want %v", tt.f, got, tt.want)
		}
	}
	if !uiLex.anyStrong("the council met on tuesday") {
		t.Error("a glued lexicon must always say it may hold a strong word")
	}
}
