package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/feeds/publish"
	"github.com/tidyfeed/tidyfeed/feeds/schedule"
	"github.com/tidyfeed/tidyfeed/internal/metrics"
	"github.com/tidyfeed/tidyfeed/storage"
)

// shutdownGrace bounds how long in-flight requests may take after a signal.
const shutdownGrace = 10 * time.Second

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlags("run", "run [-config FILE]", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// Caught from the start: SIGHUP's default action ends the process, and
	// a reload asked for while the store opens (systemd's ExecReload during
	// a slow start) is carried out once the daemon runs.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	// Read once, so that Watch can tell an edit made while the store opens.
	loaded, err := os.ReadFile(*configPath)
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	cfg, err := config.Parse(*configPath, loaded)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // after the first signal, a second one kills the process

	logger := newLogger(stderr, cfg.Log)
	autoCompact(ctx, cfg.Data, logger)
	store, err := storage.Open(cfg.Data, storage.Options{Logger: logger})
	if err != nil {
		return fmt.Errorf("open store %s: %w", cfg.Data, err)
	}
	defer store.Close() // runs after every goroutine below has returned

	d := &daemon{store: store, cleaner: clean.New(clean.Options{}), logger: logger, metrics: newMetrics(store, logger),
		syncReq: make(chan struct{}, 1)}
	if err := d.apply(ctx, cfg); err != nil {
		return err
	}
	// Static files and hub pings for what is already stored, by syncLoop:
	// a slow hub must not keep the daemon from serving.
	d.requestSync()
	listener, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{Handler: d.handler(), ReadHeaderTimeout: 10 * time.Second}
	servers := []*http.Server{srv}
	listeners := []net.Listener{listener}
	if cfg.Admin.Listen != "" {
		al, err := net.Listen("tcp", cfg.Admin.Listen)
		if err != nil {
			listener.Close()
			return fmt.Errorf("listen on %s (admin): %w", cfg.Admin.Listen, err)
		}
		servers = append(servers, &http.Server{Handler: d.adminHandler(), ReadHeaderTimeout: 10 * time.Second})
		listeners = append(listeners, al)
		logger.Info("admin endpoints", "listen", al.Addr().String(), "auth", cfg.Admin.Username != "")
	}
	logger.Info("tidyfeed started", "listen", listener.Addr().String(), "feeds", len(cfg.Feeds), "config", cfg.Path)

	reload := make(chan struct{}, 1)

	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { // returns after in-flight polls finish
		d.running.Store(true)
		defer d.running.Store(false)
		return d.sched.Run(ctx)
	})
	g.Go(func() error { return d.retain(ctx) })
	g.Go(func() error { d.syncLoop(ctx); return nil })
	for i, srv := range servers {
		g.Go(func() error {
			if err := srv.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serve %s: %w", listeners[i].Addr(), err)
			}
			return nil
		})
		g.Go(func() error {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
			defer cancel()
			return srv.Shutdown(sctx)
		})
	}
	g.Go(func() error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-hup:
				logger.Info("reload requested", "signal", "SIGHUP")
				select {
				case reload <- struct{}{}:
				default:
				}
			}
		}
	})
	g.Go(func() error {
		err := config.Watch(ctx, cfg.Path, config.WatchOptions{
			Reload: reload,
			Loaded: loaded,
			OnChange: func(next *config.Config) {
				if err := d.apply(ctx, next); err != nil {
					logger.Error("config reload failed", "error", err)
					return
				}
				d.requestSync()
			},
			OnError: func(err error) {
				logger.Warn("config edit rejected, keeping the last good config", "error", err)
			},
		})
		if err != nil && ctx.Err() == nil {
			logger.Error("config watch stopped; edits need a restart or SIGHUP", "error", err)
		}
		return nil
	})
	err = g.Wait()
	select { // polls that finished during shutdown
	case <-d.syncReq:
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		d.syncOutputs(sctx)
		cancel()
	default:
	}
	logger.Info("tidyfeed stopped")
	return err
}

