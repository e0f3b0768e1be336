package schedule

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// ErrRunning is returned by Run when the Scheduler is already running.
var ErrRunning = errors.New("schedule: already running")

// startSpread is the widest window over which sources without a future
// next-check time are spread when the scheduler first learns of them
// (capped at the source's interval), so that 200 new feeds are not fired at
// once. The window is spreadPerSource for each such source, so one feed
// added to the config is polled within a moment.
const (
	startSpread     = time.Minute
	spreadPerSource = 250 * time.Millisecond
)

// Result is what a PollFunc tells the scheduler about the source it polled.
// The zero value means "again after the source's interval, with jitter".
type Result struct {
	// Next is when the source wants its next check; zero means now plus
	// its interval (with jitter). A time in the past means due now.
	Next time.Time
	// Reason says why ("interval", "ttl", "retry-after", "backoff", ...),
	// for status; "" means "interval".
	Reason string
	// RetryAfter is the end of a window in which the server asked not to
	// be polled (Retry-After), or zero. RefreshAll skips the source until
	// then, and once HostEscalation sources of one host are inside such a
	// window at the same time, the whole host waits until the earliest of
	// them ends.
	RetryAfter time.Time
	// Gone reports that the source is gone (410, or 404 for days).
	// RefreshAll skips it until its next check (Next, or now plus its
	// interval when Next is zero).
	Gone bool
	// Quiet holds the publisher's skipHours and skipDays (other fields
	// are ignored): RefreshAll does not poll the source inside them.
	Quiet feeds.PollHints
}

// HostEscalation is how many sources of one host must be inside a
// Retry-After window at once before the scheduler pauses the whole host. One
// misbehaving path never pauses its host.
const HostEscalation = 2

// Skip names a source that RefreshAll left alone, and until when.
type Skip struct {
	ID     string
	Until  time.Time
	Reason string // "retry-after", "gone", "host retry-after", "skipHours" or "skipDays"
}

// PollFunc polls one source. The scheduler calls it from its own goroutines,
// several at a time for different sources, with a ctx that is cancelled when
// Run's ctx ends; it must return promptly once ctx is done. It never runs
// twice at once for one source ID. A panic is recovered, logged, and treated
// as a zero Result with Reason "panic".
type PollFunc func(ctx context.Context, src feeds.Source) Result

// Options configures a Scheduler. The zero value is usable.
type Options struct {
	Interval    time.Duration // default interval for sources with Interval 0; 0 (or negative) means 30m
	Concurrency int           // global bound on polls in flight; 0 (or negative) means 8
	PerHost     int           // polls in flight per host; 0 (or negative) means 1
	// HostSpacing is the minimum gap between the starts of two polls of one
	// host; each gap is lengthened at random by up to Jitter of itself, never
	// shortened. 0 means 2s; negative means no spacing.
	HostSpacing time.Duration
	// Jitter is the fraction of the interval added or subtracted at random
	// when a source is rescheduled after its interval. 0 means 0.1; negative
	// means none; values above 0.5 are treated as 0.5.
	Jitter float64
	Clock  Clock        // nil means RealClock{}
	Rand   *rand.Rand   // math/rand/v2; nil means a randomly seeded source (tests pass a seeded one)
	Logger *slog.Logger // nil means slog.Default()
}

// Scheduler polls sources when they are due. Create one with New, give it
// sources with SetSources, and call Run. Its methods are safe for concurrent
// use, before, during and after Run.
type Scheduler struct {
	poll        PollFunc
	clock       Clock
	log         *slog.Logger
	interval    time.Duration
	concurrency int
	perHost     int
	spacing     time.Duration
	jitter      float64

	wake chan struct{} // buffer of one: "something changed, look again"

	mu       sync.Mutex
	rnd      *rand.Rand
	running  bool
	sources  map[string]*entry
	gone     map[string]*entry // removed while polling; taken back if re-added before the poll returns
	waiting  queue             // entries in stateWaiting
	hosts    map[string]*host
	busy     map[*host]struct{} // hosts with a non-empty ready queue
	inflight int
}

