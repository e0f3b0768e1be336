package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/internal/metrics"
	"github.com/tidyfeed/tidyfeed/storage"
)

// The operator's endpoints, served on admin.listen or, without one, next
// to the feeds on listen:
//
//	GET  /healthz     200 while the process serves HTTP (never behind auth)
//	GET  /readyz      200 once the store is open, the config loaded and the
//	                  scheduler running; 503 naming what is missing
//	GET  /metrics     Prometheus text format (internal/metrics)
//	GET  /status      HTML table of every feed's health
//	GET  /api/status  the same as JSON (tidyfeed status asks it)
//	POST /refresh     poll every feed now (tidyfeed poll asks it)
//	GET  /api/backup  a consistent copy of the database (tidyfeed backup)
//
// With admin.username and a password, every one but /healthz and /readyz
// requires HTTP basic auth.

// adminHandler routes the operator's endpoints.
func (d *daemon) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", d.healthz)
	mux.HandleFunc("GET /readyz", d.readyz)
	private := http.NewServeMux()
	private.Handle("GET /metrics", d.metrics.Handler())
	private.HandleFunc("GET /status", d.statusPage)
	private.HandleFunc("GET /api/backup", d.backup)
	d.handleStatus(private) // GET /api/status, POST /refresh
	mux.Handle("/", d.basicAuth(private))
	return mux
}

// basicAuth requires the configured admin credentials, if any. The
// credentials are read per request, so a config reload changes them.
func (d *daemon) basicAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		admin := d.cfg.Admin
		d.mu.Unlock()
		if admin.Username != "" && !credentialsMatch(r, admin) {
			w.Header().Set("WWW-Authenticate", `Basic realm="tidyfeed admin", charset="UTF-8"`)
			http.Error(w, "authorization required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// credentialsMatch compares in constant time.
func credentialsMatch(r *http.Request, admin config.Admin) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u := subtle.ConstantTimeCompare([]byte(user), []byte(admin.Username))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(admin.Password))
	return u&p == 1
}

// healthz answers while the process is alive and serving.
func (d *daemon) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 once the store is open, a config is loaded and the
// scheduler runs; otherwise 503 listing what is missing.
func (d *daemon) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var missing []string
	if d.store == nil {
		missing = append(missing, "store not open")
	}
	d.mu.Lock()
	loaded := d.cfg != nil
	d.mu.Unlock()
	if !loaded {
		missing = append(missing, "config not loaded")
	}
	if !d.running.Load() {
		missing = append(missing, "scheduler not running")
	}
	if len(missing) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		for _, m := range missing {
			w.Write([]byte(m + "\n"))
		}
		return
	}
	w.Write([]byte("ready\n"))
}