// daemon holds what a config reload replaces. The store and the cleaner
// live as long as the process.
type daemon struct {
	store   *storage.Store
	cleaner *clean.Cleaner
	logger  *slog.Logger
	metrics *metrics.Metrics
	running atomic.Bool // the scheduler runs (for /readyz)

	mu          sync.Mutex // serialises apply and guards the fields below but ingester and syncReq
	cfg         *config.Config
	sched       *schedule.Scheduler
	publisher   *publish.Publisher
	pubOpts     publish.Options               // the publisher's options as last set (see setPubOpts)
	sourceIndex map[string]int                // pubOpts.Sources by ID
	learned     map[string]publish.SourceInfo // noted by learnSource, not yet applied
	sources     map[string]feeds.Source       // the config's sources by ID
	ingester    atomic.Pointer[ingest.Ingester]
	fetcher     *fetch.Fetcher // shared by the ingesters while the fetch settings stay
	syncReq     chan struct{}  // a change to write and ping (see syncLoop)
}

// apply puts a validated config into force: the first call builds the
// scheduler and publisher, later calls update them in place.
func (d *daemon) apply(ctx context.Context, cfg *config.Config) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cfg != nil {
		if cfg.Listen != d.cfg.Listen || cfg.Data != d.cfg.Data || cfg.Admin.Listen != d.cfg.Admin.Listen {
			d.logger.Warn("listen and data take effect at the next restart", "listen", d.cfg.Listen, "data", d.cfg.Data)
		}
		if !reflect.DeepEqual(cfg.Log, d.cfg.Log) {
			d.logger.Warn("log settings take effect at the next restart")
		}
		if p, q := cfg.Polling, d.cfg.Polling; p.Concurrency != q.Concurrency || p.PerHost != q.PerHost || p.HostSpacing != q.HostSpacing {
			d.logger.Warn("polling concurrency, per_host and host_spacing take effect at the next restart")
		}
	}
	for _, w := range cfg.Warnings {
		d.logger.Warn("config warning", "problem", w.Error())
	}
	d.metrics.SetFeeds(feedIDs(cfg.Sources()))
	if d.fetcher == nil || d.cfg == nil || cfg.Fetch != d.cfg.Fetch {
		// A new fetcher for new settings; the old one's idle keep-alive
		// connections would otherwise linger until they time out.
		if d.fetcher != nil {
			d.fetcher.CloseIdleConnections()
		}
		d.fetcher = fetch.New(fetchOptions(cfg, d.logger))
	}
	d.ingester.Store(newIngester(cfg, d.fetcher, d.store, d.cleaner, d.logger, func(out ingest.Outcome) { observePoll(d.metrics, out) }))
	pubOpts, err := publishOptions(ctx, cfg, d.store)
	if err != nil {
		return err
	}
	d.setPubOpts(pubOpts)
	if d.publisher == nil {
		d.publisher = publish.New(d.store, pubOpts)
		d.sched = schedule.New(d.poll, scheduleOptions(cfg, d.logger))
	} else {
		d.publisher.SetOptions(pubOpts)
	}
	srcs := cfg.Sources()
	byID := srcsByID(srcs)
	due, err := d.dueTimes(ctx, byID)
	if err != nil {
		return err
	}
	d.sources = byID
	d.sched.SetSources(srcs, due)
	if err := d.restoreHolds(ctx); err != nil {
		return err
	}
	if d.cfg != nil {
		d.logger.Info("config reloaded", "feeds", len(srcs))
	}
	d.cfg = cfg
	return nil
}