// New returns a Scheduler that calls poll for each source when it is due,
// configured by opts (see Options for the defaults). It has no sources until
// SetSources and polls nothing until Run.
func New(poll PollFunc, opts Options) *Scheduler {
	s := &Scheduler{
		poll:        poll,
		clock:       opts.Clock,
		log:         opts.Logger,
		interval:    opts.Interval,
		concurrency: opts.Concurrency,
		perHost:     opts.PerHost,
		spacing:     opts.HostSpacing,
		jitter:      opts.Jitter,
		wake:        make(chan struct{}, 1),
		rnd:         opts.Rand,
		sources:     make(map[string]*entry),
		gone:        make(map[string]*entry),
		hosts:       make(map[string]*host),
		busy:        make(map[*host]struct{}),
	}
	if s.clock == nil {
		s.clock = RealClock{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("stage", "schedule")
	if s.interval <= 0 {
		s.interval = 30 * time.Minute
	}
	if s.concurrency <= 0 {
		s.concurrency = 8
	}
	if s.perHost <= 0 {
		s.perHost = 1
	}
	switch {
	case s.spacing == 0:
		s.spacing = 2 * time.Second
	case s.spacing < 0:
		s.spacing = 0
	}
	switch {
	case s.jitter == 0:
		s.jitter = 0.1
	case s.jitter < 0:
		s.jitter = 0
	case s.jitter > 0.5:
		s.jitter = 0.5
	}
	if s.rnd == nil {
		s.rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return s
}

// SetSources replaces the set of sources; it is the hot-reload entry point.
// Sources whose ID is new to the scheduler are added with the next-check
// time due[ID] when that is in the future; otherwise (missing, or past) they
// are due now, spread at random over a short window (a quarter second per
// such source, a minute at most, and at most their interval). Sources
// already known keep their next-check time even if their settings changed,
// but one that a new, shorter interval would check sooner, and that waits
// only for its own pace (see waitsForInterval), not a server's wish or a
// backoff, is moved to now plus that interval. Sources not in
// srcs are removed; one whose poll is in flight is not rescheduled when
// that poll returns. due may be nil.
func (s *Scheduler) SetSources(srcs []feeds.Source, due map[string]time.Time) {
	s.mu.Lock()
	now := s.clock.Now()
	keep := make(map[string]bool, len(srcs))
	var added, changed, removed int
	window := s.startWindowLocked(srcs, due, now)
	for _, src := range srcs {
		keep[src.ID] = true
		if e, ok := s.sources[src.ID]; ok {
			if s.updateLocked(e, src, now) {
				changed++
			}
			continue
		}
		s.addLocked(src, due[src.ID], now, window)
		added++
	}
	for id, e := range s.sources {
		if !keep[id] {
			s.removeLocked(e)
			removed++
		}
	}
	total := len(s.sources)
	s.mu.Unlock()
	s.wakeUp()
	s.log.Info("sources updated", "sources", total, "added", added, "changed", changed, "removed", removed)
}

// startWindowLocked returns the window over which the sources of srcs that
// are new to the scheduler and due now are spread: spreadPerSource each,
// at most startSpread.
func (s *Scheduler) startWindowLocked(srcs []feeds.Source, due map[string]time.Time, now time.Time) time.Duration {
	n := 0
	for _, src := range srcs {
		if _, known := s.sources[src.ID]; !known && !due[src.ID].After(now) {
			n++
		}
	}
	return min(startSpread, time.Duration(n)*spreadPerSource)
}

// RefreshAll makes every source due now, ignoring interval, ttl and backoff
// timing but never a server's explicit wishes: a source inside a
// Retry-After window, marked gone, on a host paused by Retry-After, or
// inside its skipHours or skipDays keeps its next-check time and is returned
// in the skip list (sorted by ID), with the first of these reasons that
// applies.
// Polls still respect Concurrency, PerHost and HostSpacing, so sources on
// one host are spread out. Sources being polled at the moment are not
// polled again.
func (s *Scheduler) RefreshAll() []Skip {
	s.mu.Lock()
	now := s.clock.Now()
	var skips []Skip
	for _, e := range s.waiting {
		switch {
		case !e.next.After(now):
		case e.hold.After(now):
			skips = append(skips, Skip{ID: e.id, Until: e.hold, Reason: e.holdReason})
		case e.host.pause.After(now):
			skips = append(skips, Skip{ID: e.id, Until: e.host.pause, Reason: "host retry-after"})
		case e.quiet != nil:
			if end, why := SkipWindow(now, *e.quiet); why != "" {
				skips = append(skips, Skip{ID: e.id, Until: minTime(end, e.next), Reason: why})
				continue
			}
			e.next, e.reason = now, "refresh"
		default:
			e.next, e.reason = now, "refresh"
		}
	}
	heap.Init(&s.waiting)
	s.mu.Unlock()
	s.wakeUp()
	slices.SortFunc(skips, func(a, b Skip) int { return strings.Compare(a.ID, b.ID) })
	return skips
}

// Restore gives a known source what its last poll reported before a
// restart (Retry-After window, gone, skipHours and skipDays), so that
// RefreshAll honours them; res.Next and res.Reason are ignored, since
// SetSources already took the next-check time. Unknown ids are ignored.
func (s *Scheduler) Restore(id string, res Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.sources[id]; ok {
		s.holdLocked(e, res, e.next, s.clock.Now())
	}
}

// holdLocked records the server's wishes reported in res; next is the
// source's next check.
func (s *Scheduler) holdLocked(e *entry, res Result, next, now time.Time) {
	switch {
	case res.Gone:
		e.hold, e.holdReason = next, "gone"
	case res.RetryAfter.After(now):
		e.hold, e.holdReason = res.RetryAfter, "retry-after"
	default:
		e.hold, e.holdReason = time.Time{}, ""
	}
	e.quiet = nil
	if len(res.Quiet.SkipHours) > 0 || len(res.Quiet.SkipDays) > 0 {
		e.quiet = &feeds.PollHints{SkipHours: res.Quiet.SkipHours, SkipDays: res.Quiet.SkipDays}
	}
}

// Status describes one source as the scheduler sees it.
type Status struct {
	Next   time.Time // next check; for a source being polled, when it became due
	Reason string    // why Next was chosen
	// HostPaused is the end of a Retry-After pause of the source's whole
	// host, or zero.
	HostPaused time.Time
}

// Statuses returns a snapshot of every source's scheduling, by source ID.
func (s *Scheduler) Statuses() map[string]Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	m := make(map[string]Status, len(s.sources))
	for id, e := range s.sources {
		st := Status{Next: e.next, Reason: e.reason}
		if e.host.pause.After(now) {
			st.HostPaused = e.host.pause
		}
		m[id] = st
	}
	return m
}

// Next returns a snapshot of the next-check time of every source, by source
// ID. A source whose poll is in flight reports the time it became due.
func (s *Scheduler) Next() map[string]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]time.Time, len(s.sources))
	for id, e := range s.sources {
		m[id] = e.next
	}
	return m
}

