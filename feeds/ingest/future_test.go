package ingest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds/filter"
)

// TestFutureDatedItemsAreNotARedatingBurst checks that an events feed,
// which dates every item in the future, gets its newly announced items
// stored under the default future-date policy (clamp): clamped dates all
// equal "now", which must not read as a re-dating burst.
func TestFutureDatedItemsAreNotARedatingBurst(t *testing.T) {
	var p *pipeline
	f := filter.New(filter.Options{Now: func() time.Time { return p.now }})
	p = newPipeline(t, "events.xml", f.Apply)
	var items []item
	for i := 1; i <= 10; i++ {
		d := p.now.Add(time.Duration(i) * 24 * time.Hour) // upcoming events
		items = append(items, item{guid: fmt.Sprintf("ev-%d", i), link: fmt.Sprintf("https://site.test/ev/%d", i),
			title: fmt.Sprintf("Event %d", i), date: d.Format(time.RFC1123Z)})
	}
	if out := p.poll(rssItems(items)); out.New != 10 {
		t.Fatalf("first poll stored %d entries, want 10 (dropped %v)", out.New, out.State.Dropped)
	}
	p.now = p.now.Add(6 * time.Hour)
	d := p.now.Add(20 * 24 * time.Hour)
	items = append(items, item{guid: "ev-11", link: "https://site.test/ev/11", title: "Event 11", date: d.Format(time.RFC1123Z)})
	out := p.poll(rssItems(items))
	if out.New != 1 {
		t.Errorf("second poll stored %d new entries, want 1 (the new event); dropped %v, filter state %+v",
			out.New, out.State.Dropped, out.State.Filter)
	}
	if len(out.State.Dropped) != 0 {
		t.Errorf("second poll dropped %v, want nothing", out.State.Dropped)
	}
	if got := len(p.stored()); got != 11 {
		t.Errorf("stored %d entries, want 11", got)
	}
}
