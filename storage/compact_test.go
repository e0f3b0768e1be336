package storage

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fillAndPrune writes 2 feeds × n entries to a new store at path, prunes
// all but keep per feed, and closes it.
func fillAndPrune(t *testing.T, path string, n, keep int) {
	t.Helper()
	clk := newClock()
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, f := range []string{"a", "b"} {
		savePoll(t, s, f, n, clk.Now())
	}
	if _, err := s.Prune(t.Context(), func(string) Keep { return Keep{MaxItems: keep} }, 0); err != nil {
		t.Fatal(err)
	}
}

func TestCompactShrinks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tidyfeed.db")
	fillAndPrune(t, path, 1500, 20)
	res, err := Compact(t.Context(), path, CompactOptions{})
	if err != nil {
		t.Fatalf("Compact: %v", err)
	}
	t.Logf("compact: %d → %d bytes (%.0f%% free before)", res.Before, res.After, 100*res.FreeBefore)
	if res.Skipped || res.After*2 > res.Before {
		t.Errorf("Compact = %+v; want the file at least halved", res)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() != res.After {
		t.Errorf("file size after compaction %v (%v), want %d", fi.Size(), err, res.After)
	}
	if _, err := os.Stat(path + ".compact"); !os.IsNotExist(err) {
		t.Errorf("temporary file left behind: %v", err)
	}
	st, err := Verify(t.Context(), path)
	if err != nil || st.Entries != 40 || st.Feeds != 2 {
		t.Fatalf("Verify after compaction = %+v, %v; want 40 entries in 2 feeds", st, err)
	}
	s := openTest(t, path, Options{})
	if keys := storedKeys(t, s, "a"); len(keys) != 20 || keys[0] != "a-000" {
		t.Errorf("feed a after compaction: %d entries starting %v, want the 20 newest", len(keys), keys[:min(1, len(keys))])
	}
	if n, _ := s.Tombstones(t.Context()); n != 2*2*1480 {
		t.Errorf("tombstones after compaction = %d, want %d", n, 2*2*1480)
	}
}

func TestCompactMinFree(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		n, keep int
		skipped bool
	}{
		{"dense file left alone", 50, 50, true},
		{"mostly free pages compacted", 1000, 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".db")
			fillAndPrune(t, path, tt.n, tt.keep)
			res, err := Compact(t.Context(), path, CompactOptions{MinFree: 0.5})
			if err != nil {
				t.Fatal(err)
			}
			if res.Skipped != tt.skipped {
				t.Errorf("Skipped = %v with %.0f%% free, want %v", res.Skipped, 100*res.FreeBefore, tt.skipped)
			}
		})
	}
	if res, err := Compact(t.Context(), filepath.Join(dir, "missing.db"), CompactOptions{}); err != nil || !res.Skipped {
		t.Errorf("Compact of a missing file = %+v, %v; want skipped", res, err)
	}
}

func TestCompactLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tidyfeed.db")
	openTest(t, path, Options{}) // held open, as by a running daemon
	_, err := Compact(t.Context(), path, CompactOptions{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Errorf("Compact of a file in use: %v, want ErrLocked", err)
	}
}

func TestBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	s := openTest(t, filepath.Join(dir, "tidyfeed.db"), Options{Now: clk.Now})
	savePoll(t, s, "a", 200, clk.Now())
	var wg sync.WaitGroup
	wg.Go(func() { // polls go on during the backup
		for i := range 20 {
			savePoll(t, s, "b", 10*(i+1), clk.Now())
		}
	})
	backup := filepath.Join(dir, "backup.db")
	n, err := s.BackupFile(t.Context(), backup)
	wg.Wait()
	if err != nil {
		t.Fatalf("BackupFile: %v", err)
	}
	fi, err := os.Stat(backup)
	if err != nil || fi.Size() != n {
		t.Fatalf("backup file: %v bytes (%v), Backup said %d", fi.Size(), err, n)
	}
	st, err := Verify(t.Context(), backup)
	if err != nil {
		t.Fatalf("Verify(backup): %v", err)
	}
	if st.Entries < 200 {
		t.Errorf("backup holds %d entries, want at least the 200 stored before it began", st.Entries)
	}
	b := openTest(t, backup, Options{})
	if keys := storedKeys(t, b, "a"); len(keys) != 200 {
		t.Errorf("feed a in the backup: %d entries, want 200", len(keys))
	}
	var buf bytes.Buffer
	if _, err := b.Backup(t.Context(), &buf); err != nil || buf.Len() == 0 {
		t.Errorf("Backup to a buffer: %d bytes, %v", buf.Len(), err)
	}
}

func TestVerifyRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "not.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), 8192), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(t.Context(), path); err == nil {
		t.Error("Verify of a file of junk succeeded")
	}
}