// Run polls sources as they come due until ctx ends. It then stops starting
// polls, waits for the polls in flight (their ctx is cancelled) to return,
// reschedules their sources from their Results, and returns nil. It returns
// ErrRunning at once if Run is already running on s. Run may be called again
// after it has returned.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return ErrRunning
	}
	s.running = true
	s.mu.Unlock()

	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()
	for ctx.Err() == nil {
		s.mu.Lock()
		now := s.clock.Now()
		starts := s.dispatchLocked(now)
		at, ok := s.wakeAtLocked(now)
		s.mu.Unlock()

		for _, st := range starts {
			wg.Go(func() { s.pollOne(ctx, st) })
		}
		var timer Timer
		var fire <-chan time.Time
		if ok {
			timer = s.clock.NewTimer(at.Sub(now))
			fire = timer.C()
		}
		select {
		case <-ctx.Done():
		case <-fire:
		case <-s.wake:
		}
		if timer != nil {
			timer.Stop()
		}
	}
	return nil
}

// start is a poll taken out of the queues by dispatchLocked. It holds copies
// made under the lock, since SetSources may change the entry meanwhile.
type start struct {
	e   *entry
	h   *host // the host whose counters the poll holds
	src feeds.Source
}

// pollOne runs one poll and reschedules its source.
func (s *Scheduler) pollOne(ctx context.Context, st start) {
	res := s.call(ctx, st.src)
	s.finish(st.e, st.h, res)
	s.wakeUp()
}

// call runs the PollFunc, turning a panic into a logged error so that one bad
// feed does not stop the daemon.
func (s *Scheduler) call(ctx context.Context, src feeds.Source) (res Result) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("poll panicked", "feed", src.ID, "error", fmt.Sprint(r), "stack", string(debug.Stack()))
			res = Result{Reason: "panic"}
		}
	}()
	return s.poll(ctx, src)
}

// wakeUp tells the Run loop to look again; it never blocks.
func (s *Scheduler) wakeUp() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// addLocked adds a source new to the scheduler. A source removed while its
// poll is in flight and added back before that poll returns is taken back as
// it was: it is rescheduled when the poll returns, not polled twice at once.
func (s *Scheduler) addLocked(src feeds.Source, due, now time.Time, window time.Duration) {
	if e, ok := s.gone[src.ID]; ok {
		delete(s.gone, src.ID)
		e.src = src
		e.host = s.hostLocked(hostKey(src))
		e.host.refs++
		s.sources[src.ID] = e
		return
	}
	e := &entry{id: src.ID, src: src, next: due, reason: "stored", index: -1}
	if !due.After(now) {
		if w := min(window, s.intervalOf(src)); w > 0 {
			e.next = now.Add(time.Duration(s.rnd.Int64N(int64(w))))
		}
		e.reason = "new"
	}
	s.sources[src.ID] = e
	e.host = s.hostLocked(hostKey(src))
	e.host.refs++
	heap.Push(&s.waiting, e)
}

