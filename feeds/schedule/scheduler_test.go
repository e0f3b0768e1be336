package schedule

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

func TestIntervalAndJitter(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		interval time.Duration // Source.Interval
		min, max time.Duration // bounds of every gap between two polls
		jittered bool          // gaps must not all be equal
	}{
		{name: "defaults 30m ±10%", opts: Options{}, min: 27 * time.Minute, max: 33 * time.Minute, jittered: true},
		{name: "options interval ±20%", opts: Options{Interval: 10 * time.Minute, Jitter: 0.2}, min: 8 * time.Minute, max: 12 * time.Minute, jittered: true},
		{name: "source override, no jitter", opts: Options{Interval: time.Hour, Jitter: -1}, interval: 5 * time.Minute, min: 5 * time.Minute, max: 5 * time.Minute},
		{name: "default, no jitter", opts: Options{Interval: time.Hour, Jitter: -1}, min: time.Hour, max: time.Hour},
		{name: "jitter capped at 50%", opts: Options{Interval: time.Hour, Jitter: 3}, min: 30 * time.Minute, max: 90 * time.Minute, jittered: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clock, rec, s := newTest(tt.opts)
				var srcs []feeds.Source
				for i := range 5 {
					srcs = append(srcs, urlSource("host"+string(rune('a'+i))+".example", i, tt.interval))
				}
				first := epoch.Add(time.Minute)
				s.SetSources(srcs, dueAt(srcs, first))
				m := startSim(t, clock, s)
				m.advance(24 * time.Hour)

				for _, src := range srcs {
					starts := rec.starts(src.ID)
					if len(starts) == 0 || !starts[0].Equal(first) {
						t.Fatalf("%s: first poll at %v, want %v (the due time given)", src.ID, starts, first)
					}
					gs := gaps(starts)
					wantPolls := int(24 * time.Hour / tt.max)
					if len(gs) < wantPolls-1 {
						t.Errorf("%s: %d polls in a day, want at least %d", src.ID, len(starts), wantPolls)
					}
					for i, g := range gs {
						if g < tt.min || g > tt.max {
							t.Errorf("%s: gap %d = %v, want within [%v, %v]", src.ID, i, g, tt.min, tt.max)
						}
					}
					if distinct := len(slices.Compact(slices.Sorted(slices.Values(gs)))); tt.jittered && distinct < 2 {
						t.Errorf("%s: all %d gaps equal (%v), want jitter", src.ID, len(gs), gs[0])
					}
				}
			})
		})
	}
}

func TestResultNextHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: 30 * time.Minute, Jitter: -1, HostSpacing: -1})
		retry := urlSource("a.example", 1, 0)
		plain := urlSource("b.example", 2, 0)
		past := urlSource("c.example", 3, 0)
		pastPolls := 0
		rec.result = func(src feeds.Source, now time.Time) Result {
			switch src.ID {
			case retry.ID:
				return Result{Next: now.Add(3 * time.Hour), Reason: "retry-after"}
			case past.ID:
				pastPolls++
				if pastPolls == 1 {
					return Result{Next: now.Add(-time.Hour), Reason: "backoff"}
				}
			}
			return Result{}
		}
		srcs := []feeds.Source{retry, plain, past}
		s.SetSources(srcs, dueAt(srcs, epoch.Add(time.Minute)))
		m := startSim(t, clock, s)
		m.advance(12 * time.Hour)

		checkGaps := func(id string, want time.Duration) {
			t.Helper()
			for i, g := range gaps(rec.starts(id)) {
				if g != want {
					t.Errorf("%s: gap %d = %v, want %v", id, i, g, want)
				}
			}
		}
		checkGaps(retry.ID, 3*time.Hour)
		checkGaps(plain.ID, 30*time.Minute)
		if got := len(rec.starts(retry.ID)); got != 4 {
			t.Errorf("retry-after source polled %d times in 12h, want 4", got)
		}
		ps := rec.starts(past.ID)
		if len(ps) < 2 || !ps[1].Equal(ps[0]) {
			t.Errorf("source asking for a past time: polls at %v, want the second at once after the first", ps)
		}
		last := rec.starts(retry.ID)[3]
		if got, want := s.Next()[retry.ID], last.Add(3*time.Hour); !got.Equal(want) {
			t.Errorf("Next()[retry] = %v, want %v", got, want)
		}
	})
}

