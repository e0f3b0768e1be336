package ingest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds/filter"
)

// TestBacklogCapHoldsUndatedEntries checks that the entries a new feed
// without dates had held back by the backlog cap on its first poll stay
// out when the feed next changes.
func TestBacklogCapHoldsUndatedEntries(t *testing.T) {
	var p *pipeline
	f := filter.New(filter.Options{Backlog: 3, Now: func() time.Time { return p.now }})
	p = newPipeline(t, "undated.xml", f.Apply)
	var items []item
	for i := 8; i >= 1; i-- {
		items = append(items, item{guid: fmt.Sprintf("id-%d", i), link: fmt.Sprintf("https://site.test/p/%d", i), title: fmt.Sprintf("Post %d", i)})
	}
	if out := p.poll(rssItems(items)); out.New != 3 || out.State.Dropped[filter.ReasonBacklog] != 5 {
		t.Fatalf("first poll: %d new, dropped %v; want 3 new, backlog: 5", out.New, out.State.Dropped)
	}
	items = append([]item{{guid: "id-9", link: "https://site.test/p/9", title: "Post 9"}}, items...)
	out := p.poll(rssItems(items))
	if out.New != 1 || out.State.Dropped[filter.ReasonBacklog] != 5 {
		t.Errorf("second poll: %d new, dropped %v; want 1 new (post 9), backlog: 5", out.New, out.State.Dropped)
	}
}

// TestBacklogCapHoldsEntriesAtHorizon checks the same for a feed that
// dates its items by day only: the entries held back with the date of the
// oldest one kept stay out on later polls.
func TestBacklogCapHoldsEntriesAtHorizon(t *testing.T) {
	var p *pipeline
	f := filter.New(filter.Options{Backlog: 3, Now: func() time.Time { return p.now }})
	p = newPipeline(t, "dateonly.xml", f.Apply)
	var items []item
	for i := 8; i >= 1; i-- {
		day := 5 // five posts on the 5th, three on the 4th
		if i <= 3 {
			day = 4
		}
		items = append(items, item{guid: fmt.Sprintf("id-%d", i), link: fmt.Sprintf("https://site.test/p/%d", i), title: fmt.Sprintf("Post %d", i),
			date: fmt.Sprintf("Thu, %02d Mar 2026 00:00:00 +0000", day)})
	}
	if out := p.poll(rssItems(items)); out.New != 3 || out.State.Dropped[filter.ReasonBacklog] != 5 {
		t.Fatalf("first poll: %d new, dropped %v; want 3 new, backlog: 5", out.New, out.State.Dropped)
	}
	items = append([]item{{guid: "id-9", link: "https://site.test/p/9", title: "Post 9", date: "Tue, 10 Mar 2026 00:00:00 +0000"}}, items...)
	out := p.poll(rssItems(items))
	if out.New != 1 || out.State.Dropped[filter.ReasonBacklog] != 5 {
		t.Errorf("second poll: %d new, dropped %v; want 1 new (post 9), backlog: 5", out.New, out.State.Dropped)
	}
}
