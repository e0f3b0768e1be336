//go:build !race

package dedupe_test

// raceEnabled reports that the race detector slows this test binary.
const raceEnabled = false