func TestConcurrencyBound(t *testing.T) {
	tests := []struct {
		name        string
		concurrency int
		want        int
		files       bool
	}{
		{name: "explicit 4", concurrency: 4, want: 4},
		{name: "default 8", want: 8},
		{name: "local files", concurrency: 3, want: 3, files: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clock, rec, s := newTest(Options{Concurrency: tt.concurrency})
				rec.hold = time.Minute
				var srcs []feeds.Source
				for i := range 60 {
					if tt.files {
						srcs = append(srcs, fileSource(i, time.Hour))
					} else {
						srcs = append(srcs, urlSource("h"+string(rune('A'+i%26))+string(rune('a'+i/26))+".example", i, time.Hour))
					}
				}
				s.SetSources(srcs, nil)
				m := startSim(t, clock, s)
				m.advance(3 * time.Hour)

				if rec.maxInflight != tt.want {
					t.Errorf("max polls in flight = %d, want %d (the bound, reached)", rec.maxInflight, tt.want)
				}
				for _, src := range srcs {
					if n := len(rec.starts(src.ID)); n < 2 {
						t.Errorf("%s polled %d times in 3h, want at least 2", src.ID, n)
					}
				}
				if len(rec.doubled) > 0 {
					t.Errorf("sources polled while already in flight: %v", rec.doubled)
				}
			})
		})
	}
}

func TestPerHost(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		hold    time.Duration
		spacing time.Duration // minimum gap between starts
		maxGap  time.Duration // maximum gap between starts during the first round
	}{
		{name: "defaults, quick polls", opts: Options{}, hold: time.Second, spacing: 2 * time.Second, maxGap: 2200 * time.Millisecond},
		{name: "slow polls wait for the one in flight", opts: Options{}, hold: 10 * time.Second, spacing: 10 * time.Second, maxGap: 10 * time.Second},
		{name: "three per host, 5s apart", opts: Options{PerHost: 3, HostSpacing: 5 * time.Second, Jitter: 0.5}, hold: time.Minute, spacing: 5 * time.Second, maxGap: time.Minute},
		{name: "no spacing", opts: Options{HostSpacing: -1}, hold: time.Second, spacing: time.Second, maxGap: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clock, rec, s := newTest(tt.opts)
				rec.hold = tt.hold
				var srcs []feeds.Source
				for i := range 50 {
					srcs = append(srcs, urlSource("one.example", i, 6*time.Hour))
				}
				s.SetSources(srcs, dueAt(srcs, epoch.Add(time.Second)))
				m := startSim(t, clock, s)
				m.advance(6 * time.Hour)

				want := max(tt.opts.PerHost, 1)
				if rec.maxHost != want {
					t.Errorf("max polls in flight on one host = %d, want %d", rec.maxHost, want)
				}
				polls := rec.all()
				if len(polls) < 50 {
					t.Fatalf("%d polls, want every one of the 50 sources polled", len(polls))
				}
				for i, g := range gaps(pollStarts(polls)) {
					if g < tt.spacing {
						t.Errorf("starts %d and %d are %v apart, want at least %v", i, i+1, g, tt.spacing)
					}
					if i < 49 && g > tt.maxGap {
						t.Errorf("starts %d and %d are %v apart, want at most %v while sources are due", i, i+1, g, tt.maxGap)
					}
				}
			})
		})
	}
}

