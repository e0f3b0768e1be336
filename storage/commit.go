package storage

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// maxGroup bounds how many Saves share one transaction.
const maxGroup = 64

// errLead tells a waiting call that it now leads the next group commit.
var errLead = errors.New("storage: lead the next commit")

// committer coalesces concurrent write functions into one bbolt transaction
// (one fsync) without waiting for company: the first caller commits at
// once, and callers that arrive while it is committing form the next group,
// led by the first of them. Unlike bbolt's DB.Batch there is no timer, so a
// lone Save pays no delay.
type committer struct {
	db *bolt.DB
	// strategy selects another way to commit, for benchmarks only:
	// stratGroup (the zero value), stratBatch or stratUpdate.
	strategy int
	mu       sync.Mutex
	busy     bool // a leader is committing
	pending  []*call
}

const (
	stratGroup  = iota // group commit, see committer
	stratBatch         // bbolt's DB.Batch (timer-based coalescing)
	stratUpdate        // one DB.Update per call, no coalescing
)

type call struct {
	fn  txFunc
	res chan error // receives errLead, then (or only) the result
}

// txFunc is a write function that reports whether it changed anything.
type txFunc func(*bolt.Tx) (wrote bool, err error)

// errNoop rolls back a transaction in which nothing was written: a commit
// would still write a meta page and fsync twice.
var errNoop = errors.New("storage: nothing to commit")

// update runs fn in a write transaction, possibly together with other
// callers' functions. fn may run more than once (when another function in
// its group fails, the rest are retried without it), so it must derive
// everything from the transaction and reset its outputs on each run. If fn
// itself fails, its error is returned and none of its writes are kept.
func (c *committer) update(fn txFunc) error {
	switch c.strategy {
	case stratBatch:
		return c.db.Batch(func(tx *bolt.Tx) error { _, err := fn(tx); return err })
	case stratUpdate:
		return c.db.Update(func(tx *bolt.Tx) error { _, err := fn(tx); return err })
	}
	me := &call{fn: fn, res: make(chan error, 1)}
	c.mu.Lock()
	c.pending = append(c.pending, me)
	if c.busy {
		c.mu.Unlock()
		if err := <-me.res; err != errLead {
			return err
		}
		c.mu.Lock()
	}
	c.busy = true
	n := min(len(c.pending), maxGroup)
	group := slices.Clone(c.pending[:n])
	c.pending = slices.Delete(c.pending, 0, n)
	c.mu.Unlock()

	c.commitRecovering(group)

	c.mu.Lock()
	if len(c.pending) > 0 {
		c.pending[0].res <- errLead
	} else {
		c.busy = false
	}
	c.mu.Unlock()
	return <-me.res
}

// commitRecovering runs commit, turning a panic in a Save's transaction
// function (bbolt rolls the transaction back) into an error for every call
// of the group not yet answered, so that the leader still hands on or
// clears busy: a panic must not leave every later Save waiting.
func (c *committer) commitRecovering(group []*call) {
	defer func() {
		if p := recover(); p != nil {
			err := fmt.Errorf("commit: panic: %v", p)
			for _, k := range group {
				select {
				case k.res <- err:
				default: // already answered
				}
			}
		}
	}()
	c.commit(group)
}

// commit runs the group's functions in one transaction and delivers the
// result to each. A function that fails gets its own error and is dropped;
// the others are retried in a new transaction.
func (c *committer) commit(group []*call) {
	for len(group) > 0 {
		failed := -1
		var fnErr error
		err := c.db.Update(func(tx *bolt.Tx) error {
			wrote := false
			for i, k := range group {
				w, err := k.fn(tx)
				if err != nil {
					failed, fnErr = i, err
					return err
				}
				wrote = wrote || w
			}
			if !wrote {
				return errNoop
			}
			return nil
		})
		if err == errNoop {
			err = nil
		}
		if failed < 0 {
			for _, k := range group {
				k.res <- err
			}
			return
		}
		group[failed].res <- fnErr
		group = slices.Delete(group, failed, failed+1)
	}
}
