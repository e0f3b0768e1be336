package schedule

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

var (
	_ Clock = (*FakeClock)(nil)
	_ Clock = RealClock{}
)

// fired returns what c holds without blocking, and whether it held anything.
func fired(c <-chan time.Time) (time.Time, bool) {
	select {
	case v := <-c:
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestFakeClockFiresInOrder(t *testing.T) {
	c := NewFakeClock(epoch)
	t3 := c.NewTimer(3 * time.Second)
	t1 := c.NewTimer(time.Second)
	t2 := c.NewTimer(2 * time.Second)
	if got := c.Pending(); got != 3 {
		t.Fatalf("Pending() = %d, want 3", got)
	}
	if got, ok := c.NextDeadline(); !ok || !got.Equal(epoch.Add(time.Second)) {
		t.Fatalf("NextDeadline() = %v, %v; want %v, true", got, ok, epoch.Add(time.Second))
	}

	c.Advance(1500 * time.Millisecond)
	if v, ok := fired(t1.C()); !ok || !v.Equal(epoch.Add(time.Second)) {
		t.Errorf("1s timer after 1.5s: got %v (fired %v), want its deadline %v", v, ok, epoch.Add(time.Second))
	}
	for name, tm := range map[string]Timer{"2s": t2, "3s": t3} {
		if v, ok := fired(tm.C()); ok {
			t.Errorf("%s timer fired after 1.5s with %v, want not yet", name, v)
		}
	}

	c.AdvanceTo(epoch.Add(10 * time.Second))
	if v, ok := fired(t2.C()); !ok || !v.Equal(epoch.Add(2*time.Second)) {
		t.Errorf("2s timer: got %v (fired %v), want %v", v, ok, epoch.Add(2*time.Second))
	}
	if v, ok := fired(t3.C()); !ok || !v.Equal(epoch.Add(3*time.Second)) {
		t.Errorf("3s timer: got %v (fired %v), want %v", v, ok, epoch.Add(3*time.Second))
	}
	if got, want := c.Now(), epoch.Add(10*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
	if _, ok := c.NextDeadline(); ok || c.Pending() != 0 {
		t.Errorf("after all fired: NextDeadline ok = %v, Pending = %d; want false, 0", ok, c.Pending())
	}
}

func TestFakeClockStopAndEdges(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, c *FakeClock)
	}{
		{"stop before firing", func(t *testing.T, c *FakeClock) {
			tm := c.NewTimer(time.Second)
			if !tm.Stop() {
				t.Error("Stop() of a pending timer = false, want true")
			}
			if tm.Stop() {
				t.Error("second Stop() = true, want false")
			}
			c.Advance(time.Hour)
			if v, ok := fired(tm.C()); ok {
				t.Errorf("stopped timer fired with %v", v)
			}
		}},
		{"stop after firing", func(t *testing.T, c *FakeClock) {
			tm := c.NewTimer(time.Second)
			c.Advance(time.Second)
			if tm.Stop() {
				t.Error("Stop() of a fired timer = true, want false")
			}
			if _, ok := fired(tm.C()); !ok {
				t.Error("timer due exactly at the new time did not fire")
			}
		}},
		{"zero and negative fire at once", func(t *testing.T, c *FakeClock) {
			for _, d := range []time.Duration{0, -time.Second} {
				if v, ok := fired(c.After(d)); !ok || !v.Equal(epoch.Add(d)) {
					t.Errorf("After(%v) = %v (fired %v), want %v at once", d, v, ok, epoch.Add(d))
				}
			}
		}},
		{"time does not go back", func(t *testing.T, c *FakeClock) {
			c.Advance(-time.Hour)
			c.AdvanceTo(epoch.Add(-time.Hour))
			if got := c.Now(); !got.Equal(epoch) {
				t.Errorf("Now() = %v, want %v", got, epoch)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, NewFakeClock(epoch)) })
	}
}

func TestRealClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { // time is virtual in the bubble
		var c Clock = RealClock{}
		start := c.Now()
		tm := c.NewTimer(time.Hour)
		if got := (<-tm.C()).Sub(start); got != time.Hour {
			t.Errorf("timer fired after %v, want 1h", got)
		}
		if tm.Stop() {
			t.Error("Stop() of a fired timer = true, want false")
		}
		if !c.NewTimer(time.Hour).Stop() {
			t.Error("Stop() of a pending timer = false, want true")
		}
		<-RealClock{}.After(time.Minute)
		if got := c.Now().Sub(start); got != time.Hour+time.Minute {
			t.Errorf("after After(1m): %v elapsed, want 1h1m", got)
		}
	})
}

// countingClock counts the timers the scheduler makes.
type countingClock struct {
	*FakeClock
	timers int
}

func (c *countingClock) NewTimer(d time.Duration) Timer {
	c.timers++ // only the Run loop makes timers
	return c.FakeClock.NewTimer(d)
}

func TestLoopDoesNotSpin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := NewFakeClock(epoch)
		clock := &countingClock{FakeClock: fake}
		rec := newRecorder(fake)
		s := New(rec.poll, Options{Clock: clock, Interval: time.Hour, Logger: quiet})
		var srcs []feeds.Source
		for i := range 5 {
			srcs = append(srcs, urlSource("one.example", i, 0))
		}
		s.SetSources(srcs, nil)
		m := startSim(t, fake, s)
		m.advance(24 * time.Hour)
		if err := m.stop(); err != nil {
			t.Fatal(err)
		}
		polls := len(rec.all())
		if polls < 5*23 {
			t.Fatalf("%d polls in a day, want at least %d", polls, 5*23)
		}
		// Per poll at most three loop turns, so three timers: after the
		// start, after the finish, and at the end of the host's spacing gap.
		if clock.timers > 3*polls {
			t.Errorf("Run made %d timers for %d polls, want at most %d", clock.timers, polls, 3*polls)
		}
	})
}
