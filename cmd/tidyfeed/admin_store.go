package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/storage"
)

// autoCompactFree is the share of free pages above which the daemon
// compacts its store at start.
const autoCompactFree = 0.5

// autoCompactMin is the file size below which the daemon never compacts at
// start: a new store is mostly free pages of a few kilobytes.
const autoCompactMin = 1 << 20

// autoCompact compacts the store before the daemon opens it when most of
// the file is free pages. Failures are logged: the daemon runs on with the
// file as it is.
func autoCompact(ctx context.Context, path string, logger *slog.Logger) {
	if fi, err := os.Stat(path); err != nil || fi.Size() < autoCompactMin {
		return // absent, or too small to be worth a rewrite
	}
	start := time.Now()
	res, err := storage.Compact(ctx, path, storage.CompactOptions{MinFree: autoCompactFree})
	switch {
	case err != nil:
		logger.Warn("automatic compaction skipped", "error", err)
	case !res.Skipped:
		logger.Info("store compacted", "before", res.Before, "after", res.After,
			"free", fmt.Sprintf("%.0f%%", 100*res.FreeBefore), "duration", time.Since(start).Round(time.Millisecond))
	}
}

// cmdCompact rewrites the store without its free pages. The daemon must be
// stopped: bbolt lets one process hold the file.
func cmdCompact(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlags("compact", "compact [-config FILE]", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		return err
	}
	res, err := storage.Compact(ctx, cfg.Data, storage.CompactOptions{})
	if errors.Is(err, storage.ErrLocked) {
		return fmt.Errorf("%s is in use, probably by the running daemon: stop it first (systemctl stop tidyfeed); "+
			"it also compacts at start when most of the file is free: %w", cfg.Data, err)
	}
	if err != nil {
		return err
	}
	if res.Before == 0 && res.Skipped {
		fmt.Fprintf(stdout, "%s does not exist yet; nothing to compact\n", cfg.Data)
		return nil
	}
	fmt.Fprintf(stdout, "compacted %s: %s → %s (%.0f%% was free)\n", cfg.Data, sizeOf(res.Before), sizeOf(res.After), 100*res.FreeBefore)
	return nil
}

// cmdBackup writes a consistent copy of the store to FILE: through the
// running daemon (GET /api/backup) when it holds the file, else directly
// from a read-only open. The copy is verified before the command succeeds.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlags("backup", "backup [-config FILE] FILE", stderr)
	if err := parseOneArg(fs, args, "FILE to write"); err != nil {
		return err
	}
	dst := fs.Arg(0)
	cfg, err := config.Load(*configPath)
	if err != nil {
		return err
	}
	if isFile(dst, cfg.Data) {
		// The copy would be renamed over the live file: a running daemon
		// would go on writing to the unlinked one, and lose it at restart.
		return fmt.Errorf("backup %s: that is the store itself (data: in %s); give another FILE", dst, cfg.Path)
	}
	via := "store"
	store, err := storage.Open(cfg.Data, storage.Options{ReadOnly: true, Timeout: 500 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	switch {
	case errors.Is(err, storage.ErrLocked):
		via = "daemon"
		_, err = storage.WriteFileAtomic(dst, func(w io.Writer) (int64, error) {
			resp, _, err := daemonRequest(ctx, cfg, "GET", "/api/backup")
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			return io.Copy(w, resp.Body)
		})
	case err != nil:
		return fmt.Errorf("open store %s: %w", cfg.Data, err)
	default:
		_, err = store.BackupFile(ctx, dst)
		store.Close()
	}
	if err != nil {
		return fmt.Errorf("back up %s to %s: %w", cfg.Data, dst, err)
	}
	st, err := storage.Verify(ctx, dst)
	if err != nil {
		return fmt.Errorf("backup written to %s but it does not verify: %w", dst, err)
	}
	fmt.Fprintf(stdout, "backup %s: %s, %d entries of %d feeds, verified (via the %s)\n", dst, sizeOf(st.FileSize), st.Entries, st.Feeds, via)
	return nil
}

// isFile reports whether path names the existing file data.
func isFile(path, data string) bool {
	a, err := os.Stat(path)
	if err != nil {
		return false
	}
	b, err := os.Stat(data)
	return err == nil && os.SameFile(a, b)
}

// sizeOf formats a byte count for people.
func sizeOf(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