// backup streams a consistent copy of the database (see storage.Backup).
// A failure after the first byte can only cut the stream short; the
// client verifies what it received.
//
// The copy is first written to a temporary file beside the store, so the
// read transaction lasts as long as the disk takes, not as long as the
// client: a client that stops reading while holding it would stall every
// commit that grows the file, every read queued behind that commit, and
// the store's Close at shutdown. Sending then gives up on a client that
// takes no data for backupStall.
func (d *daemon) backup(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	dir := filepath.Dir(d.cfg.Data)
	d.mu.Unlock()
	f, err := os.CreateTemp(dir, ".tidyfeed-backup-*")
	if err != nil {
		d.logger.Warn("backup failed", "error", err)
		http.Error(w, "backup failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := d.store.Backup(r.Context(), f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		d.logger.Warn("backup failed", "bytes", n, "error", err)
		http.Error(w, "backup failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="tidyfeed-backup.db"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	sent, err := io.Copy(stallWriter{w: w, rc: http.NewResponseController(w)}, f)
	if err != nil {
		d.logger.Warn("backup not sent", "bytes", sent, "of", n, "remote", r.RemoteAddr, "error", err)
		return
	}
	d.logger.Info("backup sent", "bytes", sent, "remote", r.RemoteAddr)
}

// backupStall is how long a backup client may take no data before the
// daemon gives up on it.
const backupStall = 30 * time.Second

// stallWriter writes to an HTTP response, giving each write backupStall.
type stallWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (s stallWriter) Write(p []byte) (int, error) {
	if err := s.rc.SetWriteDeadline(time.Now().Add(backupStall)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return 0, err
	}
	return s.w.Write(p)
}

// newMetrics builds the daemon's metrics, reading feed states and store
// statistics at scrape time.
func newMetrics(store *storage.Store, logger *slog.Logger) *metrics.Metrics {
	ver, commit := buildVersion()
	return metrics.New(metrics.Options{
		States: store.States,
		Store: func(ctx context.Context) (metrics.StoreStats, error) {
			st, err := store.Stats(ctx)
			return metrics.StoreStats{FileBytes: st.FileSize, DataBytes: st.DataSize, FreePages: st.FreePages,
				Entries: st.Entries}, err
		},
		Version: ver,
		Commit:  commit,
		Logger:  logger,
	})
}

// observePoll counts one poll in the metrics.
func observePoll(m *metrics.Metrics, out ingest.Outcome) {
	dropped := map[string]int{"duplicate": out.Duplicates, "tombstoned": out.Tombstoned}
	m.ObservePoll(metrics.Poll{
		Feed:          out.Source.ID,
		Outcome:       string(out.Status),
		HTTPStatus:    out.State.LastStatus,
		Fetched:       out.Fetched,
		FetchDuration: out.FetchDuration,
		Bytes:         out.Bytes,
		New:           out.New,
		Updated:       out.Updated,
		Merged:        out.Merged,
		Dropped:       dropped,
	})
}

// retentionEvery is how often the daemon applies keep.
const retentionEvery = time.Hour

// keepPolicy maps each configured feed to its retention; feeds no longer
// configured keep everything (they are not published, and may come back).
func keepPolicy(cfg *config.Config) func(feedID string) storage.Keep {
	byID := make(map[string]storage.Keep, len(cfg.Feeds))
	for i, src := range cfg.Sources() {
		k := cfg.Feeds[i].Keep.Or(cfg.Keep)
		byID[src.ID] = storage.Keep{MaxAge: k.MaxAge, MaxItems: k.MaxItems}
	}
	return func(id string) storage.Keep { return byID[id] }
}

// retain applies retention at start and then every retentionEvery until
// ctx ends. Each pass works in small transactions, between polls.
func (d *daemon) retain(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		d.retainOnce(ctx)
		t.Reset(retentionEvery)
	}
}

// retainOnce prunes what the configured keep policies no longer keep. A
// pass that removed entries changed the outputs, so it asks for a sync:
// the static folder and the hub's subscribers must drop them too, even
// when no poll stores anything afterwards.
func (d *daemon) retainOnce(ctx context.Context) {
	d.mu.Lock()
	cfg := d.cfg
	d.mu.Unlock()
	start := time.Now()
	res, err := d.store.Prune(ctx, keepPolicy(cfg), 0)
	for id, n := range res.Deleted {
		d.metrics.ObservePruned(id, n)
	}
	if res.Total() > 0 {
		d.requestSync()
	}
	switch {
	case err != nil && ctx.Err() == nil:
		d.logger.Error("retention failed", "error", err)
	case res.Total() > 0 || res.Tombstones > 0:
		d.logger.Info("retention applied", "entries", res.Total(), "tombstones", res.Tombstones,
			"duration", time.Since(start).Round(time.Millisecond))
	}
}

// feedIDs lists the configured feeds' IDs.
func feedIDs(srcs []feeds.Source) []string {
	ids := make([]string, len(srcs))
	for i, s := range srcs {
		ids[i] = s.ID
	}
	return ids
}
