package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"golang.org/x/sync/errgroup"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/storage"
)

// pollConcurrency bounds the feeds polled at once by the poll command.
const pollConcurrency = 8

func cmdPoll(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlags("poll", "poll [-config FILE] [-v]", stderr)
	verbose := fs.Bool("v", false, "log every poll to standard error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	level := slog.LevelWarn + 4 // quiet: the summary says it all
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	store, err := storage.Open(cfg.Data, storage.Options{Logger: logger})
	if err != nil {
		return fmt.Errorf("open store %s: %w", cfg.Data, err)
	}
	defer store.Close()

	in := newIngester(cfg, store, clean.New(clean.Options{}), logger)
	srcs := cfg.Sources()
	outcomes := make([]ingest.Outcome, len(srcs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(pollConcurrency)
	for i, src := range srcs {
		g.Go(func() error {
			outcomes[i] = in.Ingest(gctx, src)
			return nil
		})
	}
	_ = g.Wait() // Ingest reports errors in its outcome

	failed := printOutcomes(stdout, cfg, outcomes)
	if len(srcs) > 0 && failed == len(srcs) {
		return fmt.Errorf("every feed failed (%d of %d)", failed, len(srcs))
	}
	return nil
}

// printOutcomes writes one line per feed and returns how many failed.
func printOutcomes(w io.Writer, cfg *config.Config, outcomes []ingest.Outcome) (failed int) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	var added, updated int
	for i, out := range outcomes {
		name := cfg.Feeds[i].Name
		if name == "" {
			name = out.State.Title
		}
		if name == "" {
			name = displayLocation(out.Source)
		}
		detail := fmt.Sprintf("new=%d updated=%d entries=%d", out.New, out.Updated, out.Entries)
		if out.Err != nil {
			failed++
			detail = out.Err.Error()
		}
		added += out.New
		updated += out.Updated
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, out.Status, detail)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d feeds: %d new entries, %d updated, %d failed\n", len(outcomes), added, updated, failed)
	return failed
}
