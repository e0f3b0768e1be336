package schedule

import (
	"container/heap"
	"sync"
	"time"
)

// FakeClock is a Clock whose time moves only when Advance is called. It is
// meant for tests, in this package and in others (ingest, cmd/tidyfeed):
// Advance fires every timer that has come due, in deadline order, before it
// returns, so a test decides exactly which timers have fired.
//
// A FakeClock does not know when the goroutines waiting on its timers have
// run; a test pairs it with a barrier of its own, such as synctest.Wait from
// testing/synctest, or a channel the code under test signals on.
//
// FakeClock is safe for concurrent use. Create one with NewFakeClock.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers fakeTimers // pending timers, earliest first
	seq    uint64     // creation order, to break ties between equal deadlines
}

// NewFakeClock returns a FakeClock whose time is start.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start}
}

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a Timer that fires when the clock has been advanced by d;
// d <= 0 fires at once.
func (c *FakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{clock: c, c: make(chan time.Time, 1), when: c.now.Add(d), seq: c.seq, index: -1}
	if d <= 0 {
		t.c <- t.when
		return t
	}
	heap.Push(&c.timers, t)
	return t
}

// After is NewTimer(d).C(), for code that never stops its timer.
func (c *FakeClock) After(d time.Duration) <-chan time.Time {
	return c.NewTimer(d).C()
}

// Advance moves the clock forward by d (negative d is treated as 0) and fires,
// in deadline order, every pending timer whose deadline is not after the new
// time. Each fired timer sends its own deadline, as time.Timer does.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	c.fireLocked()
}

// AdvanceTo moves the clock to t, if t is later than now, and fires the timers
// that came due, like Advance.
func (c *FakeClock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	c.fireLocked()
}

// NextDeadline returns the deadline of the earliest pending timer; ok is false
// when no timer is pending. Tests step through a schedule with
// AdvanceTo(NextDeadline()).
func (c *FakeClock) NextDeadline() (deadline time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return time.Time{}, false
	}
	return c.timers[0].when, true
}

// Pending returns how many timers are waiting to fire.
func (c *FakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

func (c *FakeClock) fireLocked() {
	for len(c.timers) > 0 && !c.timers[0].when.After(c.now) {
		t := heap.Pop(&c.timers).(*fakeTimer)
		t.c <- t.when // never blocks: buffer of one, each timer fires once
	}
}

type fakeTimer struct {
	clock *FakeClock
	c     chan time.Time
	when  time.Time
	seq   uint64
	index int // in clock.timers; -1 once fired or stopped
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.clock.timers, t.index)
	return true
}

// fakeTimers is a container/heap of timers ordered by deadline, then creation.
type fakeTimers []*fakeTimer

func (h fakeTimers) Len() int { return len(h) }
func (h fakeTimers) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h fakeTimers) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *fakeTimers) Push(x any) {
	t := x.(*fakeTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *fakeTimers) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
