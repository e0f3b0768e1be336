package schedule

import (
	"container/heap"
	"net/url"
	"strings"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// state says where an entry is: in the scheduler's waiting heap, in its
// host's ready heap, or being polled.
type state int

const (
	stateWaiting state = iota // in Scheduler.waiting, next is in the future (or just passed)
	stateReady                // due, in host.ready, waiting for a slot or for host spacing
	statePolling              // its PollFunc is running; in no heap
)

// entry is the scheduler's record of one source.
type entry struct {
	id     string
	src    feeds.Source
	host   *host
	next   time.Time
	reason string
	// hold is when a server's explicit wish (Retry-After, gone) ends; a
	// RefreshAll leaves the entry alone before then.
	hold       time.Time
	holdReason string
	quiet      *feeds.PollHints // skipHours/skipDays a RefreshAll honours; nil for none
	state      state
	index      int // position in the heap that holds it; -1 when polling
}

// host gates the polls of one host: how many are in flight and when the next
// may start. Local files share the host named "", which is not gated.
type host struct {
	name      string
	refs      int       // sources assigned to this host
	inflight  int       // polls running
	notBefore time.Time // earliest start of the next poll
	ready     queue     // due sources waiting for this host
	// retry holds the Retry-After window ends reported by the sources
	// assigned to this host, by source id (a source removed or moved to
	// another host is taken out); pause is the end of the host-wide pause
	// they caused, or zero.
	retry map[string]time.Time
	pause time.Time
}

// gated reports whether per-host limits and spacing apply.
func (h *host) gated() bool { return h.name != "" }

// hostKey returns the politeness key of a source: its URL's lower-cased host
// name, "" for a local file, or the raw URL when it does not parse (so that a
// bad URL is still gated on its own).
func hostKey(src feeds.Source) string {
	if src.URL == "" {
		return ""
	}
	u, err := url.Parse(src.URL)
	if err != nil || u.Hostname() == "" {
		return src.URL
	}
	return strings.ToLower(u.Hostname())
}

// queue is a container/heap of entries, earliest next first, ties by id so
// that the order does not depend on map iteration.
type queue []*entry

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return earlier(q[i], q[j]) }

// earlier orders entries by next-check time, then by id.
func earlier(a, b *entry) bool {
	if !a.next.Equal(b.next) {
		return a.next.Before(b.next)
	}
	return a.id < b.id
}
func (q queue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}
func (q *queue) Push(x any) {
	e := x.(*entry)
	e.index = len(*q)
	*q = append(*q, e)
}
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	e.index = -1
	*q = old[:len(old)-1]
	return e
}

// dispatchLocked moves due entries to their hosts' ready queues and takes
// every entry that may start now out of them, marking it polling. The caller
// starts the polls.
func (s *Scheduler) dispatchLocked(now time.Time) []start {
	for len(s.waiting) > 0 && !s.waiting[0].next.After(now) {
		s.readyLocked(heap.Pop(&s.waiting).(*entry))
	}
	var starts []start
	for s.inflight < s.concurrency {
		h := s.pickLocked(now)
		if h == nil {
			break
		}
		e := h.ready[0]
		s.unreadyLocked(e)
		e.state = statePolling
		s.inflight++
		h.inflight++
		if h.gated() && s.spacing > 0 {
			extra := time.Duration(s.rnd.Float64() * s.jitter * float64(s.spacing))
			h.notBefore = now.Add(s.spacing + extra)
		}
		starts = append(starts, start{e: e, h: h, src: e.src})
		s.log.Debug("poll started", "feed", e.id, "url", e.src.Location(), "reason", e.reason)
	}
	return starts
}

// pickLocked returns the host whose earliest ready entry is due first among
// the hosts that may start a poll now, or nil.
func (s *Scheduler) pickLocked(now time.Time) *host {
	var best *host
	for h := range s.busy {
		if h.gated() && (h.inflight >= s.perHost || h.notBefore.After(now)) {
			continue
		}
		if best == nil || earlier(h.ready[0], best.ready[0]) {
			best = h
		}
	}
	return best
}

// wakeAtLocked returns when the Run loop must look again even if nothing
// wakes it: the earliest waiting next-check, or the end of a host's spacing
// gap. ok is false when only a wake-up can make progress.
func (s *Scheduler) wakeAtLocked(now time.Time) (at time.Time, ok bool) {
	if len(s.waiting) > 0 {
		at, ok = s.waiting[0].next, true
	}
	if s.inflight >= s.concurrency {
		return at, ok // a finishing poll wakes the loop
	}
	for h := range s.busy {
		if h.gated() && h.inflight < s.perHost && h.notBefore.After(now) && (!ok || h.notBefore.Before(at)) {
			at, ok = h.notBefore, true
		}
	}
	return at, ok
}

// readyLocked puts a due entry in its host's ready queue.
func (s *Scheduler) readyLocked(e *entry) {
	e.state = stateReady
	heap.Push(&e.host.ready, e)
	s.busy[e.host] = struct{}{}
}

// unreadyLocked takes an entry out of its host's ready queue.
func (s *Scheduler) unreadyLocked(e *entry) {
	h := e.host
	heap.Remove(&h.ready, e.index)
	if len(h.ready) == 0 {
		delete(s.busy, h)
	}
}

// hostLocked returns the host named key, creating it if needed.
func (s *Scheduler) hostLocked(key string) *host {
	h, ok := s.hosts[key]
	if !ok {
		h = &host{name: key}
		s.hosts[key] = h
	}
	return h
}

// dropHostLocked forgets a host no source uses and no poll holds.
func (s *Scheduler) dropHostLocked(h *host) {
	if h.refs == 0 && h.inflight == 0 && s.hosts[h.name] == h {
		delete(s.hosts, h.name)
	}
}
