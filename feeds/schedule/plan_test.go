package schedule

import (
	"math"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

func TestPlan(t *testing.T) {
	// 2026-03-02 is a Monday; 10:00 UTC.
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	hourly := func(n int) []time.Time { // n posts one hour apart, newest an hour ago
		var ts []time.Time
		for i := range n {
			ts = append(ts, now.Add(-time.Duration(i+1)*time.Hour))
		}
		return ts
	}
	tests := []struct {
		name       string
		in         PlanInput
		wantNext   time.Duration // from now
		wantReason string
		wantGone   bool
		wantRetry  time.Duration // RetryAfter from now, 0 for none
	}{
		{"interval", PlanInput{Interval: time.Hour}, time.Hour, "interval", false, 0},
		{"default interval", PlanInput{}, 30 * time.Minute, "interval", false, 0},
		{"jitter up", PlanInput{Interval: time.Hour, Jitter: 1}, 66 * time.Minute, "interval", false, 0},
		{"jitter down", PlanInput{Interval: time.Hour, Jitter: -1}, 54 * time.Minute, "interval", false, 0},
		{"jitter clamped", PlanInput{Interval: time.Hour, Jitter: -7}, 54 * time.Minute, "interval", false, 0},
		{"jitter NaN", PlanInput{Interval: time.Hour, Jitter: math.NaN()}, time.Hour, "interval", false, 0},
		{"adaptive half mean gap", PlanInput{Interval: 3 * time.Hour, Adaptive: true, RecentPosts: hourly(5)}, 30 * time.Minute, "adaptive", false, 0},
		{"adaptive floor", PlanInput{Adaptive: true, RecentPosts: []time.Time{now.Add(-time.Minute), now.Add(-2 * time.Minute)}}, 15 * time.Minute, "adaptive", false, 0},
		{"adaptive ceiling", PlanInput{Adaptive: true, RecentPosts: []time.Time{now.Add(-time.Hour), now.Add(-6 * 24 * time.Hour)}}, 24 * time.Hour, "adaptive", false, 0},
		{"adaptive silent for weeks", PlanInput{Adaptive: true, RecentPosts: []time.Time{now.Add(-21 * 24 * time.Hour), now.Add(-22 * 24 * time.Hour)}}, 72 * time.Hour, "adaptive", false, 0},
		{"adaptive ignores one date stamped on all", PlanInput{Interval: time.Hour, Adaptive: true, RecentPosts: []time.Time{now, now, now, now}}, time.Hour, "interval", false, 0},
		{"adaptive ignores future dates", PlanInput{Interval: time.Hour, Adaptive: true, RecentPosts: []time.Time{now.Add(48 * time.Hour), now.Add(50 * time.Hour), now.Add(-time.Hour)}}, time.Hour, "interval", false, 0},
		{"adaptive needs two dates", PlanInput{Interval: time.Hour, Adaptive: true, RecentPosts: hourly(1)}, time.Hour, "interval", false, 0},
		{"pinned ignores adaptive", PlanInput{Interval: 2 * time.Hour, Pinned: true, Adaptive: true, RecentPosts: hourly(5)}, 2 * time.Hour, "interval", false, 0},
		{"adaptive off", PlanInput{Interval: 2 * time.Hour, RecentPosts: hourly(5)}, 2 * time.Hour, "interval", false, 0},
		{"ttl raises", PlanInput{Interval: 30 * time.Minute, Hints: feeds.PollHints{TTL: 2 * time.Hour}}, 2 * time.Hour, "ttl", false, 0},
		{"ttl never lowers", PlanInput{Interval: 3 * time.Hour, Hints: feeds.PollHints{TTL: time.Hour}}, 3 * time.Hour, "interval", false, 0},
		{"ttl capped", PlanInput{Interval: time.Hour, Hints: feeds.PollHints{TTL: 30 * 24 * time.Hour}}, DefaultBackoffCap, "ttl", false, 0},
		{"sy:updatePeriod", PlanInput{Interval: time.Hour, Hints: feeds.PollHints{UpdateBase: 24 * time.Hour}}, 24 * time.Hour, "sy:updatePeriod", false, 0},
		{"cache-control", PlanInput{Interval: time.Hour, FreshUntil: now.Add(90 * time.Minute)}, 90 * time.Minute, "cache-control", false, 0},
		{"cache-control shorter than ours", PlanInput{Interval: time.Hour, FreshUntil: now.Add(time.Minute)}, time.Hour, "interval", false, 0},
		{"skipHours", PlanInput{Interval: time.Hour, Hints: feeds.PollHints{SkipHours: []int{11, 12, 13}}}, 4 * time.Hour, "skipHours", false, 0},
		{"skipHours wrap midnight", PlanInput{Interval: 14 * time.Hour, Hints: feeds.PollHints{SkipHours: []int{0, 1, 23}}}, 16 * time.Hour, "skipHours", false, 0},
		{"skipDays", PlanInput{Interval: 24 * time.Hour, Hints: feeds.PollHints{SkipDays: []string{"Tuesday"}}}, 38 * time.Hour, "skipDays", false, 0},
		{"skip every hour ignored", PlanInput{Interval: time.Hour, Hints: feeds.PollHints{SkipHours: allHours()}}, time.Hour, "interval", false, 0},
		{"backoff first", PlanInput{Interval: time.Hour, Failure: FailTemporary, ConsecutiveErrors: 1}, time.Hour, "backoff", false, 0},
		{"backoff fourth", PlanInput{Interval: time.Hour, Failure: FailTemporary, ConsecutiveErrors: 4}, 8 * time.Hour, "backoff", false, 0},
		{"backoff cap", PlanInput{Interval: time.Hour, Failure: FailChallenge, ConsecutiveErrors: 40}, DefaultBackoffCap, "backoff", false, 0},
		{"backoff cap with jitter", PlanInput{Interval: time.Hour, Failure: FailTemporary, ConsecutiveErrors: 40, Jitter: 1}, DefaultBackoffCap, "backoff", false, 0},
		{"backoff custom cap", PlanInput{Interval: time.Hour, Failure: FailTemporary, ConsecutiveErrors: 9, BackoffCap: 24 * time.Hour}, 24 * time.Hour, "backoff", false, 0},
		{"backoff never below a long interval", PlanInput{Interval: 14 * 24 * time.Hour, Failure: FailTemporary, ConsecutiveErrors: 3}, 14 * 24 * time.Hour, "backoff", false, 0},
		{"backoff first below a long interval", PlanInput{Interval: 14 * 24 * time.Hour, Failure: FailTemporary, ConsecutiveErrors: 1}, 14 * 24 * time.Hour, "backoff", false, 0},
		{"backoff custom cap below interval", PlanInput{Interval: 24 * time.Hour, Failure: FailChallenge, ConsecutiveErrors: 5, BackoffCap: time.Hour}, 24 * time.Hour, "backoff", false, 0},
		{"retry-after", PlanInput{Interval: time.Hour, Failure: FailRetryAfter, ConsecutiveErrors: 1, RetryAfter: now.Add(5 * time.Hour)}, 5 * time.Hour, "retry-after", false, 5 * time.Hour},
		{"retry-after shorter than backoff", PlanInput{Interval: time.Hour, Failure: FailRetryAfter, ConsecutiveErrors: 3, RetryAfter: now.Add(time.Minute)}, 4 * time.Hour, "backoff", false, time.Minute},
		{"retry-after capped", PlanInput{Interval: time.Hour, Failure: FailRetryAfter, RetryAfter: now.Add(30 * 24 * time.Hour)}, DefaultMaxRetryAfter, "retry-after", false, DefaultMaxRetryAfter},
		{"retry-after custom cap", PlanInput{Interval: time.Hour, Failure: FailRetryAfter, RetryAfter: now.Add(30 * time.Hour), MaxRetryAfter: 6 * time.Hour}, 6 * time.Hour, "retry-after", false, 6 * time.Hour},
		{"retry-after in the past", PlanInput{Interval: time.Hour, Failure: FailRetryAfter, RetryAfter: now.Add(-time.Hour)}, time.Hour, "backoff", false, 0},
		{"gone", PlanInput{Interval: time.Hour, Failure: FailGone}, DefaultBackoffCap, "gone", true, 0},
		{"gone with an interval above the cap", PlanInput{Interval: 30 * 24 * time.Hour, Failure: FailGone}, 30 * 24 * time.Hour, "gone", true, 0},
		{"404 briefly", PlanInput{Interval: time.Hour, Failure: FailNotFound, ConsecutiveErrors: 2, ErrorSince: now.Add(-time.Hour)}, 2 * time.Hour, "backoff", false, 0},
		{"404 for days", PlanInput{Interval: time.Hour, Failure: FailNotFound, ConsecutiveErrors: 9, ErrorSince: now.Add(-NotFoundGone)}, DefaultBackoffCap, "gone", true, 0},
		{"offline does not grow", PlanInput{Interval: time.Hour, Failure: FailOffline, ConsecutiveErrors: 9}, time.Hour, "offline", false, 0},
		{"internal does not grow", PlanInput{Interval: time.Hour, Failure: FailInternal, ConsecutiveErrors: 9}, time.Hour, "internal", false, 0},
		{"backoff lands in skipHours", PlanInput{Interval: time.Hour, Failure: FailTemporary, ConsecutiveErrors: 2, Hints: feeds.PollHints{SkipHours: []int{12}}}, 3 * time.Hour, "skipHours", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Now = now
			got := Plan(in)
			if want := now.Add(tt.wantNext); !got.Next.Equal(want) || got.Reason != tt.wantReason {
				t.Errorf("Plan: next %v (%v) %q, want %v (%v) %q", got.Next, got.Next.Sub(now), got.Reason, want, tt.wantNext, tt.wantReason)
			}
			if got.Gone != tt.wantGone {
				t.Errorf("Plan: gone %v, want %v", got.Gone, tt.wantGone)
			}
			var wantRetry time.Time
			if tt.wantRetry > 0 {
				wantRetry = now.Add(tt.wantRetry)
			}
			if !got.RetryAfter.Equal(wantRetry) {
				t.Errorf("Plan: retry-after %v, want %v", got.RetryAfter, wantRetry)
			}
		})
	}
}

func allHours() []int {
	h := make([]int, 24)
	for i := range h {
		h[i] = i
	}
	return h
}

// TestBackoffNeverSoonerThanHealthy checks that after any run of errors a
// feed is not polled sooner than it would be after a success, whatever its
// interval and backoff cap.
func TestBackoffNeverSoonerThanHealthy(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, interval := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour, 5 * 24 * time.Hour, 14 * 24 * time.Hour, 30 * 24 * time.Hour} {
		for _, limit := range []time.Duration{0, time.Hour, 24 * time.Hour} {
			healthy := Plan(PlanInput{Now: now, Interval: interval, BackoffCap: limit})
			for errs := 1; errs <= 12; errs++ {
				for _, f := range []Failure{FailTemporary, FailChallenge, FailNotFound} {
					in := PlanInput{Now: now, Interval: interval, BackoffCap: limit, Failure: f, ConsecutiveErrors: errs, ErrorSince: now}
					if got := Plan(in); got.Next.Before(healthy.Next) {
						t.Errorf("interval %v, cap %v, %d %q errors: next in %v (%s), a healthy feed waits %v",
							interval, limit, errs, f, got.Next.Sub(now), got.Reason, healthy.Next.Sub(now))
					}
				}
			}
		}
	}
}

// TestPlanNeverInSkipWindow checks over many start times that a planned
// check never lands inside skipHours or skipDays.
func TestPlanNeverInSkipWindow(t *testing.T) {
	hints := feeds.PollHints{SkipHours: []int{0, 1, 2, 3, 4, 5, 22, 23}, SkipDays: []string{"Saturday", "sunday"}}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for i := range 7 * 24 * 4 {
		now := start.Add(time.Duration(i) * 15 * time.Minute)
		for _, f := range []Failure{FailNone, FailTemporary, FailRetryAfter} {
			d := Plan(PlanInput{Now: now, Interval: 45 * time.Minute, Hints: hints, Failure: f, ConsecutiveErrors: i % 5, RetryAfter: now.Add(time.Hour)})
			u := d.Next.UTC()
			if u.Hour() <= 5 || u.Hour() >= 22 || u.Weekday() == time.Saturday || u.Weekday() == time.Sunday {
				t.Fatalf("Plan(now %v, %q) = %v (%s), inside the skip window", now, f, u, d.Reason)
			}
			if d.Next.Before(now) {
				t.Fatalf("Plan(now %v, %q) = %v, before now", now, f, d.Next)
			}
		}
	}
}

// FuzzPlan checks Plan's invariants on arbitrary input: the next check is
// never before now, never later than the longest wait Plan may choose plus
// a skip window, and always has a reason.
func FuzzPlan(f *testing.F) {
	f.Add(int64(0), int64(time.Hour), uint8(0), 3, int64(7200), int64(3600), uint32(0xFFF000), uint8(0x41), 0.3, true)
	f.Add(int64(1e18), int64(0), uint8(1), 40, int64(-5), int64(0), uint32(0), uint8(0), -1.0, false)
	f.Fuzz(func(t *testing.T, nowSec, interval int64, failure uint8, errs int, ttlSec, retrySec int64, skipHours uint32, skipDays uint8, jit float64, adaptive bool) {
		now := time.Unix(nowSec%(1<<33), 0).UTC()
		fails := []Failure{FailNone, FailRetryAfter, FailGone, FailNotFound, FailChallenge, FailTemporary, FailOffline, FailInternal}
		var hints feeds.PollHints
		for h := range 24 {
			if skipHours&(1<<h) != 0 {
				hints.SkipHours = append(hints.SkipHours, h)
			}
		}
		for d := range 7 {
			if skipDays&(1<<d) != 0 {
				hints.SkipDays = append(hints.SkipDays, time.Weekday(d).String())
			}
		}
		hints.TTL = time.Duration(ttlSec%(1<<31)) * time.Second
		in := PlanInput{
			Now: now, Interval: time.Duration(interval % int64(30*24*time.Hour)), Adaptive: adaptive,
			RecentPosts: []time.Time{now.Add(-time.Hour), now.Add(-time.Duration(ttlSec%1e6) * time.Second)},
			Hints:       hints, Failure: fails[int(failure)%len(fails)], ConsecutiveErrors: errs % 1000,
			ErrorSince: now.Add(-time.Duration(retrySec%1e7) * time.Second),
			RetryAfter: now.Add(time.Duration(retrySec%1e8) * time.Second), Jitter: jit,
		}
		d := Plan(in)
		longest := max(in.Interval, DefaultInterval, DefaultBackoffCap, DefaultMaxRetryAfter, SilentCeiling)*11/10 + 8*24*time.Hour
		if d.Next.Before(now) || d.Next.After(now.Add(longest)) || d.Reason == "" {
			t.Fatalf("Plan(%+v) = %+v: next outside [now, now+%v] or no reason", in, d, longest)
		}
	})
}