// dueTimes reads the stored next-check time of every known feed, so a
// restart does not poll everything at once. A check that waited only for
// the feed's pace comes no later than its configured interval from now:
// the interval may have been shortened while the daemon was stopped.
func (d *daemon) dueTimes(ctx context.Context, srcs map[string]feeds.Source) (map[string]time.Time, error) {
	states, err := d.store.States(ctx)
	if err != nil {
		return nil, fmt.Errorf("read feed states: %w", err)
	}
	now := time.Now()
	due := make(map[string]time.Time, len(states))
	for _, st := range states {
		if st.NextCheck.IsZero() {
			continue
		}
		due[st.FeedID] = st.NextCheck
		if iv := srcs[st.FeedID].Interval; iv > 0 && (st.NextReason == "interval" || st.NextReason == "adaptive") &&
			st.NextCheck.After(now.Add(iv)) {
			due[st.FeedID] = now.Add(iv)
		}
	}
	return due, nil
}

// srcsByID indexes sources by ID.
func srcsByID(srcs []feeds.Source) map[string]feeds.Source {
	m := make(map[string]feeds.Source, len(srcs))
	for _, src := range srcs {
		m[src.ID] = src
	}
	return m
}

// poll is the scheduler's PollFunc: one ingest, then the plan for the next.
func (d *daemon) poll(ctx context.Context, src feeds.Source) schedule.Result {
	out := d.ingester.Load().Ingest(ctx, src)
	if out.Status == ingest.StatusNew || out.Status == ingest.StatusUpdated {
		d.learnSource(src.ID, out.State)
	}
	if out.Status == ingest.StatusNew || out.Status == ingest.StatusUpdated || out.Recleaned > 0 {
		d.requestSync() // the outputs changed: the static folder and the hub should follow
	}
	return out.Result()
}

// learnSource notes what a poll learned of a feed that the outputs show:
// its title (the feed's name when feeds.yaml gives none) and its site
// link, when they differ from what the publisher has. applyLearned hands
// the publisher all that was noted at once: setting options costs about
// 3 ms with 10,000 sources, so not once per poll (rebuilding them from
// every feed's stored state would take 120 ms).
func (d *daemon) learnSource(id string, st feeds.FeedState) {
	d.mu.Lock()
	defer d.mu.Unlock()
	src, ok := d.sources[id]
	i, known := d.sourceIndex[id]
	if !ok || !known {
		return // removed from the config while it was polled
	}
	want := sourceInfo(src, st)
	if cur := d.pubOpts.Sources[i]; cur.Name == want.Name && cur.SiteURL == want.SiteURL {
		delete(d.learned, id)
		return
	}
	d.learned[id] = want
}

// applyLearned sets the publisher's options with the sources learnSource
// noted since the last call, if any.
func (d *daemon) applyLearned() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.learned) == 0 {
		return
	}
	opts := d.pubOpts
	opts.Sources = slices.Clone(opts.Sources) // the publisher keeps the old slice
	for id, s := range d.learned {
		i := d.sourceIndex[id]
		opts.Sources[i].Name, opts.Sources[i].SiteURL = s.Name, s.SiteURL
	}
	clear(d.learned)
	d.pubOpts = opts
	d.publisher.SetOptions(opts)
}

// setPubOpts records the options just given to the publisher and forgets
// what learnSource noted against the previous ones. The caller holds mu.
func (d *daemon) setPubOpts(opts publish.Options) {
	d.pubOpts = opts
	d.sourceIndex = make(map[string]int, len(opts.Sources))
	for i, s := range opts.Sources {
		d.sourceIndex[s.ID] = i
	}
	d.learned = map[string]publish.SourceInfo{}
}

// handler routes the public HTTP interface.
func (d *daemon) handler() http.Handler {
	mux := http.NewServeMux()
	// Every output, archive page, HTML page and stylesheet goes to the
	// publisher (outputs.go); other paths to the admin endpoints when they
	// live here.
	var rest http.Handler
	if d.cfg.Admin.Listen == "" { // no admin address: the admin endpoints live here
		rest = d.adminHandler()
	}
	mux.Handle("/", d.outputsHandler(d.metrics.Output(d.publisher), rest))
	return mux
}
