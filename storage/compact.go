package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CompactOptions configures Compact. The zero value compacts
// unconditionally and waits 1s for the file lock.
type CompactOptions struct {
	// Timeout is how long to wait for the file lock before failing with
	// ErrLocked; 0 means 1s.
	Timeout time.Duration
	// MinFree skips the compaction unless at least this fraction (0-1) of
	// the file is free pages; 0 means always compact. The daemon uses 0.5
	// at start.
	MinFree float64
}

// CompactResult says what Compact did.
type CompactResult struct {
	Before, After int64 // file sizes in bytes; After == Before when skipped
	FreeBefore    float64
	Skipped       bool // the file was not sparse enough (CompactOptions.MinFree)
}

// compactTxSize bounds the bytes copied per transaction of the new file.
const compactTxSize = 64 << 20

// Compact rewrites the database at path without its free pages, using
// bbolt's compaction, and atomically replaces the file: the copy is written
// next to it, synced, and renamed over it, so a crash leaves the old file or
// the new one, never a mix. The file must not be in use: Compact holds the
// exclusive lock throughout and fails with ErrLocked when another process
// (a running daemon) holds it. A missing file is not an error (Skipped).
// The new file keeps the old one's permissions.
func Compact(ctx context.Context, path string, opts CompactOptions) (CompactResult, error) {
	var res CompactResult
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		res.Skipped = true
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("compact %s: %w", path, err)
	}
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	src, err := bolt.Open(path, fi.Mode().Perm(), &bolt.Options{Timeout: opts.Timeout, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolt.ErrTimeout) {
		return res, fmt.Errorf("compact %s: %w", path, errors.Join(ErrLocked, err))
	}
	if err != nil {
		return res, fmt.Errorf("compact %s: %w", path, err)
	}
	defer src.Close()
	if err := src.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return checkForeign(tx)
		}
		return nil
	}); err != nil {
		return res, fmt.Errorf("compact %s: %w", path, err)
	}
	res.Before = fi.Size()
	res.After = res.Before
	res.FreeBefore = freeFraction(src, fi.Size())
	if res.FreeBefore < opts.MinFree {
		res.Skipped = true
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("compact %s: %w", path, err)
	}
	tmp := path + ".compact"
	os.Remove(tmp) // a leftover of an interrupted compaction
	after, err := compactTo(src, tmp, fi.Mode().Perm())
	if err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("compact %s: replace: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	res.After = after
	return res, nil
}

// compactTo copies src into a new file at tmp and syncs it; it returns the
// new file's size.
func compactTo(src *bolt.DB, tmp string, mode os.FileMode) (int64, error) {
	dst, err := bolt.Open(tmp, mode, &bolt.Options{NoSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return 0, err
	}
	if err := bolt.Compact(dst, src, compactTxSize); err != nil {
		dst.Close()
		return 0, err
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return 0, err
	}
	if err := dst.Close(); err != nil {
		return 0, err
	}
	fi, err := os.Stat(tmp)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// freeFraction is the share of the file that compaction would return:
// free pages, and the space the file was grown by beyond its last page.
func freeFraction(db *bolt.DB, size int64) float64 {
	if size <= 0 {
		return 0
	}
	var used int64
	db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
	st := db.Stats()
	free := int64(st.FreePageN+st.PendingPageN)*int64(db.Info().PageSize) + max(size-used, 0)
	return float64(free) / float64(size)
}

// syncDir makes a rename in dir durable; failures are ignored, as on file
// systems that cannot sync a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
