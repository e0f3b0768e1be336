package clean

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

const standingFooter = "Ostsee Kurier · Hafenstraße 12 · 24103 Kiel · Redaktion: 0431 555 010"

// kurierEntries are entries of one invented feed whose every entry ends
// with the same imprint line, which no generic rule knows.
func kurierEntries(n int) []feeds.Entry {
	var out []feeds.Entry
	for i := range n {
		body := fmt.Sprintf("<p>Meldung %d: Der Gemeinderat hat am Abend über den Antrag Nummer %d beraten und ihn nach langer Debatte vertagt.</p>\n", i, 100+i)
		if i == 1 {
			body += "<p>Ostsee Kurier · Hafenstraße 14 · neue Adresse ab Mai</p>\n"
		}
		body += "<p>" + standingFooter + "</p>"
		out = append(out, feeds.Entry{GUID: fmt.Sprintf("kurier-%d", i), Raw: feeds.Raw{
			Title:   fmt.Sprintf("Meldung %d", i),
			Link:    fmt.Sprintf("https://kurier.example/meldung-%d", i),
			Content: body,
		}})
	}
	return out
}

func TestTemplateLearning(t *testing.T) {
	c := New(Options{})
	entries := kurierEntries(5)

	t.Run("unlearned footer stays", func(t *testing.T) {
		e := entries[0]
		c.Clean(&e, Feed{Profile: NewProfile()})
		if countIn(e.Content, "Hafenstraße 12") != 1 {
			t.Errorf("content = %q, want the footer kept before learning", e.Content)
		}
	})

	p := NewProfile()
	p.Learn(entries)
	p.Learn(entries) // a re-poll must not count entries twice
	if got := p.Len(); got != 5 {
		t.Errorf("Len() = %d, want 5", got)
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	restored := NewProfile()
	if err := json.Unmarshal(data, restored); err != nil {
		t.Fatal(err)
	}
	for name, prof := range map[string]*Profile{"learned": p, "restored from JSON": restored} {
		t.Run(name, func(t *testing.T) {
			for i, e := range entries {
				rep := c.Clean(&e, Feed{Profile: prof})
				if n := countIn(e.Content, "Hafenstraße 12"); n != 0 {
					t.Errorf("entry %d: footer appears %d times, want 0", i, n)
				}
				if n := countIn(e.Content, fmt.Sprintf("Antrag Nummer %d", 100+i)); n != 1 {
					t.Errorf("entry %d: lead appears %d times, want 1", i, n)
				}
				if i == 1 && countIn(e.Content, "Hafenstraße 14") != 1 {
					t.Errorf("entry 1: the block resembling the footer was removed; content %q", e.Content)
				}
				if !strings.Contains(rep.String(), "template/learned") {
					t.Errorf("entry %d: report %q lacks template/learned", i, rep)
				}
			}
		})
	}

	t.Run("too few entries", func(t *testing.T) {
		small := NewProfile()
		small.Learn(entries[:2])
		small.Learn(entries[:2])
		e := entries[0]
		c.Clean(&e, Feed{Profile: small})
		if countIn(e.Content, "Hafenstraße 12") != 1 {
			t.Errorf("footer seen in 2 entries was removed; want it kept")
		}
	})

	t.Run("disabled for the feed", func(t *testing.T) {
		e := entries[0]
		c.Clean(&e, Feed{Profile: p, Rules: feeds.CleanRules{Disable: []string{"template"}}})
		if countIn(e.Content, "Hafenstraße 12") != 1 {
			t.Errorf("footer removed with template disabled")
		}
	})
}

func TestProfileBounded(t *testing.T) {
	p := NewProfile()
	p.Learn(kurierEntries(profileWindow + 25))
	if got := p.Len(); got != profileWindow {
		t.Errorf("Len() = %d, want %d", got, profileWindow)
	}
	if err := json.Unmarshal([]byte(`{"version":9}`), NewProfile()); err == nil {
		t.Error("UnmarshalJSON accepted an unknown version")
	}
}

// TestLearnSharesParse checks that cleaning after Learn (which keeps each
// body's parse for Clean) gives the same output as cleaning a fresh
// parse, and that a kept parse is taken only once.
func TestLearnSharesParse(t *testing.T) {
	c := New(Options{})
	for _, f := range loadFixtures(t) {
		t.Run(f.Outlet, func(t *testing.T) {
			entries := f.entries()
			p := NewProfile()
			p.Learn(entries)
			// The reference: the same learned state, without kept parses.
			data, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			fresh := NewProfile()
			if err := json.Unmarshal(data, fresh); err != nil {
				t.Fatal(err)
			}
			for i := range entries {
				shared, alone := entries[i], entries[i]
				body, _ := rawBody(shared.Raw)
				if _, ok := p.parses[prepare(body, shared.Raw.Text)]; !ok {
					t.Fatalf("entry %d: Learn kept no parse", i)
				}
				repShared := c.Clean(&shared, Feed{Rules: f.Cases[i].Rules, Profile: p})
				repAlone := c.Clean(&alone, Feed{Rules: f.Cases[i].Rules, Profile: fresh})
				if shared.Content != alone.Content || shared.Summary != alone.Summary {
					t.Errorf("entry %d: content with shared parse\n%s\nwant\n%s", i, shared.Content, alone.Content)
				}
				if repShared.String() != repAlone.String() {
					t.Errorf("entry %d: report with shared parse\n%s\nwant\n%s", i, repShared, repAlone)
				}
				if _, ok := p.parses[prepare(body, shared.Raw.Text)]; ok {
					t.Errorf("entry %d: parse still kept after Clean took it", i)
				}
			}
		})
	}
}
