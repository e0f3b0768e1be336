package publish

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/filter"
)

// output is one normalised output: the default one or an Options.Outputs
// entry.
type output struct {
	name     string
	title    string
	srcs     []SourceInfo // the sources it carries, in Options.Sources order
	ids      []string     // their IDs
	maxItems int
	filter   *filter.Set
}

// outputsOf normalises the default output and every valid named output.
func outputsOf(o Options) map[string]*output {
	outs := map[string]*output{DefaultOutput: newOutput(o, Output{Name: DefaultOutput, Title: o.Title, Filter: o.Filter})}
	for _, x := range o.Outputs {
		if x.Name == "" || outs[x.Name] != nil || !validName(x.Name) {
			continue
		}
		outs[x.Name] = newOutput(o, x)
	}
	return outs
}

// validName reports whether s is usable as a path segment of its own.
func validName(s string) bool {
	if s == "archive" || s == "sources" || s == "tidyfeed" || strings.HasPrefix(s, ".") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func newOutput(o Options, x Output) *output {
	out := &output{
		name:     x.Name,
		title:    line(x.Title),
		maxItems: cmp.Or(max(x.MaxItems, 0), o.MaxItems),
		filter:   x.Filter,
	}
	if out.title == "" {
		out.title = o.Title + " – " + x.Name
	}
	for _, s := range o.Sources {
		if x.Feeds == nil || slices.Contains(x.Feeds, s.ID) {
			out.srcs = append(out.srcs, s)
			out.ids = append(out.ids, s.ID)
		}
	}
	return out
}

// names returns the output names, the default first, then sorted.
func (p *Publisher) names() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return sortedNames(p.outs)
}

// archiveIndex is an output's RFC 5005 archive: every closed period with
// entries, as pages of entries by first-seen time. A page holds only the
// names of its entries, newest first (about 55 bytes an entry, where the
// entries themselves are kilobytes), and reads them when it is rendered.
type archiveIndex struct {
	version uint64
	open    int64     // index of the period still open when built
	built   time.Time // when it was read from the store
	period  time.Duration
	pages   map[int64][]feeds.Ref
	order   []int64 // page indexes, oldest first
}

// ArchiveRefresh is how long an archive index read from the store is
// used while the store changes. Reading it means reading every stored
// entry of an output's sources, so it is not read again on every change:
// new entries are first seen in the open period, which is not archived,
// so a change can only alter a closed period by an edit or purge of an
// entry in it, and that reaches its archive page within ArchiveRefresh.
// A new period or new options rebuild the index at once.
const ArchiveRefresh = 10 * time.Minute

