// Package filter decides which of a feed's parsed, cleaned entries may be
// published at all: include and exclude rules (RE2) on title, content text,
// link, author, category and feed name; a maximum age; a policy for dates
// in the future (keep, clamp to now, drop); a cap on the backlog a new feed
// contributes on its first poll; and a hold on a source that suddenly
// re-dates many old entries to "now" (a platform migration). Every entry it
// holds back is counted by reason in feeds.FeedState.Dropped.
//
// In: one source, its feed state and the entries of its latest document
// (after clean and dedupe's identification, before store). Out: the kept
// entries and an updated state. Package filter does no I/O and keeps no
// state of its own between calls: what it must remember about a feed (the
// backlog horizon and the held-back entries it does not cover, the window
// of re-dated entries) lives in feeds.FeedState.Filter, which the caller
// stores.
//
// Per-output rules are applied at render time by package publish with the
// same [Set].
//
// # Caveats
//
//   - An entry without a date passes every date rule.
//   - Held-back entries are not stored; an entry already stored and later
//     held back (say, by a new exclude rule) stays stored and published
//     until retention removes it. Per-output rules, applied at render time,
//     do hide it.
//   - The re-dating hold is a heuristic: Burst or more entries newer than
//     the previous successful poll, all dated within BurstSpan of each
//     other. A feed that genuinely publishes that many entries at once
//     (a whole podcast season) is held back too; raise Burst for it.
//     Entries whose future date was clamped to now are never part of a
//     burst or of a re-dating window: that date is the filter's, not the
//     source's.
//   - Dropped counts the last parsed document only.
//   - The backlog cap holds entries dated before the oldest entry it kept
//     by date (Horizon) and the others it held back (undated, or dated
//     the same) by key (Held). An entry that a later document gives
//     another key (dedupe keying it by link instead of GUID) is new to
//     the filter.
package filter

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// Policy says what happens to an entry dated in the future.
type Policy string

// The future-date policies.
const (
	Keep  Policy = "keep"  // publish the date as given
	Clamp Policy = "clamp" // set the date to now
	Drop  Policy = "drop"  // hold the entry back ("future")
)

// The reasons counted in feeds.FeedState.Dropped, besides the rule
// reasons "exclude:<field>" and "include" that Set.Match returns.
const (
	ReasonMaxAge  = "max-age"
	ReasonFuture  = "future"
	ReasonBacklog = "backlog"
	ReasonRedated = "redated"
)