// updateLocked gives a known source its new settings, keeping its next-check
// time unless a shorter interval moves it sooner (see SetSources). It
// reports whether anything changed.
func (s *Scheduler) updateLocked(e *entry, src feeds.Source, now time.Time) bool {
	changed := !sameSource(e.src, src)
	if src.Interval > 0 && src.Interval != e.src.Interval && e.state == stateWaiting &&
		waitsForInterval(e.reason) && e.next.After(now.Add(src.Interval)) {
		e.next, e.reason = minTime(e.next, now.Add(s.jittered(src.Interval))), "interval"
		heap.Fix(&s.waiting, e.index)
	}
	e.src = src
	key := hostKey(src)
	if key == e.host.name {
		return changed
	}
	old := e.host
	if e.state == stateReady {
		s.unreadyLocked(e)
	}
	delete(old.retry, e.id) // the old host's Retry-After no longer concerns this source
	old.refs--
	e.host = s.hostLocked(key)
	e.host.refs++
	if e.state == stateReady {
		s.readyLocked(e)
	}
	s.dropHostLocked(old)
	return true
}

// waitsForInterval reports whether a next check chosen for reason is only
// the feed's own pace, which a new interval may change: "interval" or
// "adaptive". A time restored from the store ("stored") may be a server's
// wish or a backoff, so it stays (the daemon clamps a restored pace to the
// configured interval when it starts).
func waitsForInterval(reason string) bool {
	return reason == "interval" || reason == "adaptive"
}

// removeLocked forgets a source, including its Retry-After window on its
// host, so that it no longer counts towards pausing the host. If it is being
// polled, finish sees that it is gone and does not reschedule it.
func (s *Scheduler) removeLocked(e *entry) {
	switch e.state {
	case stateWaiting:
		heap.Remove(&s.waiting, e.index)
	case stateReady:
		s.unreadyLocked(e)
	case statePolling:
		s.gone[e.id] = e
	}
	delete(s.sources, e.id)
	delete(e.host.retry, e.id)
	e.host.refs--
	s.dropHostLocked(e.host)
}

// finish reschedules a source after its poll, unless it was removed meanwhile.
func (s *Scheduler) finish(e *entry, h *host, res Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight--
	h.inflight--
	s.dropHostLocked(h)
	if s.sources[e.id] != e {
		delete(s.gone, e.id) // removed while polling: not rescheduled
		return
	}
	now := s.clock.Now()
	e.next, e.reason = res.Next, res.Reason
	if e.reason == "" {
		e.reason = "interval"
	}
	switch {
	case e.next.IsZero():
		e.next = now.Add(s.jittered(s.intervalOf(e.src)))
	case e.next.Before(now):
		e.next = now
	}
	s.holdLocked(e, res, e.next, now) // a gone source is held until the next check actually chosen
	s.noteRetryAfterLocked(e, res.RetryAfter, now)
	e.state = stateWaiting
	heap.Push(&s.waiting, e)
}

// intervalOf returns the source's interval or the default.
func (s *Scheduler) intervalOf(src feeds.Source) time.Duration {
	if src.Interval > 0 {
		return src.Interval
	}
	return s.interval
}

// jittered returns d moved at random by up to ±jitter of itself.
func (s *Scheduler) jittered(d time.Duration) time.Duration {
	if s.jitter == 0 {
		return d
	}
	f := 1 + s.jitter*(2*s.rnd.Float64()-1)
	return time.Duration(f * float64(d))
}

// sameSource reports whether two sources have the settings the scheduler
// looks at.
func sameSource(a, b feeds.Source) bool {
	return a.URL == b.URL && a.Path == b.Path && a.Interval == b.Interval
}

// noteRetryAfterLocked records a source's Retry-After window (or its end)
// on its host, and pauses the host when HostEscalation of its sources are
// inside a window at once: until the earliest of those windows ends.
func (s *Scheduler) noteRetryAfterLocked(e *entry, until, now time.Time) {
	h := e.host
	if !h.gated() {
		return
	}
	if until.After(now) {
		if h.retry == nil {
			h.retry = make(map[string]time.Time)
		}
		h.retry[e.id] = until
	} else {
		delete(h.retry, e.id)
	}
	var active int
	var earliest time.Time
	for id, t := range h.retry {
		if !t.After(now) {
			delete(h.retry, id)
			continue
		}
		active++
		if earliest.IsZero() || t.Before(earliest) {
			earliest = t
		}
	}
	if active < HostEscalation || !earliest.After(h.pause) {
		return
	}
	h.pause = earliest
	if earliest.After(h.notBefore) {
		h.notBefore = earliest
	}
	s.log.Warn("host paused: several feeds asked to retry later", "host", h.name, "feeds", active, "until", earliest)
}
