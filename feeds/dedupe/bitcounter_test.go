package dedupe

import (
	"math/rand/v2"
	"testing"
)

// TestBitCounter: the lane counter agrees with counting bit by bit, across
// the 255-value flushes.
func TestBitCounter(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 254, 255, 256, 1000, 5000} {
		var c bitCounter
		var want [64]int32
		for range n {
			x := r.Uint64()
			if r.IntN(4) == 0 {
				x = ^uint64(0) // all ones, the worst case for a byte lane
			}
			c.add(x)
			for b := range 64 {
				want[b] += int32(x >> b & 1)
			}
		}
		if got := c.counts(); got != want {
			t.Fatalf("%d values: counts %v; want %v", n, got, want)
		}
	}
}
