package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// waitFor is how long a watch test waits for a callback before failing.
const waitFor = 5 * time.Second

// watchHarness runs Watch on a config file in a temporary folder and turns
// its callbacks into channels.
type watchHarness struct {
	path    string
	changes chan *Config
	errs    chan error
	reload  chan struct{}
	done    chan error // Watch's return value
	cancel  context.CancelFunc
}

// startWatch writes initial to a new feeds.yaml, starts Watch on it and
// returns once Watch is ready (it has answered a forced reload).
func startWatch(t *testing.T, initial string, debounce time.Duration) *watchHarness {
	t.Helper()
	h := &watchHarness{
		path:    filepath.Join(t.TempDir(), "feeds.yaml"),
		changes: make(chan *Config, 10),
		errs:    make(chan error, 10),
		reload:  make(chan struct{}),
		done:    make(chan error, 1),
	}
	if err := writeFile(h.path, initial); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	h.cancel = cancel
	opts := WatchOptions{
		OnChange: func(c *Config) { h.changes <- c },
		OnError:  func(err error) { h.errs <- err },
		Debounce: debounce,
		Reload:   h.reload,
	}
	go func() { h.done <- Watch(ctx, h.path, opts) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-h.done:
			if err != nil {
				t.Errorf("Watch returned %v after cancel, want nil", err)
			}
		case <-time.After(waitFor):
			t.Errorf("Watch did not return within %v of cancel", waitFor)
		}
	})
	// The unbuffered send completes only once Watch's loop runs, i.e. after
	// the folder watch is in place.
	h.forceReload(t)
	if c := h.nextChange(t); c.Listen != listenOf(t, initial) {
		t.Fatalf("initial forced reload: got listen %q", c.Listen)
	}
	return h
}

func (h *watchHarness) forceReload(t *testing.T) {
	t.Helper()
	select {
	case h.reload <- struct{}{}:
	case err := <-h.done:
		t.Fatalf("Watch returned early: %v", err)
	case <-time.After(waitFor):
		t.Fatalf("Watch did not take a reload within %v", waitFor)
	}
}

func (h *watchHarness) nextChange(t *testing.T) *Config {
	t.Helper()
	select {
	case c := <-h.changes:
		return c
	case err := <-h.errs:
		t.Fatalf("got OnError(%v), want OnChange", err)
	case err := <-h.done:
		t.Fatalf("Watch returned early: %v", err)
	case <-time.After(waitFor):
		t.Fatalf("no OnChange within %v", waitFor)
	}
	return nil
}

func (h *watchHarness) nextError(t *testing.T) error {
	t.Helper()
	select {
	case err := <-h.errs:
		return err
	case c := <-h.changes:
		t.Fatalf("got OnChange(listen %q), want OnError", c.Listen)
	case err := <-h.done:
		t.Fatalf("Watch returned early: %v", err)
	case <-time.After(waitFor):
		t.Fatalf("no OnError within %v", waitFor)
	}
	return nil
}

// listenOf parses doc and returns its listen address.
func listenOf(t *testing.T, doc string) string {
	t.Helper()
	c, err := Parse("feeds.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("test document does not parse: %v", err)
	}
	return c.Listen
}

func doc(listen string) string { return "listen: \"" + listen + "\"\n" }

func TestWatchEdits(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, path, content string)
	}{
		{"rename over", func(t *testing.T, path, content string) {
			tmp := filepath.Join(filepath.Dir(path), ".feeds.yaml.swp")
			if err := writeFile(tmp, content); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		}},
		{"write in place", func(t *testing.T, path, content string) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString(content); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}},
		{"remove and create", func(t *testing.T, path, content string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := writeFile(path, content); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startWatch(t, doc("127.0.0.1:8080"), 0)
			for _, listen := range []string{"127.0.0.1:8081", "127.0.0.1:8082"} {
				start := time.Now()
				tt.edit(t, h.path, doc(listen))
				c := h.nextChange(t)
				if c.Listen != listen {
					t.Errorf("OnChange: got listen %q, want %q", c.Listen, listen)
				}
				if c.Path != h.path {
					t.Errorf("OnChange: got path %q, want %q", c.Path, h.path)
				}
				t.Logf("edit noticed after %v", time.Since(start).Round(time.Millisecond))
			}
		})
	}
}

func TestWatchInvalidEditKeepsOldConfig(t *testing.T) {
	h := startWatch(t, doc("127.0.0.1:8080"), 0)

	if err := writeFile(h.path, "listen: \"127.0.0.1:8081\"\nintervall: 10m\n"); err != nil {
		t.Fatal(err)
	}
	err := h.nextError(t)
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line != 2 || errs[0].Column != 1 {
		t.Fatalf("OnError: got %v, want one config error at 2:1", err)
	}

	// A valid edit after the broken one is picked up; nextChange fails if
	// anything else (a second OnError, a stale OnChange) arrives first.
	if err := writeFile(h.path, doc("127.0.0.1:8083")); err != nil {
		t.Fatal(err)
	}
	if c := h.nextChange(t); c.Listen != "127.0.0.1:8083" {
		t.Errorf("OnChange after fix: got listen %q, want 127.0.0.1:8083", c.Listen)
	}
}

