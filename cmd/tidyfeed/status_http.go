package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/feeds/schedule"
	"github.com/tidyfeed/tidyfeed/storage"
)

// statusReport is the body of GET /api/status and what `tidyfeed status`
// prints: every configured feed in config order.
type statusReport struct {
	Time  time.Time    `json:"time"`
	Feeds []feedStatus `json:"feeds"`
}

// feedStatus is one feed's polling record as stored, with its name and, in
// the daemon, the scheduler's live view.
type feedStatus struct {
	Name  string          `json:"name"`
	URL   string          `json:"url,omitempty"`
	State feeds.FeedState `json:"state"`
	// HostPaused is the end of a Retry-After pause of the feed's host.
	HostPaused time.Time `json:"host_paused,omitzero"`
}

// refreshReport is the body of POST /refresh.
type refreshReport struct {
	Refreshed int             `json:"refreshed"`
	Skipped   []schedule.Skip `json:"skipped"`
}

// buildStatus lists the configured feeds with their stored states.
func buildStatus(ctx context.Context, cfg *config.Config, store *storage.Store, now time.Time) (statusReport, error) {
	states, err := store.States(ctx)
	if err != nil {
		return statusReport{}, fmt.Errorf("read feed states: %w", err)
	}
	byID := make(map[string]feeds.FeedState, len(states))
	for _, st := range states {
		byID[st.FeedID] = st
	}
	rep := statusReport{Time: now}
	for _, src := range cfg.Sources() {
		st, ok := byID[src.ID]
		if !ok {
			st = feeds.FeedState{FeedID: src.ID}
		}
		name := src.Name
		if name == "" {
			name = st.Title
		}
		if name == "" {
			name = displayLocation(src)
		}
		rep.Feeds = append(rep.Feeds, feedStatus{Name: name, URL: src.URL, State: st})
	}
	return rep, nil
}

// handleStatus registers GET /api/status and POST /refresh.
func (d *daemon) handleStatus(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/status", d.apiStatus)
	mux.HandleFunc("POST /refresh", d.refresh)
}

// apiStatus serves every feed's stored polling state, with the scheduler's
// next check (which is newer than the store's while a poll is in flight).
func (d *daemon) apiStatus(w http.ResponseWriter, r *http.Request) {
	_, rep, ok := d.liveStatus(w, r, time.Now())
	if !ok {
		return
	}
	writeJSON(w, rep)
}

// liveStatus builds the status report from the store and adds what only
// the running scheduler knows (host pauses). On failure it answers 500
// without internal details and reports false.
func (d *daemon) liveStatus(w http.ResponseWriter, r *http.Request, now time.Time) (*config.Config, statusReport, bool) {
	d.mu.Lock()
	cfg := d.cfg
	d.mu.Unlock()
	rep, err := buildStatus(r.Context(), cfg, d.store, now)
	if err != nil {
		d.logger.Warn("status", "error", err)
		http.Error(w, "cannot read feed states", http.StatusInternalServerError)
		return nil, rep, false
	}
	live := d.sched.Statuses()
	for i := range rep.Feeds {
		if s, ok := live[rep.Feeds[i].State.FeedID]; ok {
			rep.Feeds[i].HostPaused = s.HostPaused
		}
	}
	return cfg, rep, true
}

// refresh makes every feed due now, except those a server asked to wait
// (Retry-After, gone); the reply lists those and until when.
func (d *daemon) refresh(w http.ResponseWriter, r *http.Request) {
	skipped := d.sched.RefreshAll()
	rep := refreshReport{Refreshed: len(d.sched.Next()) - len(skipped), Skipped: skipped}
	if rep.Skipped == nil {
		rep.Skipped = []schedule.Skip{}
	}
	d.logger.Info("refresh requested", "feeds", rep.Refreshed, "skipped", len(skipped))
	writeJSON(w, rep)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// restoreHolds tells the scheduler what servers asked of each feed before
// the last restart (Retry-After, gone, skipHours), so that a refresh
// honours it too.
func (d *daemon) restoreHolds(ctx context.Context) error {
	states, err := d.store.States(ctx)
	if err != nil {
		return fmt.Errorf("read feed states: %w", err)
	}
	for _, st := range states {
		d.sched.Restore(st.FeedID, ingest.Outcome{State: st}.Result())
	}
	return nil
}

// urlHost returns the lower-cased host name of a URL, or the URL itself
// when it has none.
func urlHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return raw
	}
	return strings.ToLower(u.Hostname())
}
