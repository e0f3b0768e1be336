package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// epoch is where every fake clock starts.
var epoch = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// quiet is a logger for tests that discards everything.
var quiet = slog.New(slog.DiscardHandler)

// pollRec is one call of the recorder's PollFunc.
type pollRec struct {
	id    string
	host  string
	start time.Time
}

// recorder is a PollFunc that records every call and checks the bounds the
// scheduler promises. Its polls take hold of fake time (0: return at once).
type recorder struct {
	clock  *FakeClock
	hold   time.Duration
	result func(src feeds.Source, now time.Time) Result // nil: zero Result

	mu           sync.Mutex
	polls        []pollRec
	inflight     int
	maxInflight  int
	hostInflight map[string]int
	maxHost      int
	inflightIDs  map[string]bool
	doubled      []string // ids polled while already in flight
}

func newRecorder(clock *FakeClock) *recorder {
	return &recorder{clock: clock, hostInflight: map[string]int{}, inflightIDs: map[string]bool{}}
}

func (r *recorder) poll(ctx context.Context, src feeds.Source) Result {
	now := r.clock.Now()
	host := hostKey(src)
	r.mu.Lock()
	r.polls = append(r.polls, pollRec{src.ID, host, now})
	r.inflight++
	r.maxInflight = max(r.maxInflight, r.inflight)
	if host != "" {
		r.hostInflight[host]++
		r.maxHost = max(r.maxHost, r.hostInflight[host])
	}
	if r.inflightIDs[src.ID] {
		r.doubled = append(r.doubled, src.ID)
	}
	r.inflightIDs[src.ID] = true
	r.mu.Unlock()

	if r.hold > 0 {
		select {
		case <-r.clock.After(r.hold):
		case <-ctx.Done():
		}
	}

	r.mu.Lock()
	r.inflight--
	if host != "" {
		r.hostInflight[host]--
	}
	delete(r.inflightIDs, src.ID)
	r.mu.Unlock()
	if r.result != nil {
		return r.result(src, now)
	}
	return Result{}
}

// starts returns the start times of the polls of id, in order.
func (r *recorder) starts(id string) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ts []time.Time
	for _, p := range r.polls {
		if p.id == id {
			ts = append(ts, p.start)
		}
	}
	return ts
}

// all returns a copy of every poll recorded so far.
func (r *recorder) all() []pollRec {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pollRec(nil), r.polls...)
}

// sim runs a Scheduler on a FakeClock inside a synctest bubble. Every step
// waits (synctest.Wait) until all goroutines are blocked, then moves the clock
// to the next timer, so a simulated week takes milliseconds of real time and
// nothing depends on the goroutine scheduler.
type sim struct {
	t      *testing.T
	clock  *FakeClock
	s      *Scheduler
	cancel context.CancelFunc
	done   chan error
	steps  int
}

// startSim starts s.Run. It must be called inside synctest.Test.
func startSim(t *testing.T, clock *FakeClock, s *Scheduler) *sim {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	m := &sim{t: t, clock: clock, s: s, cancel: cancel, done: make(chan error, 1)}
	go func() { m.done <- s.Run(ctx) }()
	t.Cleanup(func() { m.stop() })
	return m
}

// until fires timers in order until the next one is after end, then moves the
// clock to end and lets everything settle.
func (m *sim) until(end time.Time) {
	m.t.Helper()
	for {
		synctest.Wait()
		next, ok := m.clock.NextDeadline()
		if !ok || next.After(end) {
			break
		}
		m.clock.AdvanceTo(next)
		m.steps++
	}
	m.clock.AdvanceTo(end)
	synctest.Wait()
}

// advance is until(now + d).
func (m *sim) advance(d time.Duration) { m.until(m.clock.Now().Add(d)) }

// stop cancels Run and returns its error; later calls return nil.
func (m *sim) stop() error {
	if m.cancel == nil {
		return nil
	}
	m.cancel()
	m.cancel = nil
	return <-m.done
}

// newTest builds a fake clock, a recorder and a Scheduler with a seeded Rand.
func newTest(opts Options) (*FakeClock, *recorder, *Scheduler) {
	clock := NewFakeClock(epoch)
	rec := newRecorder(clock)
	opts.Clock = clock
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(1, 2))
	}
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	return clock, rec, New(rec.poll, opts)
}

// urlSource returns a source on host.
func urlSource(host string, i int, interval time.Duration) feeds.Source {
	u := fmt.Sprintf("https://%s/feed/%d.xml", host, i)
	return feeds.Source{ID: u, URL: u, Interval: interval}
}

// fileSource returns a local-file source.
func fileSource(i int, interval time.Duration) feeds.Source {
	p := fmt.Sprintf("/srv/feeds/%d.xml", i)
	return feeds.Source{ID: "file:" + p, Path: p, Interval: interval}
}

// dueAt returns a due map giving every source the same next-check time.
func dueAt(srcs []feeds.Source, at time.Time) map[string]time.Time {
	m := make(map[string]time.Time, len(srcs))
	for _, s := range srcs {
		m[s.ID] = at
	}
	return m
}

// gaps returns the differences between consecutive times.
func gaps(ts []time.Time) []time.Duration {
	var ds []time.Duration
	for i := 1; i < len(ts); i++ {
		ds = append(ds, ts[i].Sub(ts[i-1]))
	}
	return ds
}

// checkScheduled asserts that no source is lost: after Run has returned,
// every source is in exactly one queue (waiting, or ready on its host), none
// is marked polling, and no counter is left over. A source whose next check
// is not in the future must have come due recently and be waiting only for
// its host's gap or a free slot.
func checkScheduled(t *testing.T, s *Scheduler) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	queued := len(s.waiting)
	for h := range s.busy {
		queued += len(h.ready)
	}
	if queued != len(s.sources) || s.inflight != 0 || len(s.gone) != 0 {
		t.Errorf("%d sources, %d queued, %d in flight, %d gone; want all queued, none in flight or gone",
			len(s.sources), queued, s.inflight, len(s.gone))
	}
	for id, e := range s.sources {
		var ok bool
		switch e.state {
		case stateWaiting:
			ok = e.index >= 0 && e.index < len(s.waiting) && s.waiting[e.index] == e
		case stateReady:
			_, busy := s.busy[e.host]
			ok = busy && e.index >= 0 && e.index < len(e.host.ready) && e.host.ready[e.index] == e
		}
		if !ok {
			t.Errorf("%s: state %d, index %d: not in its queue", id, e.state, e.index)
		}
		if e.next.IsZero() || e.next.Before(now.Add(-time.Minute)) {
			t.Errorf("%s: next check %v, want after %v (or due within the last minute)", id, e.next, now)
		}
		if s.hosts[e.host.name] != e.host {
			t.Errorf("%s: host %q not in the host table", id, e.host.name)
		}
	}
	for name, h := range s.hosts {
		if h.inflight != 0 || h.refs == 0 {
			t.Errorf("host %q: %d in flight, %d sources; want 0 and > 0", name, h.inflight, h.refs)
		}
	}
}
