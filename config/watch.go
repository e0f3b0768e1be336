package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchOptions configures Watch. The zero value watches without telling
// anyone about changes, which is only useful in tests.
type WatchOptions struct {
	// OnChange is called with each new valid configuration whose file bytes
	// differ from the last valid one (the file as it was when Watch started
	// counts as the first). nil means no call.
	OnChange func(*Config)
	// OnError is called when the file changed but does not load: usually an
	// Errors value, or a wrapped fs.ErrNotExist while an editor replaces the
	// file. The last valid configuration stays in force. The same broken
	// content is reported once, until it changes. nil means no call.
	OnError func(error)
	// Debounce is how long the file must stay quiet after an event before it
	// is reloaded; 0 means 200ms.
	Debounce time.Duration
	// Loaded, if not nil, is the file's contents as the caller loaded them
	// before starting Watch. A file that no longer holds them when Watch
	// starts was edited in between (while a daemon opened its store, say),
	// and is reloaded at once rather than at the next edit. nil takes the
	// file as Watch finds it for the one the caller loaded.
	Loaded []byte
	// Reload, if not nil, forces a reload on each receive (cmd/tidyfeed sends
	// on SIGHUP). A forced reload calls OnChange even when the bytes are
	// unchanged (local feed files may have appeared), and OnError for every
	// failure. A closed Reload channel is ignored from then on.
	Reload <-chan struct{}
}

// defaultDebounce is WatchOptions.Debounce's zero value.
const defaultDebounce = 200 * time.Millisecond

// Watch watches the configuration file at path until ctx ends, reloading it
// after every change and reporting through opts. It watches the file's
// folder, not the file, so that editors that save by writing a new file and
// renaming it over the old one are noticed; in-place writes, creation and
// chmod are noticed too. Events for other files in the folder are ignored.
//
// An empty file is skipped rather than loaded (it is what an in-place save
// looks like between truncating and writing), unless the reload is forced.
// Watch does not call OnChange for the file as it is when Watch starts:
// callers Load it first (and pass what they loaded as Loaded). The
// callbacks run on Watch's goroutine, one at a time, so a slow callback
// delays the next reload but never runs concurrently with itself.
//
// Watch returns nil when ctx ends, and an error when the folder cannot be
// watched or stops being watchable (it was removed or renamed).
func Watch(ctx context.Context, path string, opts WatchOptions) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("watch config %s: %w", path, err)
	}
	dir := filepath.Dir(abs)
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch config %s: %w", path, err)
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("watch config folder %s: %w", dir, err)
	}
	wt := &watcher{path: path, opts: opts}
	if wt.opts.Debounce <= 0 {
		wt.opts.Debounce = defaultDebounce
	}
	// Read the baseline after the watch is in place, so no edit falls
	// between the two.
	wt.last, _ = os.ReadFile(path)

	timer := time.NewTimer(0)
	if !timer.Stop() {
		<-timer.C
	}
	defer timer.Stop()
	if opts.Loaded != nil && !bytes.Equal(wt.last, opts.Loaded) {
		wt.last = opts.Loaded
		timer.Reset(wt.opts.Debounce)
	}
	reload := opts.Reload
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return fmt.Errorf("watch config folder %s: watcher closed", dir)
			}
			if ev.Name == dir && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				return fmt.Errorf("watch config folder %s: folder was removed or renamed", dir)
			}
			if filepath.Clean(ev.Name) == abs {
				timer.Reset(wt.opts.Debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return fmt.Errorf("watch config folder %s: watcher closed", dir)
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				timer.Reset(wt.opts.Debounce) // events were lost: look anyway
				continue
			}
			return fmt.Errorf("watch config folder %s: %w", dir, err)
		case <-timer.C:
			if _, err := os.Stat(dir); err != nil {
				return fmt.Errorf("watch config folder %s: %w", dir, err)
			}
			wt.reload(false)
		case _, ok := <-reload:
			if !ok {
				reload = nil // a nil channel blocks forever
				continue
			}
			wt.reload(true)
		}
	}
}

// watcher holds what Watch remembers between reloads.
type watcher struct {
	path   string
	opts   WatchOptions
	last   []byte // bytes of the configuration in force
	failed bool   // the last reload failed ...
	bad    []byte // ... on these bytes (nil when the file could not be read)
}

// reload reads and parses the file and calls the right callback.
func (wt *watcher) reload(forced bool) {
	data, err := os.ReadFile(wt.path)
	if err != nil {
		wt.fail(fmt.Errorf("reload config: %w", err), nil, forced)
		return
	}
	if !forced && len(data) == 0 {
		return // an in-place save between truncate and write: wait for more
	}
	if !forced && bytes.Equal(data, wt.last) {
		wt.failed = false // back to the configuration in force
		return
	}
	cfg, err := Parse(wt.path, data)
	if err != nil {
		wt.fail(err, data, forced)
		return
	}
	wt.last, wt.failed, wt.bad = data, false, nil
	if wt.opts.OnChange != nil {
		wt.opts.OnChange(cfg)
	}
}

func (wt *watcher) fail(err error, data []byte, forced bool) {
	if !forced && wt.failed && bytes.Equal(data, wt.bad) {
		return
	}
	wt.failed, wt.bad = true, data
	if wt.opts.OnError != nil {
		wt.opts.OnError(err)
	}
}