// Options configures a Filter. The zero value keeps every entry except a
// first poll's backlog beyond 50 entries and a re-dated burst, and clamps
// future dates.
type Options struct {
	// Rules apply to every feed; nil passes everything.
	Rules *Set
	// Feeds holds per-feed settings keyed by feeds.Source.ID; feeds not
	// listed use the global settings.
	Feeds map[string]FeedOptions
	// MaxAge drops entries published longer ago; 0 means no limit.
	MaxAge time.Duration
	// Future is the policy for dates more than FutureSlack ahead of now;
	// "" means Clamp.
	Future Policy
	// FutureSlack tolerates clocks and time zones slightly off; 0 means 15m.
	FutureSlack time.Duration
	// Backlog caps the entries a feed contributes on its first poll (the
	// newest are kept); 0 means 50, a negative value means no cap.
	Backlog int
	// Burst is how many entries newer than the previous poll, dated within
	// BurstSpan of each other, make a re-dating burst; 0 means 10, a
	// negative value turns the hold off.
	Burst int
	// BurstSpan is the widest spread of dates in a burst; 0 means 10m.
	BurstSpan time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// FeedOptions are one feed's settings. Rules add to the global rules (an
// entry must pass both); a zero MaxAge, Backlog or Future falls back to the
// global value.
type FeedOptions struct {
	Rules   *Set
	MaxAge  time.Duration
	Backlog int
	Future  Policy
}

// Filter applies Options to one feed's entries at a time. It is immutable
// and safe for concurrent use; create it with New.
type Filter struct {
	opts Options
}

// New returns a Filter, applying the documented defaults.
func New(opts Options) *Filter {
	opts.Future = cmp.Or(opts.Future, Clamp)
	opts.FutureSlack = cmp.Or(opts.FutureSlack, 15*time.Minute)
	opts.Backlog = cmp.Or(opts.Backlog, 50)
	opts.Burst = cmp.Or(opts.Burst, 10)
	opts.BurstSpan = cmp.Or(opts.BurstSpan, 10*time.Minute)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Filter{opts: opts}
}

// Apply returns the entries of src's latest document that may be
// published, in their original order, possibly with clamped dates. It sets
// st.Dropped to the counts of this document's held-back entries and
// updates st.Filter; st must be the state as of the previous poll
// (LastSuccess and Entries not yet updated). entries is reused.
func (f *Filter) Apply(src feeds.Source, st *feeds.FeedState, entries []feeds.Entry) []feeds.Entry {
	now := f.opts.Now()
	fo := f.opts.Feeds[src.ID]
	future := cmp.Or(fo.Future, f.opts.Future)
	maxAge := cmp.Or(fo.MaxAge, f.opts.MaxAge)
	name := cmp.Or(src.Name, st.Title, src.Location())
	dropped := map[string]int{}
	held, listed := heldSet(st.Filter.Held), []string(nil)

	kept := entries[:0]
	var clamped map[int]bool // by index in kept
	for i := range entries {
		e := entries[i]
		if len(held) > 0 {
			if k := heldKey(e.Key); held[k] {
				listed = append(listed, k)
				dropped[ReasonBacklog]++
				continue
			}
		}
		reason, clamp := "", false
		if e.Published.After(now.Add(f.opts.FutureSlack)) {
			switch future {
			case Drop:
				reason = ReasonFuture
			case Clamp:
				e.Published, clamp = now, true
			}
		}
		if future == Clamp && e.Updated.After(now.Add(f.opts.FutureSlack)) {
			e.Updated = now
		}
		if reason == "" && maxAge > 0 && !e.Published.IsZero() && now.Sub(e.Published) > maxAge {
			reason = ReasonMaxAge
		}
		if reason == "" {
			reason = f.opts.Rules.Match(&e, name)
		}
		if reason == "" {
			reason = fo.Rules.Match(&e, name)
		}
		if reason != "" {
			dropped[reason]++
			continue
		}
		if clamp {
			if clamped == nil {
				clamped = map[int]bool{}
			}
			clamped[len(kept)] = true
		}
		kept = append(kept, e)
	}

	if len(held) > 0 {
		st.Filter.Held = listed // forget entries that left the document
	}
	first := st.LastSuccess.IsZero() && st.Entries == 0
	if first {
		kept = f.capBacklog(st, kept, cmp.Or(fo.Backlog, f.opts.Backlog), dropped)
	} else {
		kept = f.hold(st, kept, clamped, dropped)
	}
	st.Dropped = nil
	if len(dropped) > 0 {
		st.Dropped = dropped
	}
	return kept
}

// capBacklog keeps the newest n entries of a first poll and records the
// horizon below which later polls hold entries back, and the keys of held
// entries the horizon does not cover (undated, or as old as the oldest
// entry kept).
func (f *Filter) capBacklog(st *feeds.FeedState, kept []feeds.Entry, n int, dropped map[string]int) []feeds.Entry {
	if n < 0 || len(kept) <= n {
		return kept
	}
	order := make([]int, len(kept))
	for i := range order {
		order[i] = i
	}
	// Newest first; undated entries after dated ones, in document order.
	slices.SortStableFunc(order, func(a, b int) int {
		ta, tb := kept[a].Published, kept[b].Published
		switch {
		case ta.IsZero() && tb.IsZero():
			return 0
		case ta.IsZero():
			return 1
		case tb.IsZero():
			return -1
		}
		return tb.Compare(ta)
	})
	keep := make([]bool, len(kept))
	for _, i := range order[:n] {
		keep[i] = true
		if t := kept[i].Published; !t.IsZero() && (st.Filter.Horizon.IsZero() || t.Before(st.Filter.Horizon)) {
			st.Filter.Horizon = t
		}
	}
	out := kept[:0]
	for i := range keep {
		if keep[i] {
			out = append(out, kept[i])
			continue
		}
		dropped[ReasonBacklog]++
		if t := kept[i].Published; t.IsZero() || !t.Before(st.Filter.Horizon) {
			st.Filter.Held = append(st.Filter.Held, heldKey(kept[i].Key))
		}
	}
	return out
}

// heldKey is the form of an entry's Key kept in FilterState.Held: the
// first 8 bytes of its SHA-256 in hex, so that a long backlog of long keys
// stays a small state.
func heldKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// heldSet returns the keys of held as a set; nil when it is empty.
func heldSet(held []string) map[string]bool {
	if len(held) == 0 {
		return nil
	}
	m := make(map[string]bool, len(held))
	for _, k := range held {
		m[k] = true
	}
	return m
}

// hold drops, on a later poll, entries older than the backlog horizon,
// entries inside a known re-dating window, and a new re-dating burst.
// Entries whose future date was clamped to now (clamped, by index in kept)
// are never taken for re-dated ones: their date is ours, not the source's,
// and a feed of upcoming events would otherwise be one burst every poll.
func (f *Filter) hold(st *feeds.FeedState, kept []feeds.Entry, clamped map[int]bool, dropped map[string]int) []feeds.Entry {
	fs := &st.Filter
	var burst []int
	var lo, hi time.Time
	out := kept[:0]
	for i, e := range kept {
		t := e.Published
		switch {
		case t.IsZero():
		case !fs.Horizon.IsZero() && t.Before(fs.Horizon):
			dropped[ReasonBacklog]++
			continue
		case clamped[i]:
		case !fs.HeldFrom.IsZero() && !t.Before(fs.HeldFrom) && !t.After(fs.HeldTo):
			dropped[ReasonRedated]++
			continue
		case t.After(st.LastSuccess):
			burst = append(burst, len(out))
			if lo.IsZero() || t.Before(lo) {
				lo = t
			}
			if t.After(hi) {
				hi = t
			}
		}
		out = append(out, e)
	}
	if f.opts.Burst < 0 || len(burst) < f.opts.Burst || hi.Sub(lo) > f.opts.BurstSpan {
		return out
	}
	fs.HeldFrom, fs.HeldTo = lo, hi
	skip := make(map[int]bool, len(burst))
	for _, i := range burst {
		skip[i] = true
	}
	res := out[:0]
	for i, e := range out {
		if skip[i] {
			dropped[ReasonRedated]++
			continue
		}
		res = append(res, e)
	}
	return res
}
