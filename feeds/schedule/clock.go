package schedule

import "time"

// Clock tells the time and makes timers. The Scheduler reads all time through
// its Clock, so a FakeClock makes its behaviour deterministic in tests.
// Implementations must be safe for concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a Timer that sends the time on its channel once, d
	// from now; d <= 0 fires at once.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer made by a Clock, like *time.Timer.
type Timer interface {
	// C returns the channel the timer sends on. It has a buffer of one, so
	// a timer fires even when nobody is receiving yet.
	C() <-chan time.Time
	// Stop prevents the timer from firing. It reports whether it stopped
	// the timer, false if the timer had already fired or been stopped.
	Stop() bool
}

// RealClock is the wall clock, backed by package time. The zero value is
// ready to use.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// NewTimer returns a Timer backed by time.NewTimer.
func (RealClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

// After returns time.After(d). It is not part of Clock; it is here so that
// code written against RealClock and FakeClock reads the same.
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }
