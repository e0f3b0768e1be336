package schedule_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/schedule"
)

func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	poll := func(ctx context.Context, src feeds.Source) schedule.Result {
		fmt.Println("polled", src.ID)
		cancel() // one poll is enough for an example
		return schedule.Result{Next: time.Now().Add(time.Hour), Reason: "ttl"}
	}
	s := schedule.New(poll, schedule.Options{Logger: slog.New(slog.DiscardHandler)})
	src := feeds.Source{ID: "https://example.com/feed.xml", URL: "https://example.com/feed.xml"}
	// The stored next check (here: in 5ms) is honoured; sources without one
	// are spread over the first minute.
	s.SetSources([]feeds.Source{src}, map[string]time.Time{src.ID: time.Now().Add(5 * time.Millisecond)})
	if err := s.Run(ctx); err != nil { // returns once ctx ends and the poll has returned
		fmt.Println(err)
	}
	fmt.Println("next check in about an hour:", time.Until(s.Next()[src.ID]) > 59*time.Minute)
	// Output:
	// polled https://example.com/feed.xml
	// next check in about an hour: true
}

func ExampleFakeClock() {
	clock := schedule.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	minute := clock.After(time.Minute)
	clock.Advance(30 * time.Second)
	select {
	case <-minute:
		fmt.Println("fired early")
	default:
		fmt.Println("not yet at", clock.Now().Format(time.TimeOnly))
	}
	clock.Advance(30 * time.Second)
	fmt.Println("fired at", (<-minute).Format(time.TimeOnly))
	// Output:
	// not yet at 00:00:30
	// fired at 00:01:00
}