func pollStarts(polls []pollRec) []time.Time {
	ts := make([]time.Time, len(polls))
	for i, p := range polls {
		ts[i] = p.start
	}
	return ts
}

func TestLocalFilesNotSpaced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Concurrency: 20})
		var srcs []feeds.Source
		for i := range 20 {
			srcs = append(srcs, fileSource(i, time.Hour))
		}
		due := epoch.Add(time.Minute)
		s.SetSources(srcs, dueAt(srcs, due))
		m := startSim(t, clock, s)
		m.advance(2 * time.Minute)
		polls := rec.all()
		if len(polls) != 20 {
			t.Fatalf("%d polls, want 20", len(polls))
		}
		for _, p := range polls {
			if !p.start.Equal(due) {
				t.Errorf("%s started at %v, want %v (files have no host spacing)", p.id, p.start, due)
			}
		}
	})
}

func TestInitialSpread(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Concurrency: 1000})
		var srcs []feeds.Source
		for i := range 200 {
			srcs = append(srcs, urlSource("h"+string(rune('A'+i%26))+string(rune('a'+i/26))+".example", i, time.Hour))
		}
		short := urlSource("short.example", 0, 20*time.Second)
		past := urlSource("past.example", 0, 0)
		future := urlSource("future.example", 0, 0)
		srcs = append(srcs, short, past, future)
		due := map[string]time.Time{past.ID: epoch.Add(-time.Hour), future.ID: epoch.Add(10 * time.Minute)}
		s.SetSources(srcs, due)
		m := startSim(t, clock, s)
		m.advance(11 * time.Minute)

		firsts := map[time.Time]bool{}
		for _, src := range srcs[:200] {
			st := rec.starts(src.ID)
			if len(st) != 1 || st[0].Before(epoch) || !st[0].Before(epoch.Add(time.Minute)) {
				t.Fatalf("%s: polls %v, want one within the first minute", src.ID, st)
			}
			firsts[st[0]] = true
		}
		if len(firsts) < 150 {
			t.Errorf("200 new sources started at only %d distinct times, want them spread", len(firsts))
		}
		if st := rec.starts(short.ID); len(st) == 0 || !st[0].Before(epoch.Add(20*time.Second)) {
			t.Errorf("20s source first polled at %v, want within its interval", st)
		}
		if st := rec.starts(past.ID); len(st) != 1 || !st[0].Before(epoch.Add(time.Minute)) {
			t.Errorf("overdue source polled at %v, want once within the first minute", st)
		}
		if st := rec.starts(future.ID); len(st) != 1 || !st[0].Equal(epoch.Add(10*time.Minute)) {
			t.Errorf("source with a stored next check polled at %v, want once at %v", st, epoch.Add(10*time.Minute))
		}
	})
}

func TestSetSourcesMidRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: 30 * time.Minute, Jitter: -1})
		a := urlSource("a.example", 1, 0)
		b := urlSource("b.example", 2, 0)
		d := urlSource("d.example", 4, 0)
		c := urlSource("c.example", 3, 0)
		srcs := []feeds.Source{a, b, d}
		s.SetSources(srcs, dueAt(srcs, epoch.Add(time.Minute)))
		m := startSim(t, clock, s)
		m.advance(2*time.Hour + 15*time.Minute)

		change := clock.Now()
		before := s.Next()
		a10 := a
		a10.Interval = 10 * time.Minute
		s.SetSources([]feeds.Source{a10, d, c}, map[string]time.Time{a.ID: epoch, d.ID: epoch}) // due is ignored for known sources
		after := s.Next()
		// a's shorter interval brings its next check (2h31m) to now + 10m.
		if !after[a.ID].Equal(change.Add(10*time.Minute)) || !after[d.ID].Equal(before[d.ID]) {
			t.Errorf("known sources' next checks: before %v, after %v; want a's at %v, d's kept", before, after, change.Add(10*time.Minute))
		}
		if _, ok := after[b.ID]; ok {
			t.Errorf("removed source still in Next(): %v", after)
		}
		if at, ok := after[c.ID]; !ok || at.Before(change) || !at.Before(change.Add(time.Minute)) {
			t.Errorf("added source next check = %v, want within a minute of %v", at, change)
		}
		m.advance(2 * time.Hour)

		for _, st := range rec.starts(b.ID) {
			if st.After(change) {
				t.Errorf("removed source polled at %v, after its removal at %v", st, change)
			}
		}
		if n := len(rec.starts(b.ID)); n != 5 {
			t.Errorf("b polled %d times before removal, want 5", n)
		}
		if st := rec.starts(c.ID); len(st) != 4 || st[0].After(change.Add(time.Minute)) {
			t.Errorf("added source polls %v, want 4, the first within a minute of %v", st, change)
		}
		// a polls at 1m, 31m, ... 2h1m; its next check (2h31m) moves to
		// 2h25m, ten minutes after the change, and it runs every 10m until
		// 4h15m.
		var want []time.Duration
		for range 4 {
			want = append(want, 30*time.Minute)
		}
		want = append(want, 24*time.Minute)
		for range 11 {
			want = append(want, 10*time.Minute)
		}
		if got := gaps(rec.starts(a.ID)); !slices.Equal(got, want) {
			t.Errorf("a's gaps = %v, want %v", got, want)
		}
		for i, g := range gaps(rec.starts(d.ID)) {
			if g != 30*time.Minute {
				t.Errorf("unchanged d: gap %d = %v, want 30m", i, g)
			}
		}
	})
}

func TestRemoveWhilePolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: 10 * time.Minute})
		rec.hold = 5 * time.Minute
		x := urlSource("x.example", 1, 0)
		y := urlSource("y.example", 2, 0)
		s.SetSources([]feeds.Source{x, y}, dueAt([]feeds.Source{x, y}, epoch.Add(time.Minute)))
		m := startSim(t, clock, s)
		m.advance(2 * time.Minute)
		if rec.inflight != 2 {
			t.Fatalf("%d polls in flight, want 2", rec.inflight)
		}
		s.SetSources([]feeds.Source{y}, nil)
		m.advance(time.Hour)
		if n := len(rec.starts(x.ID)); n != 1 {
			t.Errorf("source removed mid-poll polled %d times, want 1", n)
		}
		if _, ok := s.Next()[x.ID]; ok {
			t.Errorf("source removed mid-poll rescheduled: %v", s.Next())
		}
		if n := len(rec.starts(y.ID)); n < 4 {
			t.Errorf("remaining source polled %d times in an hour, want at least 4", n)
		}
		// Added back: a new source, due within a minute.
		s.SetSources([]feeds.Source{x, y}, nil)
		m.advance(2 * time.Minute)
		if n := len(rec.starts(x.ID)); n != 2 {
			t.Errorf("source added back polled %d times in total, want 2", n)
		}
	})
}

func TestRemoveAndReaddWhilePolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: 10 * time.Minute, Jitter: -1})
		rec.hold = 5 * time.Minute
		x := urlSource("x.example", 1, 0)
		s.SetSources([]feeds.Source{x}, dueAt([]feeds.Source{x}, epoch.Add(time.Minute)))
		m := startSim(t, clock, s)
		m.advance(2 * time.Minute) // x in flight until 6m
		s.SetSources(nil, nil)
		s.SetSources([]feeds.Source{x}, nil) // back before its poll returns
		m.advance(30 * time.Minute)
		if len(rec.doubled) > 0 {
			t.Errorf("polled while already in flight: %v", rec.doubled)
		}
		// Each poll takes 5m and the next is 10m after its end: 1m, 16m, 31m.
		want := []time.Time{epoch.Add(time.Minute), epoch.Add(16 * time.Minute), epoch.Add(31 * time.Minute)}
		if got := rec.starts(x.ID); !slices.EqualFunc(got, want, time.Time.Equal) {
			t.Errorf("polls at %v, want %v", got, want)
		}
		if err := m.stop(); err != nil {
			t.Fatal(err)
		}
		checkScheduled(t, s)
	})
}

func TestHostChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{HostSpacing: time.Minute, Jitter: -1})
		rec.hold = time.Second
		var srcs []feeds.Source
		for i := range 3 {
			srcs = append(srcs, urlSource("old.example", i, time.Hour))
		}
		s.SetSources(srcs, dueAt(srcs, epoch.Add(time.Second)))
		m := startSim(t, clock, s)
		m.advance(10 * time.Second) // one polled, two waiting for old.example's spacing
		moved := srcs[2]
		moved.URL = "https://new.example/feed.xml" // same ID, other host
		s.SetSources([]feeds.Source{srcs[0], srcs[1], moved}, nil)
		m.advance(10 * time.Second)
		if st := rec.starts(moved.ID); len(st) != 1 || !st[0].Equal(epoch.Add(10*time.Second)) {
			t.Errorf("source moved to an idle host polled at %v, want once at once (%v)", st, epoch.Add(10*time.Second))
		}
		m.advance(2 * time.Minute)
		if st := rec.starts(srcs[1].ID); len(st) != 1 || !st[0].Equal(epoch.Add(61*time.Second)) {
			t.Errorf("second source on old host polled at %v, want once at %v", st, epoch.Add(61*time.Second))
		}
		if err := m.stop(); err != nil {
			t.Fatal(err)
		}
		checkScheduled(t, s)
		if _, ok := s.hosts["new.example"]; !ok || len(s.hosts) != 2 {
			t.Errorf("hosts %v, want old.example and new.example", s.hosts)
		}
	})
}

func TestRefreshAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: time.Hour, Jitter: -1, Concurrency: 20})
		var srcs []feeds.Source
		for i := range 5 {
			srcs = append(srcs, urlSource("one.example", i, 0))
		}
		for i := range 3 {
			srcs = append(srcs, fileSource(i, 0))
		}
		s.SetSources(srcs, dueAt(srcs, epoch.Add(time.Minute)))
		m := startSim(t, clock, s)
		m.advance(10 * time.Minute)
		refresh := clock.Now()
		s.RefreshAll()
		m.advance(time.Minute)

		var hostStarts []time.Time
		for _, p := range rec.all() {
			if !p.start.After(refresh.Add(-time.Second)) {
				continue
			}
			if p.host == "" && !p.start.Equal(refresh) {
				t.Errorf("file %s refreshed at %v, want %v", p.id, p.start, refresh)
			}
			if p.host != "" {
				hostStarts = append(hostStarts, p.start)
			}
		}
		if len(hostStarts) != 5 || !hostStarts[0].Equal(refresh) {
			t.Fatalf("refresh polls of one.example at %v, want 5 starting at %v", hostStarts, refresh)
		}
		for i, g := range gaps(hostStarts) {
			if g < 2*time.Second {
				t.Errorf("refresh polls %d and %d of one host %v apart, want at least 2s", i, i+1, g)
			}
		}
		for id, at := range s.Next() {
			if !at.After(clock.Now()) {
				t.Errorf("after refresh, %s next check %v, want after %v", id, at, clock.Now())
			}
		}
	})
}

func TestRunWaitsForPolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := NewFakeClock(epoch)
		release := make(chan struct{})
		cancelled := make(chan string, 10)
		poll := func(ctx context.Context, src feeds.Source) Result {
			select {
			case <-clock.After(time.Hour):
				t.Errorf("%s: poll ran to its end, want cancelled", src.ID)
			case <-ctx.Done():
				cancelled <- src.ID
				<-release
			}
			return Result{}
		}
		s := New(poll, Options{Clock: clock, Interval: 30 * time.Minute, Logger: quiet})
		var srcs []feeds.Source
		for i := range 3 {
			srcs = append(srcs, fileSource(i, 0))
		}
		s.SetSources(srcs, dueAt(srcs, epoch.Add(time.Minute)))
		m := startSim(t, clock, s)
		m.advance(2 * time.Minute)

		m.cancel()
		m.cancel = nil
		synctest.Wait()
		if len(cancelled) != 3 {
			t.Fatalf("%d polls saw ctx cancelled, want 3", len(cancelled))
		}
		select {
		case err := <-m.done:
			t.Fatalf("Run returned %v while polls were in flight", err)
		default:
		}
		close(release)
		if err := <-m.done; err != nil {
			t.Fatalf("Run = %v, want nil after ctx ends", err)
		}
		for id, at := range s.Next() {
			if !at.After(clock.Now()) {
				t.Errorf("%s next check %v after Run returned, want after %v (rescheduled)", id, at, clock.Now())
			}
		}
		checkScheduled(t, s)
	})
}

func TestRunTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Jitter: -1})
		src := fileSource(1, time.Hour)
		s.SetSources([]feeds.Source{src}, dueAt([]feeds.Source{src}, epoch.Add(time.Minute)))
		m := startSim(t, clock, s)
		synctest.Wait()
		if err := s.Run(t.Context()); !errors.Is(err, ErrRunning) {
			t.Errorf("second Run = %v, want ErrRunning", err)
		}
		m.advance(2 * time.Hour)
		if err := m.stop(); err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		n := len(rec.starts(src.ID))
		if n != 2 {
			t.Fatalf("polled %d times in 2h, want 2", n)
		}
		// Run again after it returned: the source is still scheduled.
		m = startSim(t, clock, s)
		m.advance(time.Hour)
		if got := len(rec.starts(src.ID)); got != n+1 {
			t.Errorf("after restarting Run, polled %d times, want %d", got, n+1)
		}
	})
}

func TestPanicRescheduled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: 10 * time.Minute, Jitter: -1})
		calls := 0
		rec.result = func(src feeds.Source, now time.Time) Result {
			calls++
			if calls == 1 {
				panic("bad feed")
			}
			return Result{}
		}
		src := fileSource(1, 0)
		s.SetSources([]feeds.Source{src}, dueAt([]feeds.Source{src}, epoch.Add(time.Minute)))
		m := startSim(t, clock, s)
		m.advance(30 * time.Minute)
		if got := gaps(rec.starts(src.ID)); !slices.Equal(got, []time.Duration{10 * time.Minute, 10 * time.Minute}) {
			t.Errorf("after a panicking poll, gaps %v, want [10m 10m]", got)
		}
	})
}

