package schedule

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// TestHostEscalation checks that one source's Retry-After holds only that
// source, and that two sources of one host inside a window pause the host.
func TestHostEscalation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: time.Hour, Jitter: -1})
		var srcs []feeds.Source
		for i := range 4 {
			srcs = append(srcs, urlSource("busy.example", i, 0))
		}
		srcs = append(srcs, urlSource("other.example", 0, 10*time.Minute))
		limited := map[string]bool{srcs[0].ID: true} // first only one path misbehaves
		rec.result = func(src feeds.Source, now time.Time) Result {
			if limited[src.ID] {
				return Result{Next: now.Add(3 * time.Hour), Reason: "retry-after", RetryAfter: now.Add(3 * time.Hour)}
			}
			return Result{Next: now.Add(10 * time.Minute)}
		}
		s.SetSources(srcs, dueAt(srcs, epoch))
		m := startSim(t, clock, s)
		m.advance(time.Hour)
		// One misbehaving path: the other three keep being polled.
		for _, src := range srcs[1:4] {
			if n := len(rec.starts(src.ID)); n < 5 {
				t.Errorf("%s polled %d times in the first hour with one path rate-limited, want about 6", src.ID, n)
			}
		}
		if n := len(rec.starts(srcs[0].ID)); n != 1 {
			t.Errorf("rate-limited %s polled %d times inside its window, want 1", srcs[0].ID, n)
		}

		// Now a second path reports Retry-After: the whole host pauses
		// until the earliest of the two windows ends.
		limited[srcs[1].ID] = true
		before := len(rec.all())
		m.advance(20 * time.Minute)
		var hit time.Time
		for _, p := range rec.all()[before:] {
			if p.id == srcs[1].ID {
				hit = p.start
			}
		}
		if hit.IsZero() {
			t.Fatal("second path not polled")
		}
		pauseEnd := rec.starts(srcs[0].ID)[0].Add(3 * time.Hour)
		st := s.Statuses()[srcs[2].ID]
		if !st.HostPaused.Equal(pauseEnd) {
			t.Errorf("host paused until %v, want %v (the earlier window)", st.HostPaused, pauseEnd)
		}
		m.until(pauseEnd.Add(-time.Second))
		for _, p := range rec.all() {
			if p.host == "busy.example" && p.start.After(hit) && p.start.Before(pauseEnd) {
				t.Errorf("%s polled at %v, inside the host pause %v..%v", p.id, p.start, hit, pauseEnd)
			}
		}
		if n := len(rec.starts(srcs[4].ID)); n < 18 {
			t.Errorf("other host polled %d times, want it unaffected (about 19)", n)
		}
		clear(limited) // the server recovers
		m.advance(time.Hour)
		if n := len(rec.starts(srcs[3].ID)); n < 8 {
			t.Errorf("%s polled %d times, want polling to resume after the pause", srcs[3].ID, n)
		}
		m.stop()
		checkScheduled(t, s)
	})
}

// TestRefreshSkipsHolds checks that RefreshAll leaves alone sources inside
// a Retry-After window, gone, or inside skipHours, and says until when.
func TestRefreshSkipsHolds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: time.Hour, Jitter: -1})
		ra := urlSource("a.example", 0, 0)
		gone := urlSource("b.example", 0, 0)
		quiet := urlSource("c.example", 0, 0)
		plain := urlSource("d.example", 0, 0)
		restored := urlSource("e.example", 0, 0)
		until := epoch.Add(5 * time.Hour)
		rec.result = func(src feeds.Source, now time.Time) Result {
			switch src.ID {
			case ra.ID:
				return Result{Next: until, Reason: "retry-after", RetryAfter: until}
			case gone.ID:
				return Result{Next: now.Add(7 * 24 * time.Hour), Reason: "gone", Gone: true}
			case quiet.ID: // skip the hours 0-2 GMT; epoch is midnight
				return Result{Next: now.Add(3 * time.Hour), Reason: "skipHours", Quiet: feeds.PollHints{SkipHours: []int{0, 1, 2}}}
			}
			return Result{Next: now.Add(time.Hour)}
		}
		srcs := []feeds.Source{ra, gone, quiet, plain, restored}
		s.SetSources(srcs, map[string]time.Time{restored.ID: epoch.Add(2 * time.Hour)})
		s.Restore(restored.ID, Result{RetryAfter: epoch.Add(2 * time.Hour)}) // from the store, after a restart
		// Let the first polls happen (spread over the start window).
		m := startSim(t, clock, s)
		m.advance(10 * time.Minute)
		before := len(rec.all())
		skips := s.RefreshAll()
		m.advance(time.Minute)

		want := map[string]Skip{
			ra.ID:       {ID: ra.ID, Until: until, Reason: "retry-after"},
			gone.ID:     {ID: gone.ID, Until: rec.starts(gone.ID)[0].Add(7 * 24 * time.Hour), Reason: "gone"},
			quiet.ID:    {ID: quiet.ID, Until: epoch.Add(3 * time.Hour), Reason: "skipHours"},
			restored.ID: {ID: restored.ID, Until: epoch.Add(2 * time.Hour), Reason: "retry-after"},
		}
		if len(skips) != len(want) {
			t.Errorf("RefreshAll skipped %v, want %d sources", skips, len(want))
		}
		for _, sk := range skips {
			if w, ok := want[sk.ID]; !ok || !sk.Until.Equal(w.Until) || sk.Reason != w.Reason {
				t.Errorf("RefreshAll skip %+v, want %+v", sk, w)
			}
		}
		var polled []string
		for _, p := range rec.all()[before:] {
			polled = append(polled, p.id)
		}
		if len(polled) != 1 || polled[0] != plain.ID {
			t.Errorf("refresh polled %v, want only %s", polled, plain.ID)
		}
		m.stop()
		checkScheduled(t, s)
	})
}

