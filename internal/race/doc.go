// Package race tells tests whether the race detector is compiled in, so
// that a test can relax what the detector distorts (time limits,
// allocation counts) and still assert everything else.
package race
