package publish

import (
	"testing"
	"time"
)

// TestCacheDropsRetiredArchivePages: Sync renders (and caches) every
// archive page; once retention removes the old entries and their pages
// leave the archive, their rendered documents leave the cache too (they
// used to stay until an options change, so the cache grew with uptime).
func TestCacheDropsRetiredArchivePages(t *testing.T) {
	o := archiveOptions()
	o.Dir = t.TempDir()
	fake, p, now := archivePublisher(o, 200, 100) // ~10 weekly pages
	if _, err := p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	p.mu.RLock()
	before := len(p.cache)
	pages := len(p.indexes[DefaultOutput].order)
	p.mu.RUnlock()

	// Retention removes all but the newest 20 entries.
	fake.mu.Lock()
	fake.entries = fake.entries[len(fake.entries)-20:]
	fake.version++
	fake.mu.Unlock()
	*now = now.Add(time.Hour + ArchiveRefresh) // the archive index is read again
	res, err := p.Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	live := map[int64]bool{}
	for _, pg := range p.indexes[DefaultOutput].order {
		live[pg] = true
	}
	stale, bytes := 0, 0
	for k, c := range p.cache {
		if k.page != current && !live[k.page] {
			stale++
			bytes += len(c.doc.Body)
		}
	}
	t.Logf("pages %d -> %d; cache %d -> %d docs; Sync removed %d files", pages, len(live), before, len(p.cache), len(res.Removed))
	if stale > 0 {
		t.Errorf("%d cached documents (%d bytes) of archive pages that no longer exist are kept", stale, bytes)
	}
}
