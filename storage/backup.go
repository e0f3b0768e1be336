package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole database to w from one read
// transaction (bbolt's Tx.WriteTo), while polls go on writing: the copy is
// the database as of the moment Backup began. It returns the bytes written.
// The copy is a complete database file; Verify checks one.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up %s: %w", s.path, err)
	}
	return n, nil
}

// BackupFile writes a consistent copy of the database to path (see
// Backup): to a temporary file beside it, synced and renamed, so path holds
// a complete copy or is left as it was. The copy has mode 0600.
func (s *Store) BackupFile(ctx context.Context, path string) (int64, error) {
	return WriteFileAtomic(path, func(w io.Writer) (int64, error) { return s.Backup(ctx, w) })
}

// WriteFileAtomic creates path with mode 0600 from what write writes: to a
// temporary file in path's folder, synced and renamed over path, so a
// failure or a crash leaves path as it was.
func WriteFileAtomic(path string, write func(io.Writer) (int64, error)) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	n, err := write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return n, fmt.Errorf("write %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return n, nil
}

// Verify opens the database file at path read-only, checks bbolt's page
// consistency and the schema version, and returns its statistics. A backup
// that passes opens cleanly with Open. It fails with ErrSchema for a file
// of another schema, and with ErrLocked when a writer holds the file.
func Verify(ctx context.Context, path string) (Stats, error) {
	s, err := Open(path, Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
	if err != nil {
		return Stats{}, fmt.Errorf("verify %s: %w", path, err)
	}
	defer s.Close()
	err = s.view(ctx, func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
			if len(errs) == 10 {
				break
			}
		}
		return errors.Join(errs...)
	})
	if err != nil {
		return Stats{}, fmt.Errorf("verify %s: %w", path, err)
	}
	return s.Stats(ctx)
}