func TestWeek(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: time.Hour})
		ttlHost := "h03.example"
		rec.result = func(src feeds.Source, now time.Time) Result {
			if hostKey(src) == ttlHost {
				return Result{Next: now.Add(2 * time.Hour), Reason: "ttl"}
			}
			return Result{}
		}
		// 200 sources on 20 hosts plus 10 files; intervals 1h (default),
		// 2h, 6h, 1h, and 30m for every twentieth.
		intervals := []time.Duration{0, 2 * time.Hour, 6 * time.Hour, time.Hour}
		interval := func(i int) time.Duration {
			if i%20 == 1 {
				return 30 * time.Minute
			}
			return intervals[i%4]
		}
		var srcs []feeds.Source
		for i := range 200 {
			host := fmt.Sprintf("h%02d.example", i%20)
			srcs = append(srcs, urlSource(host, i, interval(i)))
		}
		for i := range 10 {
			srcs = append(srcs, fileSource(i, interval(i)))
		}
		s.SetSources(srcs, nil)
		m := startSim(t, clock, s)
		m.advance(3 * 24 * time.Hour)

		// Mid-week reload: drop 20 sources, add 20 new ones on a new host.
		removedAt := clock.Now()
		removed := srcs[:20]
		current := append([]feeds.Source(nil), srcs[20:]...)
		for i := range 20 {
			current = append(current, urlSource("new.example", 1000+i, 0))
		}
		s.SetSources(current, nil)
		m.advance(2 * 24 * time.Hour)
		refreshAt := clock.Now()
		s.RefreshAll()
		m.advance(2 * 24 * time.Hour)
		if err := m.stop(); err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		t.Logf("simulated a week: %d polls, %d clock steps", len(rec.all()), m.steps)

		checkScheduled(t, s)
		next := s.Next()
		if len(next) != len(current) {
			t.Errorf("Next() has %d sources, want %d", len(next), len(current))
		}
		for _, src := range current {
			if _, ok := next[src.ID]; !ok {
				t.Errorf("%s: missing from Next()", src.ID)
			}
			if n := len(rec.starts(src.ID)); n < 2 {
				t.Errorf("%s polled %d times, want at least 2", src.ID, n)
			}
		}
		for _, src := range removed {
			for _, st := range rec.starts(src.ID) {
				if st.After(removedAt) {
					t.Errorf("removed %s polled at %v, after %v", src.ID, st, removedAt)
				}
			}
		}
		if rec.maxInflight > 8 {
			t.Errorf("max polls in flight %d, want at most 8", rec.maxInflight)
		}
		if rec.maxHost > 1 {
			t.Errorf("max polls in flight per host %d, want at most 1", rec.maxHost)
		}
		if len(rec.doubled) > 0 {
			t.Errorf("polled while already in flight: %v", rec.doubled)
		}
		// A 30m source over a week: 7*48 = 336 polls, give or take jitter and the refresh.
		if n := len(rec.starts(srcs[21].ID)); n < 320 || n > 355 {
			t.Errorf("30m source polled %d times in a week, want about 336", n)
		}
		// Sources asking for now+2h are polled 2h apart (plus host spacing),
		// except for the RefreshAll.
		for i := 23; i < 200; i += 20 {
			src := srcs[i]
			starts := rec.starts(src.ID)
			for i, g := range gaps(starts) {
				if refreshed := !starts[i+1].Before(refreshAt) && starts[i+1].Before(refreshAt.Add(time.Minute)); refreshed {
					continue
				}
				if g < 2*time.Hour || g > 2*time.Hour+time.Minute {
					t.Errorf("%s: gap %d = %v, want 2h (the Result.Next) plus host spacing", src.ID, i, g)
				}
			}
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: 5 * time.Minute, Concurrency: 4})
		rec.hold = 10 * time.Second
		var all []feeds.Source
		for i := range 30 {
			all = append(all, urlSource(fmt.Sprintf("h%d.example", i%5), i, 0))
		}
		s.SetSources(all, nil)
		m := startSim(t, clock, s)
		// Three goroutines reload, refresh and read while polls run.
		var wg sync.WaitGroup
		for g := range 3 {
			wg.Go(func() {
				for i := range 40 {
					switch g {
					case 0:
						s.SetSources(all[i%10:], nil)
					case 1:
						s.RefreshAll()
					case 2:
						if n := len(s.Next()); n < 20 {
							t.Errorf("Next() has %d sources, want at least 20", n)
						}
					}
					<-clock.After(time.Duration(17+g) * time.Second)
				}
			})
		}
		m.advance(time.Hour)
		wg.Wait()
		if rec.maxInflight > 4 || rec.maxHost > 1 || len(rec.doubled) > 0 {
			t.Errorf("bounds broken: max in flight %d (want ≤ 4), per host %d (want ≤ 1), doubled %v",
				rec.maxInflight, rec.maxHost, rec.doubled)
		}
		if err := m.stop(); err != nil {
			t.Fatal(err)
		}
		checkScheduled(t, s)
	})
}