// TestEscalationForgetsLeavingSources checks that a source removed from the
// config, or moved to another host, no longer counts towards pausing its old
// host: afterwards one other path with a Retry-After must not pause it.
func TestEscalationForgetsLeavingSources(t *testing.T) {
	a := urlSource("busy.example", 0, 0)
	b := urlSource("busy.example", 1, 0)
	c := urlSource("busy.example", 2, 0)
	moved := feeds.Source{ID: a.ID, URL: "https://elsewhere.example/feed/0.xml"}
	for _, tc := range []struct {
		name  string
		after []feeds.Source // the sources once a has left busy.example
	}{
		{"removed", []feeds.Source{b, c}},
		{"moved to another host", []feeds.Source{moved, b, c}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clock, rec, s := newTest(Options{Interval: time.Hour, Jitter: -1})
				limited := map[string]bool{a.ID: true}
				rec.result = func(src feeds.Source, now time.Time) Result {
					if limited[src.ID] && hostKey(src) == "busy.example" {
						return Result{Next: now.Add(3 * time.Hour), Reason: "retry-after", RetryAfter: now.Add(3 * time.Hour)}
					}
					return Result{Next: now.Add(10 * time.Minute)}
				}
				s.SetSources([]feeds.Source{a, b, c}, map[string]time.Time{
					a.ID: epoch, b.ID: epoch.Add(30 * time.Minute), c.ID: epoch.Add(30 * time.Minute),
				})
				m := startSim(t, clock, s)
				m.advance(10 * time.Minute) // a polled: inside a 3h Retry-After window
				s.SetSources(tc.after, nil)
				limited[b.ID] = true
				m.advance(30 * time.Minute) // b polled: a second window on busy.example
				if got := len(rec.starts(b.ID)); got != 1 {
					t.Fatalf("%s polled %d times, want 1", b.ID, got)
				}
				if st := s.Statuses()[c.ID]; !st.HostPaused.IsZero() {
					t.Errorf("busy.example paused until %v with one configured source in a Retry-After window; want no pause (%s left it)",
						st.HostPaused, a.ID)
				}
				m.stop()
				checkScheduled(t, s)
			})
		})
	}
}

