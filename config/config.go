package config

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Defaults applied by Load and Parse when a key is absent (or null).
const (
	DefaultListen    = "127.0.0.1:8080"
	DefaultData      = "tidyfeed.db"
	DefaultInterval  = 30 * time.Minute
	DefaultTimeout   = 20 * time.Second
	DefaultMaxBody   = 10 * 1000 * 1000 // 10MB
	DefaultTitle     = "tidyfeed"
	DefaultMaxItems  = 200
	DefaultArchive   = 7 * 24 * time.Hour
	DefaultLogFormat = "text"
	DefaultLogLevel  = "info"

	DefaultConcurrency   = 8
	DefaultPerHost       = 1
	DefaultHostSpacing   = 2 * time.Second
	DefaultMaxRetryAfter = 48 * time.Hour
	DefaultBackoffCap    = 7 * 24 * time.Hour
)

// Config is a loaded and validated feeds.yaml. Every field is set: absent keys
// hold their defaults. A Config is a plain value; nothing in this package
// changes it after Load returns.
type Config struct {
	Path     string        // absolute path of the loaded file
	Listen   string        // host:port the output feeds are served on; default 127.0.0.1:8080
	Data     string        // absolute path of the bbolt file, resolved against the config's folder
	Interval time.Duration // default poll interval, 1m to 30d; default 30m
	Log      Log
	Fetch    Fetch
	Polling  Polling
	Output   Output
	Admin    Admin // where /metrics, /status and the health checks are served
	Keep     Keep  // global retention; each Feed.Keep falls back to it
	// Filters apply to every feed at ingest time; each Feed.Filters adds
	// its rules and may override the date rules.
	Filters Filters
	// Outputs are the named output feeds besides the default one.
	Outputs []NamedOutput
	Feeds   []Feed // in file order; may be empty
	// Warnings are problems that do not stop the configuration, with
	// their positions: a local feed file that does not exist (yet).
	Warnings Errors
}

// Log says how the daemon logs.
type Log struct {
	Format string // "text" (default) or "json"
	Level  string // "debug", "info" (default), "warn" or "error"
}

// Fetch holds the settings shared by every HTTP fetch.
type Fetch struct {
	Timeout              time.Duration // whole request, 1s to 10m; default 20s
	MaxBody              int64         // bytes, 1KB to 1GB; default 10MB (10,000,000)
	UserAgent            string        // "" means the fetcher's own default
	AllowPrivateNetworks bool          // permit loopback and private addresses
}

// Polling says how politely and how often feeds are polled.
type Polling struct {
	// Adaptive learns each feed's interval from its posting rate (feeds
	// with their own interval are pinned); default true.
	Adaptive bool
	// Concurrency bounds the polls in flight, 1 to 256; default 8.
	Concurrency int
	// PerHost bounds the polls in flight per host, 1 to 16; default 1.
	PerHost int
	// HostSpacing is the minimum gap between two requests to one host,
	// 0 (none) to 10m; default 2s.
	HostSpacing time.Duration
	// MaxRetryAfter caps how long a server's Retry-After is honoured,
	// 1m to 30d; default 2d.
	MaxRetryAfter time.Duration
	// BackoffCap caps the backoff after errors, 1m to 30d; default 1w.
	// Failing feeds keep being retried at the cap.
	BackoffCap time.Duration
}

// Output describes the merged feed tidyfeed publishes.
type Output struct {
	Title    string // default "tidyfeed"
	Link     string // absolute http(s) base URL for rel=self and ids; default "http://<listen>/"
	MaxItems int    // 1 to 100000; default 200
	// Dir, if set, is a folder (resolved against the config's folder)
	// every output is written to, atomically, on each change.
	Dir string
	// Hub is a WebSub hub URL announced with rel="hub" and pinged on
	// every change; "" means none.
	Hub string
	// Archive is the period of the RFC 5005 archive pages, 1h to 366d;
	// 0 (absent) means DefaultArchive, 7d.
	Archive time.Duration
}

// Feed is one source from the feeds list. Exactly one of URL and Path is set.
type Feed struct {
	URL  string // absolute http or https URL, as written
	Path string // absolute path of a local feed file
	Name string // "" means the feed's own title
	// Interval overrides Config.Interval for this feed; 0 means no override.
	Interval time.Duration
	Tags     []string
	Priority int       // higher wins when one story arrives from several feeds
	Dedupe   bool      // false opts out of cross-feed merging; default true
	Remove   []string  // CSS selectors removed from every entry
	Replace  []Replace // regexp replacements applied to entry HTML
	Disable  []string  // cleaning rule families switched off
	// Keep is this feed's retention; zero fields fall back to Config.Keep
	// (see Keep.Or).
	Keep Keep
	// Filters are this feed's filter rules (added to Config.Filters) and
	// date rules (overriding the global ones).
	Filters Filters
	// Line and Column are where this feed's entry starts in the file.
	Line, Column int
}

// Replace is one regular-expression substitution: Pattern is RE2 syntax (it
// is checked to compile) and With may use $1-style references.
type Replace struct {
	Pattern string
	With    string
}

// Load reads and validates the configuration file at path. It returns an
// Errors value listing every problem in the file, or a wrapped error from
// the file system if the file cannot be read (errors.Is(err,
// fs.ErrNotExist) works).
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return Parse(path, data)
}

// Parse validates data as the contents of the configuration file at path.
// path is used in messages and to resolve relative paths ("" means the
// working directory, and messages say "<config>"); the file itself is not
// read, but local feed files named in data are looked at: one that is a
// folder is a problem, one that does not exist a warning. When data has
// problems Parse returns a nil Config and an Errors value listing them all,
// sorted by position.
func Parse(path string, data []byte) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("parse config %s: %w", path, err)
	}
	d := &decoder{file: path, dir: filepath.Dir(abs)}
	if path == "" {
		// No file: relative paths resolve against the working directory
		// (which Abs returned) and Config.Path stays "".
		d.file, d.dir, abs = "<config>", abs, ""
	}
	cfg := d.decode(data)
	if len(d.errs) > 0 {
		sortErrors(d.errs)
		return nil, d.errs
	}
	cfg.Path = abs
	sortErrors(d.warns)
	cfg.Warnings = d.warns
	return cfg, nil
}
