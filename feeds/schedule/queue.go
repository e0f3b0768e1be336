package schedule

import (
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
	state  state
	index  int // position in the heap that holds it; -1 when polling
}

// host gates the polls of one host: how many are in flight and when the next
// may start. Local files share the host named "", which is not gated.
type host struct {
	name      string
	refs      int       // sources assigned to this host
	inflight  int       // polls running
	notBefore time.Time // earliest start of the next poll
	ready     queue     // due sources waiting for this host
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
