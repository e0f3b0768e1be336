//go:build race

package parse

// raceEnabled stretches time limits in tests: the race detector slows
// parsing several times over.
const raceEnabled = true