func TestWatchReloadChannel(t *testing.T) {
	// With a debounce this long, only a forced reload can see the edit
	// within the test's timeout.
	h := startWatch(t, doc("127.0.0.1:8080"), time.Hour)
	if err := writeFile(h.path, doc("127.0.0.1:8090")); err != nil {
		t.Fatal(err)
	}
	h.forceReload(t)
	if c := h.nextChange(t); c.Listen != "127.0.0.1:8090" {
		t.Errorf("OnChange after reload: got listen %q, want 127.0.0.1:8090", c.Listen)
	}

	// A forced reload of a broken file reports it every time.
	if err := writeFile(h.path, "listen: [\n"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		h.forceReload(t)
		var errs Errors
		if err := h.nextError(t); !errors.As(err, &errs) {
			t.Errorf("OnError after reload: got %v, want config.Errors", err)
		}
	}
}

// TestWatcherReload drives the reload decision directly, without fsnotify,
// so that each step's callbacks are known exactly.
func TestWatcherReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feeds.yaml")
	var got []string // "change <listen>" or "error"
	wt := &watcher{path: path, last: []byte(doc("127.0.0.1:8080")), opts: WatchOptions{
		OnChange: func(c *Config) { got = append(got, "change "+c.Listen) },
		OnError:  func(error) { got = append(got, "error") },
	}}
	steps := []struct {
		name    string
		content string // "-" removes the file
		forced  bool
		want    string // "" means no callback
	}{
		{"unchanged", doc("127.0.0.1:8080"), false, ""},
		{"changed", doc("127.0.0.1:8081"), false, "change 127.0.0.1:8081"},
		{"empty mid-save", "", false, ""},
		{"broken", "listen: [\n", false, "error"},
		{"same breakage again", "listen: [\n", false, ""},
		{"same breakage forced", "listen: [\n", true, "error"},
		{"other breakage", "listen: {\n", false, "error"},
		{"reverted to the config in force", doc("127.0.0.1:8081"), false, ""},
		{"broken again after revert", "listen: {\n", false, "error"},
		{"removed", "-", false, "error"},
		{"still removed", "-", false, ""},
		{"fixed", doc("127.0.0.1:8082"), false, "change 127.0.0.1:8082"},
		{"forced, unchanged", doc("127.0.0.1:8082"), true, "change 127.0.0.1:8082"},
		{"empty, forced", "", true, "change 127.0.0.1:8080"},
	}
	for _, st := range steps {
		if st.content == "-" {
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		} else if err := writeFile(path, st.content); err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		wt.reload(st.forced)
		var want []string
		if st.want != "" {
			want = []string{st.want}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got callbacks %q, want %q", st.name, got, want)
		}
	}
}

func TestWatchFolderRemoved(t *testing.T) {
	h := startWatch(t, doc("127.0.0.1:8080"), 0)
	if err := os.RemoveAll(filepath.Dir(h.path)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-h.done:
		if err == nil {
			t.Error("Watch returned nil after its folder was removed, want an error")
		}
		h.done <- nil // for the cleanup, which expects a return value
	case <-time.After(waitFor):
		t.Fatalf("Watch still running %v after its folder was removed", waitFor)
	}
}

func TestWatchMissingFolder(t *testing.T) {
	err := Watch(t.Context(), filepath.Join(t.TempDir(), "nope", "feeds.yaml"), WatchOptions{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Watch(missing folder): got %v, want an error matching fs.ErrNotExist", err)
	}
}

// TestWatchEditBeforeStart: a file edited between the caller's Load and
// Watch's start is reloaded at once when the caller passes what it loaded,
// and a file left alone is not.
func TestWatchEditBeforeStart(t *testing.T) {
	for _, tt := range []struct {
		name   string
		edited bool
	}{{"edited", true}, {"untouched", false}} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "feeds.yaml")
			loaded := doc("127.0.0.1:9001")
			if err := writeFile(path, loaded); err != nil {
				t.Fatal(err)
			}
			if tt.edited {
				if err := writeFile(path, doc("127.0.0.1:9002")); err != nil {
					t.Fatal(err)
				}
			}
			changes := make(chan *Config, 1)
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() {
				done <- Watch(ctx, path, WatchOptions{Loaded: []byte(loaded), Debounce: 10 * time.Millisecond,
					OnChange: func(c *Config) { changes <- c }})
			}()
			select {
			case c := <-changes:
				if !tt.edited || c.Listen != "127.0.0.1:9002" {
					t.Errorf("OnChange(listen %q) for a file edited: %v", c.Listen, tt.edited)
				}
			case <-time.After(time.Second):
				if tt.edited {
					t.Error("the edit made before Watch started was not reloaded")
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Watch: %v", err)
			}
		})
	}
}
