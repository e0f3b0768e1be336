package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/storage"
)

// cmdStatus prints every feed's polling record: last attempt and success,
// last HTTP status, consecutive errors, next check and why, validators,
// moves and problems (gone, challenge, Retry-After). It reads the store;
// when a running daemon holds it, it asks the daemon (GET /api/status).
func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlags("status", "status [-config FILE] [-json]", stderr)
	asJSON := fs.Bool("json", false, "print the status as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		return err
	}
	rep, err := loadStatus(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printStatus(stdout, rep)
	return nil
}

// loadStatus reads the status from the store, or from the daemon holding it.
func loadStatus(ctx context.Context, cfg *config.Config) (statusReport, error) {
	now := time.Now()
	if _, err := os.Stat(cfg.Data); errors.Is(err, fs.ErrNotExist) {
		return buildStatusEmpty(cfg, now), nil // never polled
	}
	store, err := storage.Open(cfg.Data, storage.Options{ReadOnly: true, Timeout: 500 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if errors.Is(err, storage.ErrLocked) {
		return daemonStatus(ctx, cfg)
	}
	if err != nil {
		return statusReport{}, fmt.Errorf("open store %s: %w", cfg.Data, err)
	}
	defer store.Close()
	return buildStatus(ctx, cfg, store, now)
}

// buildStatusEmpty lists the configured feeds with no polling record.
func buildStatusEmpty(cfg *config.Config, now time.Time) statusReport {
	rep := statusReport{Time: now}
	for _, src := range cfg.Sources() {
		name := src.Name
		if name == "" {
			name = displayLocation(src)
		}
		rep.Feeds = append(rep.Feeds, feedStatus{Name: name, URL: src.URL, State: feeds.FeedState{FeedID: src.ID}})
	}
	return rep
}

// daemonStatus asks the daemon listening on cfg.Listen for the status.
func daemonStatus(ctx context.Context, cfg *config.Config) (statusReport, error) {
	var rep statusReport
	return rep, askDaemon(ctx, cfg, http.MethodGet, "/api/status", &rep)
}

// askDaemon sends a request to the daemon that holds cfg's store, on its
// admin address (else its listen address), and decodes its JSON reply into v.
func askDaemon(ctx context.Context, cfg *config.Config, method, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, u, err := daemonRequest(ctx, cfg, method, path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(v); err != nil {
		return fmt.Errorf("read daemon reply from %s: %w", u, err)
	}
	return nil
}

// daemonRequest sends a request to the daemon's admin endpoints (on
// admin.listen, else listen; with the admin credentials when configured)
// and returns a 200 response, whose body the caller closes, and the URL.
func daemonRequest(ctx context.Context, cfg *config.Config, method, path string) (*http.Response, string, error) {
	addr := cfg.Listen
	if cfg.Admin.Listen != "" {
		addr = cfg.Admin.Listen
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, "", fmt.Errorf("store %s is locked and address %q is unusable: %w", cfg.Data, addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	u := "http://" + net.JoinHostPort(host, port) + path
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, u, fmt.Errorf("ask daemon %s: %w", u, err)
	}
	if cfg.Admin.Username != "" {
		req.SetBasicAuth(cfg.Admin.Username, cfg.Admin.Password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, u, fmt.Errorf("store %s is locked by another process; ask daemon %s: %w", cfg.Data, u, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, u, fmt.Errorf("ask daemon %s: HTTP %d", u, resp.StatusCode)
	}
	return resp, u, nil
}

// printStatus writes one block per feed.
func printStatus(w io.Writer, rep statusReport) {
	now := rep.Time
	var problems int
	for i, f := range rep.Feeds {
		st := f.State
		if i > 0 {
			fmt.Fprintln(w)
		}
		loc := f.URL
		if loc == "" {
			loc = st.FeedID
		}
		fmt.Fprintf(w, "%s  %s\n", f.Name, loc)
		if st.LastAttempt.IsZero() {
			fmt.Fprintf(w, "  never polled\n")
			continue
		}
		row := func(k, v string) { fmt.Fprintf(w, "  %-14s %s\n", k, v) }
		row("last attempt", when(st.LastAttempt, now))
		row("last success", when(st.LastSuccess, now))
		row("last status", httpStatus(st.LastStatus))
		errs := fmt.Sprint(st.ConsecutiveErrors)
		if st.ConsecutiveErrors > 0 {
			errs += " since " + when(st.ErrorSince, now)
		}
		row("errors", errs)
		next := when(st.NextCheck, now)
		if st.NextReason != "" {
			next += " (" + st.NextReason + ")"
		}
		row("next check", next)
		row("validators", validators(st))
		if s := droppedSummary(st); s != "" {
			row("held back", s+" (in the last document)")
		}
		if st.MovedTo != "" {
			if st.MoveFollowed.IsZero() {
				row("moved", fmt.Sprintf("permanently to %s, seen on %d poll(s) since %s; followed after 3 polls over a day", st.MovedTo, st.MovedSeen, when(st.MovedSince, now)))
			} else {
				row("moved", fmt.Sprintf("permanently to %s, polled there since %s", st.MovedTo, when(st.MoveFollowed, now)))
				row("suggest", fmt.Sprintf("edit feeds.yaml: url: %s", st.MovedTo))
			}
		}
		if p := problem(f, now); p != "" {
			problems++
			row("PROBLEM", p)
		}
		if st.LastError != "" {
			row("last error", st.LastError)
		}
	}
	fmt.Fprintf(w, "\n%d feeds, %d with problems\n", len(rep.Feeds), problems)
}

// problem names what needs the user's attention, or "".
func problem(f feedStatus, now time.Time) string {
	st := f.State
	switch {
	case !st.Gone.IsZero():
		return fmt.Sprintf("GONE since %s (HTTP %d); only probed weekly; remove or fix it in feeds.yaml", when(st.Gone, now), st.LastStatus)
	case st.ErrorKind == "challenge":
		return "challenged: the server answers with a bot-challenge page instead of the feed"
	case st.RetryAfter.After(now):
		return "server asked to wait (Retry-After) until " + when(st.RetryAfter, now)
	case f.HostPaused.After(now):
		return "host paused (several of its feeds sent Retry-After) until " + when(f.HostPaused, now)
	case st.ErrorKind == "not-found":
		return fmt.Sprintf("not found (404) since %s; marked gone after 3 days", when(st.ErrorSince, now))
	case st.ConsecutiveErrors > 0:
		return fmt.Sprintf("%d failed polls in a row (%s)", st.ConsecutiveErrors, st.ErrorKind)
	}
	return ""
}

// when formats t with a relative hint, or "never".
func when(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := t.Sub(now).Round(time.Second)
	rel := "now"
	switch {
	case d > 0:
		rel = "in " + short(d)
	case d < 0:
		rel = short(-d) + " ago"
	}
	return t.Local().Format("2006-01-02 15:04:05") + " (" + rel + ")"
}

// short formats a duration compactly: 45s, 12m, 3h20m, 2d4h.
func short(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		if m := int(d.Minutes()) % 60; m != 0 {
			return fmt.Sprintf("%dh%dm", int(d.Hours()), m)
		}
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}

func httpStatus(code int) string {
	if code == 0 {
		return "none (no HTTP response)"
	}
	return fmt.Sprintf("%d %s", code, http.StatusText(code))
}

func validators(st feeds.FeedState) string {
	var parts []string
	if st.ETag != "" {
		parts = append(parts, "ETag "+st.ETag)
	}
	if st.LastModified != "" {
		parts = append(parts, "Last-Modified "+st.LastModified)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