// archiveIndex returns out's archive, reading every entry of its sources
// when options that shape the archive (see sameArchive) or the open period
// changed since the last build, or the store changed and the last build
// is ArchiveRefresh old. archives is p.archives when opts were read: an
// index built from options that SetOptions has since replaced with ones
// that shape the archive differently is returned but not kept. The caller
// holds renderMu.
func (p *Publisher) archiveIndex(ctx context.Context, out *output, opts Options, archives, version uint64) (*archiveIndex, error) {
	period := opts.ArchivePeriod
	now := p.now()
	open := periodOf(now, period)
	p.mu.RLock()
	idx := p.indexes[out.name]
	p.mu.RUnlock()
	// SetOptions drops the indexes when options that change them change.
	if idx != nil && idx.open == open && (idx.version == version || now.Sub(idx.built) < ArchiveRefresh) {
		return idx, nil
	}
	idx = &archiveIndex{version: version, open: open, built: now, period: period, pages: make(map[int64][]feeds.Ref)}
	shown := map[int64]bool{} // pages with an entry the filter lets through
	if len(out.ids) > 0 {
		ids := make(map[string]string, len(out.ids))   // a ref shares its source's ID
		names := make(map[string]string, len(out.ids)) // what the filter matches, as prepare does
		for _, s := range out.srcs {
			ids[s.ID] = s.ID
			names[s.ID] = sourceName(s)
		}
		err := p.entries.Walk(ctx, out.ids, func(e feeds.Entry) error {
			if e.Seen.IsZero() {
				return nil
			}
			pg := periodOf(e.Seen, period)
			if pg >= open {
				return nil // the open period is not archived yet
			}
			feedID, ok := ids[e.FeedID]
			if !ok {
				feedID = strings.Clone(e.FeedID)
			}
			// Cloned: e's strings share one allocation with its whole record.
			idx.pages[pg] = append(idx.pages[pg], feeds.Ref{FeedID: feedID, Key: strings.Clone(e.Key)})
			if !shown[pg] && out.filter.Match(&e, names[e.FeedID]) == "" {
				shown[pg] = true
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read entries for the archive: %w", err)
		}
	}
	// A page whose entries are all hidden by the filter does not exist.
	for pg := range idx.pages {
		if !shown[pg] {
			delete(idx.pages, pg)
			continue
		}
		idx.order = append(idx.order, pg)
	}
	slices.Sort(idx.order)
	p.mu.Lock()
	if p.archives == archives {
		p.indexes[out.name] = idx
		// Rendered pages that left the archive (retention emptied them)
		// are not served again: drop them, or the cache grows with uptime.
		for k := range p.cache {
			if k.out == out.name && k.page != current && idx.pages[k.page] == nil {
				delete(p.cache, k)
			}
		}
	}
	p.mu.Unlock()
	return idx, nil
}

// newestClosed returns when the newest archive page's period closed,
// which is when the subscription documents started to link it, or the
// zero time without archive pages.
func (idx *archiveIndex) newestClosed() time.Time {
	n := len(idx.order)
	if n == 0 {
		return time.Time{}
	}
	return periodStart(idx.order[n-1]+1, idx.period)
}

// PeriodEnds returns when the open archive period closes, by the
// publisher's clock. The documents then link one more archive page, so a
// caller that keeps copies of them (Sync's static folder, a hub's
// subscribers) should sync then even if nothing was stored.
func (p *Publisher) PeriodEnds() time.Time {
	p.mu.RLock()
	period := p.opts.ArchivePeriod
	p.mu.RUnlock()
	return periodStart(periodOf(p.now(), period)+1, period)
}

// periodStart returns when period pg starts, in UTC.
func periodStart(pg int64, period time.Duration) time.Time {
	return time.Unix(pg*int64(period/time.Second), 0).UTC()
}

// periodOf returns the index of the period holding t (periods start at the
// Unix epoch).
func periodOf(t time.Time, period time.Duration) int64 {
	s := t.Unix()
	n := int64(period / time.Second)
	if s < 0 {
		return (s - n + 1) / n
	}
	return s / n
}

// stampLayout names an archive page by the UTC hour its period starts.
const stampLayout = "2006-01-02T15"

// pageStamp names archive page pg by the start of its period.
func pageStamp(pg int64, period time.Duration) string {
	return periodStart(pg, period).Format(stampLayout)
}

// pageOf parses an archive page stamp; ok is false when it is not the
// start of a period.
func pageOf(stamp string, period time.Duration) (int64, bool) {
	t, err := time.Parse(stampLayout, stamp)
	if err != nil {
		return 0, false
	}
	pg := periodOf(t, period)
	return pg, pageStamp(pg, period) == stamp
}

// docPath is the path of a document relative to Options.Link.
func docPath(out string, kind Format, page int64, period time.Duration) string {
	if kind == pageKind {
		if out == DefaultOutput {
			return ""
		}
		return out + "/"
	}
	if page == current {
		return out + "." + string(kind)
	}
	return out + "/archive/" + pageStamp(page, period) + "." + string(kind)
}

// links fills ch's links for document k of out: self, the subscription
// document, the neighbouring archive pages, the hub and the stylesheet.
func (ch *channel) links(opts Options, out *output, k docKey, idx *archiveIndex) {
	period := opts.ArchivePeriod
	ch.output = out.name
	ch.hub = opts.Hub
	ch.archive = k.page != current
	ch.self = func(f Format) string { return opts.Link + docPath(out.name, f, k.page, period) }
	ch.current = func(f Format) string { return opts.Link + docPath(out.name, f, current, period) }
	ch.page = opts.Link + docPath(out.name, pageKind, current, period)
	// The stylesheet, relative to the document, so static copies work
	// under any prefix.
	depth := strings.Count(docPath(out.name, k.kind, k.page, period), "/")
	ch.xsl = strings.Repeat("../", depth) + xslName
	prev, next := int64(current), int64(current)
	if k.page == current {
		if n := len(idx.order); n > 0 {
			prev = idx.order[n-1]
		}
	} else if i, ok := slices.BinarySearch(idx.order, k.page); ok {
		if i > 0 {
			prev = idx.order[i-1]
		}
		if i+1 < len(idx.order) {
			next = idx.order[i+1]
		}
	}
	link := func(pg int64) func(Format) string {
		if pg == current {
			return func(Format) string { return "" }
		}
		return func(f Format) string { return opts.Link + docPath(out.name, f, pg, period) }
	}
	ch.prev, ch.next = link(prev), link(next)
}

// sortedNames returns the names of outs, the default first, then sorted.
func sortedNames(outs map[string]*output) []string {
	names := make([]string, 0, len(outs))
	for n := range outs {
		if n != DefaultOutput {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return append([]string{DefaultOutput}, names...)
}
