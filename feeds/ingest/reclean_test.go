package ingest_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestLearntTemplateIsNotAnEdit: once a standing footer recurs often
// enough to be learnt as the feed's template, it is removed from the
// entries already stored too, but those entries were not edited by their
// publisher: they are not reported as updated and keep their dates.
func TestLearntTemplateIsNotAnEdit(t *testing.T) {
	p := newPipeline(t, "feed.xml", nil)
	footer := "<p>The Harbor Gazette is printed on recycled paper in Springfield.</p>"
	story := func(i int) item {
		return item{guid: fmt.Sprintf("id-%d", i), link: fmt.Sprintf("https://site.test/p/%d", i), title: fmt.Sprintf("Story %d", i),
			date: fmt.Sprintf("Mon, 0%d Mar 2026 10:00:00 +0000", i+1),
			body: fmt.Sprintf("<![CDATA[<p>Story number %d tells of the %s tide and the boats that came in late.</p>%s]]>",
				i, []string{"", "high", "low", "spring"}[i], footer)}
	}
	p.poll(rssItems([]item{story(2), story(1)}))
	before := map[string]string{}
	for _, e := range p.stored() {
		before[e.Key] = e.Updated.String()
	}
	out := p.poll(rssItems([]item{story(3), story(2), story(1)}))
	if out.New != 1 || out.Updated != 0 || out.Recleaned != 2 {
		t.Errorf("poll with one new story: %d new, %d updated, %d recleaned; want 1, 0 (the publisher edited nothing) and 2",
			out.New, out.Updated, out.Recleaned)
	}
	for _, e := range p.stored() {
		if strings.Contains(e.Content, "recycled paper") {
			t.Errorf("%s still carries the learnt footer: %s", e.Key, e.Content)
		}
		if b, ok := before[e.Key]; ok && b != e.Updated.String() {
			t.Errorf("%s: Updated moved from %s to %s although its source did not change", e.Key, b, e.Updated)
		}
	}
}
