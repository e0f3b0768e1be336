package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tidyfeed/tidyfeed/feeds/dedupe"
)

var (
	// ErrLocked is returned by Open when another process holds the file
	// lock for longer than Options.Timeout. It wraps bbolt's timeout error.
	ErrLocked = errors.New("storage: database is locked by another process")
	// ErrNotFound is returned by ForEach for a feed that was never saved.
	// Lookups of single items report absence with a bool or a nil instead.
	ErrNotFound = errors.New("storage: not found")
	// ErrSchema is returned by Open when the file was written with a
	// different schema version, or is a bbolt file of some other program.
	ErrSchema = errors.New("storage: unsupported schema")
	// ErrFull means a write needed the database file to grow past
	// Options.MaxSize, or the disk was full. Nothing of the write was
	// kept; reads still work, and writes work again once space returns.
	ErrFull = errors.New("storage: database full")
)

// Options configures Open. The zero value is usable.
type Options struct {
	// Timeout is how long Open waits for the file lock before failing with
	// ErrLocked; 0 means 1s.
	Timeout time.Duration
	// ReadOnly opens the file with a shared lock; every write fails. The
	// file must already exist and have been created by this package.
	ReadOnly bool
	// Logger receives warnings (hash collisions); nil means slog.Default().
	Logger *slog.Logger
	// Now returns the current time for Seen and Changed; nil means time.Now.
	Now func() time.Time
	// Dedupe tunes cross-feed near-duplicate detection; the zero value
	// means dedupe's defaults (see dedupe.Options).
	Dedupe dedupe.Options
	// MaxSize caps the database file in bytes: a Save that would grow it
	// further fails with ErrFull and changes nothing, while reads go on.
	// Space freed inside the file (Purge, Prune) is reused. 0 means no cap
	// (the disk is the limit; a full disk also yields ErrFull).
	MaxSize int64
}

// Store is an open tidyfeed database. It is safe for concurrent use; writes
// are serialised by bbolt. Close it when done.
type Store struct {
	db      *bolt.DB
	commit  committer
	path    string
	log     *slog.Logger
	now     func() time.Time
	dedupe  dedupe.Options
	version atomic.Uint64
	changed atomic.Int64 // unix nanos, 0 = never
}

// Open opens or creates the database at path, creates missing buckets and
// records the schema version, or checks it (ErrSchema). When another process
// holds the file, Open waits opts.Timeout and then fails with ErrLocked.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return open(path, opts, &bolt.Options{
		Timeout:      opts.Timeout,
		ReadOnly:     opts.ReadOnly,
		FreelistType: bolt.FreelistMapType,
		MaxSize:      int(opts.MaxSize),
	})
}

// open is Open with the bbolt options spelled out (benchmarks vary them).
func open(path string, opts Options, bopts *bolt.Options) (*Store, error) {
	db, err := bolt.Open(path, 0o600, bopts)
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w", path, errors.Join(ErrLocked, err))
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, commit: committer{db: db}, path: path, log: opts.Logger.With("stage", "storage"), now: opts.Now,
		dedupe: opts.Dedupe.WithDefaults()}
	if opts.ReadOnly {
		err = db.View(s.load)
	} else {
		err = db.Update(func(tx *bolt.Tx) error {
			if err := initBuckets(tx); err != nil {
				return err
			}
			if err := s.migrate(tx); err != nil {
				return err
			}
			return s.load(tx)
		})
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// initBuckets creates the buckets of a new file and stamps its schema; an
// existing file keeps its stamp, which load checks.
func initBuckets(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		if err := checkForeign(tx); err != nil {
			return err
		}
		var err error
		if meta, err = tx.CreateBucket(bucketMeta); err != nil {
			return err
		}
		if err := meta.Put(metaSchema, putUint64(schemaVersion)); err != nil {
			return err
		}
	}
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// checkForeign refuses a file without our meta bucket that holds anything.
func checkForeign(tx *bolt.Tx) error {
	k, _ := tx.Cursor().First()
	if k != nil {
		return fmt.Errorf("%w: bucket %q without a meta bucket", ErrSchema, k)
	}
	return nil
}

// load checks the schema stamp and seeds the in-memory counters.
func (s *Store) load(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		if err := checkForeign(tx); err != nil {
			return err
		}
		return fmt.Errorf("%w: empty file", ErrSchema)
	}
	v := meta.Get(metaSchema)
	if len(v) != 8 || binary.BigEndian.Uint64(v) != schemaVersion {
		return fmt.Errorf("%w: file has version %x, want %d", ErrSchema, v, schemaVersion)
	}
	if v := meta.Get(metaVersion); len(v) == 8 {
		s.version.Store(binary.BigEndian.Uint64(v))
	}
	if v := meta.Get(metaChanged); len(v) == 8 {
		s.changed.Store(int64(binary.BigEndian.Uint64(v)))
	}
	return nil
}

// Close releases the file. It waits for running transactions to finish.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Version returns a counter that every commit adding, changing or removing
// an entry increases; feed-state-only commits (a 304, an error) leave it.
// It is persisted, so it keeps growing across restarts, and publish can
// build validators from it. It never decreases.
func (s *Store) Version() uint64 { return s.version.Load() }

// Changed returns the time of the last commit that added or changed an
// entry (persisted across restarts), or the zero time if there was none.
func (s *Store) Changed() time.Time {
	n := s.changed.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// observe raises the in-memory counters to what a commit persisted. Writers
// are serialised, but their callers may return in any order; taking the
// maximum keeps the counters monotonic.
func (s *Store) observe(version uint64, changed int64) {
	for {
		old := s.version.Load()
		if version <= old || s.version.CompareAndSwap(old, version) {
			break
		}
	}
	for {
		old := s.changed.Load()
		if changed <= old || s.changed.CompareAndSwap(old, changed) {
			break
		}
	}
}

// Stats describes the database for metrics.
type Stats struct {
	Entries   int   // stored entries, summed over feed states
	Feeds     int   // stored feed states
	FileSize  int64 // bytes on disk
	DataSize  int64 // bytes in use by the current transaction's pages
	FreePages int   // pages free for reuse
	Pending   int   // pages freed but still visible to open readers
	Version   uint64
}

// Stats reports counts and sizes. It reads the feed states, not the
// entries, so it is cheap.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.view(ctx, func(tx *bolt.Tx) error {
		st.DataSize = tx.Size()
		return tx.Bucket(bucketStates).ForEach(func(k, v []byte) error {
			fs, err := decodeState(v)
			if err != nil {
				return fmt.Errorf("decode state %q: %w", k, err)
			}
			st.Feeds++
			st.Entries += fs.Entries
			return nil
		})
	})
	if err != nil {
		return Stats{}, fmt.Errorf("store stats: %w", err)
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return Stats{}, fmt.Errorf("store stats: %w", err)
	}
	dbs := s.db.Stats()
	st.FileSize = fi.Size()
	st.FreePages = dbs.FreePageN
	st.Pending = dbs.PendingPageN
	st.Version = s.Version()
	return st, nil
}

// view runs fn in a read transaction after checking ctx.
func (s *Store) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}