// TestRefreshAllHostPauseBeforeQuiet checks that RefreshAll leaves a source
// with skipHours alone when its host is paused, even outside those hours:
// the host pause is the server's wish and comes first.
func TestRefreshAllHostPauseBeforeQuiet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: time.Hour, Jitter: -1})
		a := urlSource("busy.example", 0, 0)
		b := urlSource("busy.example", 1, 0)
		c := urlSource("busy.example", 2, 0)
		rec.result = func(src feeds.Source, now time.Time) Result {
			if src.ID != c.ID {
				return Result{Next: now.Add(3 * time.Hour), Reason: "retry-after", RetryAfter: now.Add(3 * time.Hour)}
			}
			// Quiet at 20:00 GMT only; the test runs around midnight.
			return Result{Next: now.Add(time.Hour), Quiet: feeds.PollHints{SkipHours: []int{20}}}
		}
		s.SetSources([]feeds.Source{a, b, c}, map[string]time.Time{a.ID: epoch.Add(10 * time.Minute), b.ID: epoch.Add(10 * time.Minute)})
		m := startSim(t, clock, s)
		m.advance(20 * time.Minute) // c polled first (due now), then a and b pause the host
		pause := s.Statuses()[c.ID].HostPaused
		if pause.IsZero() {
			t.Fatal("host not paused")
		}
		next := s.Next()[c.ID]
		polls := len(rec.starts(c.ID))

		skips := s.RefreshAll()
		m.advance(time.Minute)
		want := Skip{ID: c.ID, Until: pause, Reason: "host retry-after"}
		var got *Skip
		for i := range skips {
			if skips[i].ID == c.ID {
				got = &skips[i]
			}
		}
		if got == nil || *got != want {
			t.Errorf("RefreshAll skipped %+v, want among them %+v", skips, want)
		}
		if n := s.Next()[c.ID]; !n.Equal(next) {
			t.Errorf("%s next check %v after RefreshAll, want it kept at %v", c.ID, n, next)
		}
		if n := len(rec.starts(c.ID)); n != polls {
			t.Errorf("%s polled %d times after RefreshAll on a paused host, want 0", c.ID, n-polls)
		}
		m.stop()
	})
}

// TestGoneWithZeroNextHeld checks that a Result{Gone: true} without a Next
// holds the source until the next check the scheduler chose for it (now
// plus its interval), so that RefreshAll does not poll a gone feed.
func TestGoneWithZeroNextHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: time.Hour, Jitter: -1})
		g := urlSource("gone.example", 0, 0)
		rec.result = func(feeds.Source, time.Time) Result { return Result{Reason: "gone", Gone: true} }
		s.SetSources([]feeds.Source{g}, nil)
		m := startSim(t, clock, s)
		m.advance(10 * time.Minute)
		starts := rec.starts(g.ID)
		if len(starts) != 1 {
			t.Fatalf("%s polled %d times, want 1", g.ID, len(starts))
		}
		next := s.Next()[g.ID]
		if want := starts[0].Add(time.Hour); !next.Equal(want) {
			t.Fatalf("%s next check %v, want %v (its interval)", g.ID, next, want)
		}

		skips := s.RefreshAll()
		m.advance(time.Minute)
		want := []Skip{{ID: g.ID, Until: next, Reason: "gone"}}
		if !slices.Equal(skips, want) {
			t.Errorf("RefreshAll skipped %+v, want %+v", skips, want)
		}
		if n := len(rec.starts(g.ID)); n != 1 {
			t.Errorf("gone %s polled %d times after RefreshAll, want not again", g.ID, n-1)
		}
		m.stop()
		checkScheduled(t, s)
	})
}

// TestShorterIntervalMovesNextCheck: a feed whose interval is shortened in
// the config is checked within the new interval when its next check only
// waited for its own pace (adaptive, interval), and keeps its next check
// when a backoff chose it, or when it was restored from the store, where it
// may be a server's Retry-After.
func TestShorterIntervalMovesNextCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock, rec, s := newTest(Options{Interval: time.Hour, Jitter: -1})
		week := 7 * 24 * time.Hour
		adaptive, failing, stored := urlSource("a.example", 0, week), urlSource("b.example", 0, week), urlSource("c.example", 0, week)
		rec.result = func(src feeds.Source, now time.Time) Result {
			if src.ID == failing.ID {
				return Result{Next: now.Add(week), Reason: "backoff"}
			}
			return Result{Next: now.Add(week), Reason: "adaptive"}
		}
		s.SetSources([]feeds.Source{adaptive, failing, stored}, map[string]time.Time{stored.ID: epoch.Add(week)})
		m := startSim(t, clock, s)
		m.advance(time.Minute) // adaptive and failing are polled once
		for _, src := range []*feeds.Source{&adaptive, &failing, &stored} {
			src.Interval = 5 * time.Minute
		}
		s.SetSources([]feeds.Source{adaptive, failing, stored}, nil)
		now, next := clock.Now(), s.Next()
		for _, tt := range []struct {
			src  feeds.Source
			soon bool
		}{{adaptive, true}, {stored, false}, {failing, false}} {
			if soon := next[tt.src.ID].Sub(now) <= 5*time.Minute; soon != tt.soon {
				t.Errorf("%s: next check in %v after the interval became 5m; want within 5m: %v", tt.src.ID, next[tt.src.ID].Sub(now), tt.soon)
			}
		}
		m.stop()
	})
}
