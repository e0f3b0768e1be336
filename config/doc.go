// Package config reads tidyfeed's feeds.yaml, the file users edit, into a
// validated Config, and watches it for edits.
//
// Load and Parse decode the YAML into a node tree and walk it by hand, so that
// every problem carries the file, line and column it comes from. Decoding is
// strict: unknown keys (with a "did you mean" suggestion), duplicate keys and
// values of the wrong type are errors, and so is anything that fails semantic
// validation (URLs, durations, sizes, duplicate feeds, regular expressions).
// All problems are reported at once, as an Errors value sorted by position;
// a Config is returned only when there are none.
//
// Watch watches the file's directory and hands each new valid Config to a
// callback, so the daemon can reload without restarting. A bad edit is
// reported through another callback and the old configuration stays in force.
//
// The package knows nothing about HTTP, feeds or bbolt: cmd/tidyfeed turns a
// Config into each stage's own Options. The only I/O it does is reading the
// configuration file, checking that local feed files exist, and watching the
// configuration's directory.
//
// # Caveats
//
//   - Relative paths (data, feed paths) are resolved against the folder of the
//     configuration file, not the working directory.
//   - The existence of local feed files is checked at load time only; a file
//     that appears later is only noticed on the next reload.
//   - Watch filters events by the file's base name. A configuration reached
//     through a symbolic link whose target changes elsewhere (as with
//     Kubernetes ConfigMaps) is not noticed; send on WatchOptions.Reload.
//   - YAML anchors and aliases are accepted; merge keys ("<<") are not.
package config
