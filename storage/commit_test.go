package storage

import (
	"errors"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// TestCommitterGroupFailure queues several functions behind a blocked
// leader so that they share one transaction, makes one of them fail, and
// checks that it alone gets its error and loses its writes.
func TestCommitterGroupFailure(t *testing.T) {
	s := openTest(t, "", Options{})
	c := &s.commit
	put := func(key string) txFunc {
		return func(tx *bolt.Tx) (bool, error) {
			return true, tx.Bucket(bucketFeedMeta).Put([]byte(key), []byte("v"))
		}
	}
	boom := errors.New("boom")
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		err := c.update(func(tx *bolt.Tx) (bool, error) {
			close(started)
			<-release
			return put("leader")(tx)
		})
		if err != nil {
			t.Errorf("leader: %v", err)
		}
	})
	<-started
	const followers = 5
	errs := make([]error, followers)
	runs := make([]int, followers)
	for i := range followers {
		wg.Go(func() {
			errs[i] = c.update(func(tx *bolt.Tx) (bool, error) {
				runs[i]++
				if i == 2 {
					put("failed")(tx)
					return true, boom
				}
				return put("f" + strconv.Itoa(i))(tx)
			})
		})
	}
	for queued := 0; queued < followers; { // wait until all followers queue
		runtime.Gosched()
		c.mu.Lock()
		queued = len(c.pending)
		c.mu.Unlock()
	}
	close(release)
	wg.Wait()
	for i, err := range errs {
		want := error(nil)
		if i == 2 {
			want = boom
		}
		if !errors.Is(err, want) && err != want {
			t.Errorf("follower %d: err = %v, want %v", i, err, want)
		}
	}
	// Followers queued before the failing one ran in the failed attempt and
	// again in the retry; the failing one ran once, alone in its error.
	for i, n := range runs {
		if n < 1 || n > 2 || (i == 2 && n != 1) {
			t.Errorf("follower %d ran %d times; want 1 (the failing one) or at most 2", i, n)
		}
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFeedMeta)
		for _, k := range []string{"leader", "f0", "f1", "f3", "f4"} {
			if b.Get([]byte(k)) == nil {
				t.Errorf("key %s missing after commit", k)
			}
		}
		if b.Get([]byte("failed")) != nil {
			t.Error("the failing function's write was committed")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNoopSaveDoesNotCommit checks that an identical re-poll writes nothing:
// the transaction id does not move.
func TestNoopSaveDoesNotCommit(t *testing.T) {
	s := openTest(t, "", Options{})
	b := Batch{State: feeds.FeedState{FeedID: "f"}, Entries: []feeds.Entry{entry("f", "k", "h", time.Time{})}, Meta: map[string][]byte{"m": []byte("x"), "gone": nil}}
	mustSave(t, s, b)
	txid := func() int {
		var id int
		s.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil })
		return id
	}
	before := txid()
	res := mustSave(t, s, b)
	if res.Unchanged != 1 {
		t.Errorf("re-poll = %+v, want 1 unchanged", res)
	}
	if after := txid(); after != before {
		t.Errorf("identical re-poll committed: txid %d → %d", before, after)
	}
}

// TestCommitterSurvivesPanic: a panic in a Save's transaction function
// (recovered by the caller, as the scheduler recovers a poll's panic)
// becomes that call's error, and later Saves still commit.
func TestCommitterSurvivesPanic(t *testing.T) {
	s := openTest(t, "", Options{})
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("the panic reached the caller: %v", p)
			}
		}()
		err = s.commit.update(func(*bolt.Tx) (bool, error) { panic("bug on hostile input") })
	}()
	if err == nil {
		t.Error("a panicking commit returned no error")
	}
	done := make(chan error, 1)
	go func() { _, err := s.Save(t.Context(), Batch{State: feeds.FeedState{FeedID: "a"}}); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Save after a panicking commit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Save blocked after a panicking commit: the committer stayed busy")
	}
}
