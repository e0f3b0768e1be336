package ingest_test

import (
	"fmt"
	"testing"
)

// guidPosts returns n posts with GUIDs id-1..id-n, links /p/1../p/n and
// dates 2 March 2026 onwards, oldest first.
func guidPosts(n int) []item {
	var items []item
	for i := 1; i <= n; i++ {
		items = append(items, item{guid: fmt.Sprintf("id-%d", i), link: fmt.Sprintf("https://site.test/p/%d", i),
			title: fmt.Sprintf("Post %d", i), date: fmt.Sprintf("Mon, %02d Mar 2026 10:00:00 +0000", i+1)})
	}
	return items
}

// TestRepeatedGUIDKeepsStoredEntries checks that one new item repeating
// another item's GUID (a publisher's copy and paste), which makes dedupe
// key the whole document by links, does not bring the feed's stored,
// GUID-keyed entries back as new ones.
func TestRepeatedGUIDKeepsStoredEntries(t *testing.T) {
	p := newPipeline(t, "feed.xml", nil)
	items := guidPosts(5)
	if out := p.poll(rssItems(items)); out.New != 5 {
		t.Fatalf("first poll stored %d entries, want 5", out.New)
	}
	bad := item{guid: "id-5", link: "https://site.test/p/6", title: "Post 6", date: "Mon, 09 Mar 2026 10:00:00 +0000"}
	out := p.poll(rssItems(append([]item{bad}, items...)))
	got := p.stored()
	if out.New != 1 || len(got) != 6 {
		t.Errorf("second poll: %d new, %d stored; want 1 new (post 6) and 6 stored", out.New, len(got))
		for _, e := range got {
			t.Logf("stored %s %q", e.Key, e.Title)
		}
	}
	// The publisher fixes the GUID: still the same six entries.
	bad.guid = "id-6"
	out = p.poll(rssItems(append([]item{bad}, items...)))
	if got := p.stored(); out.New != 0 || len(got) != 6 {
		t.Errorf("third poll (GUID fixed): %d new, %d stored; want 0 new and 6 stored", out.New, len(got))
	}
}

// TestBlankGUIDKeepsStoredEntries checks the same for a new item without a
// GUID that raises the share of blank GUIDs past dedupe's limit.
func TestBlankGUIDKeepsStoredEntries(t *testing.T) {
	p := newPipeline(t, "feed.xml", nil)
	items := guidPosts(3)
	if out := p.poll(rssItems(items)); out.New != 3 {
		t.Fatalf("first poll stored %d entries, want 3", out.New)
	}
	blank := item{link: "https://site.test/p/4", title: "Post 4", date: "Mon, 09 Mar 2026 10:00:00 +0000"}
	out := p.poll(rssItems(append([]item{blank}, items...)))
	if got := p.stored(); out.New != 1 || len(got) != 4 {
		t.Errorf("second poll: %d new, %d stored; want 1 new (post 4) and 4 stored", out.New, len(got))
		for _, e := range got {
			t.Logf("stored %s %q", e.Key, e.Title)
		}
	}
	// More posts with GUIDs push the blank share back under the limit.
	more := guidPosts(6)[3:]
	more[0].guid = "" // post 4 keeps its blank GUID
	out = p.poll(rssItems(append(more, items...)))
	if got := p.stored(); out.New != 2 || len(got) != 6 {
		t.Errorf("third poll: %d new, %d stored; want 2 new (posts 5 and 6) and 6 stored", out.New, len(got))
	}
}
