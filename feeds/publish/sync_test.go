package publish

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// techArchiveOptions are archiveOptions with a "tech" output of source 0,
// which holds every entry archivePublisher makes, so that it has archive
// pages of its own under tech/archive/.
func techArchiveOptions(dir string) Options {
	o := archiveOptions()
	o.Dir = dir
	o.Outputs = []Output{{Name: "tech", Feeds: []string{testSources[0].ID}}}
	return o
}

// listDir returns every file and folder under dir, relative to it, with
// slashes; folders end in "/".
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var got []string
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if e.IsDir() {
			rel += "/"
		}
		got = append(got, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// under returns the entries of list that start with prefix.
func under(list []string, prefix string) []string {
	var out []string
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

func mustSync(t *testing.T, p *Publisher) SyncResult {
	t.Helper()
	res, err := p.Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkOutputRemoved requires that output tech left nothing in dir, that
// the default output's files and the user's files stayed, and that res
// reports what went.
func checkOutputRemoved(t *testing.T, dir string, before []string, res SyncResult) {
	t.Helper()
	after := listDir(t, dir)
	if left := slices.Concat(under(after, "tech.atom"), under(after, "tech.rss"), under(after, "tech.json"), under(after, "tech/")); len(left) > 0 {
		t.Errorf("files of the removed output tech left behind: %v", left)
	}
	var unreported []string
	for _, rel := range before {
		if strings.HasPrefix(rel, "tech") {
			if !slices.Contains(res.Removed, rel) {
				unreported = append(unreported, rel)
			}
		} else if !slices.Contains(after, rel) {
			t.Errorf("%s was removed, want it kept (folder now %v)", rel, after)
		}
	}
	if len(unreported) > 0 {
		t.Errorf("SyncResult.Removed is %v, lacking %v", res.Removed, unreported)
	}
	for _, rel := range []string{"feed.atom", "feed/archive/", "index.html", "robots.txt", "mine/notes.txt"} {
		if !slices.Contains(after, rel) {
			t.Errorf("%s missing after Sync, want it kept", rel)
		}
	}
}

// TestSyncRemovesDroppedOutput checks that when an output is removed from
// the options, the next Sync removes every file it had in Options.Dir (its
// documents, HTML page and archive pages) and the folders it made for
// them, and nothing else: not the other outputs' files, not a file of the
// user's; and that an output added back is written again.
func TestSyncRemovesDroppedOutput(t *testing.T) {
	dir := t.TempDir()
	o := techArchiveOptions(dir)
	_, p, _ := archivePublisher(o, 95, 37)
	mustSync(t, p)
	writeFile(t, filepath.Join(dir, "robots.txt"), "User-agent: *\n")
	writeFile(t, filepath.Join(dir, "mine", "notes.txt"), "mine\n")
	before := listDir(t, dir)
	for _, rel := range []string{"tech.atom", "tech.rss", "tech.json", "tech/index.html", "tech/archive/"} {
		if !slices.Contains(before, rel) {
			t.Fatalf("first Sync did not write %s (folder %v)", rel, before)
		}
	}
	if len(under(before, "tech/archive/2026")) == 0 {
		t.Fatalf("first Sync wrote no archive page of tech (folder %v)", before)
	}

	o.Outputs = nil
	p.SetOptions(o)
	res := mustSync(t, p)
	checkOutputRemoved(t, dir, before, res)

	t.Run("nothing more to remove", func(t *testing.T) {
		if res := mustSync(t, p); len(res.Removed) > 0 {
			t.Errorf("second Sync removed %v, want nothing", res.Removed)
		}
	})
	t.Run("added back, written again", func(t *testing.T) {
		p.SetOptions(techArchiveOptions(dir))
		mustSync(t, p)
		if got := listDir(t, dir); !slices.Equal(got, before) {
			t.Errorf("after the output came back the folder holds\n%v\nwant\n%v", got, before)
		}
	})
}

// TestSyncRemovesDroppedOutputAfterRestart checks that a new Publisher on
// the same folder (the daemon restarted with an output removed from its
// config) removes the files the old one wrote for that output.
func TestSyncRemovesDroppedOutputAfterRestart(t *testing.T) {
	dir := t.TempDir()
	o := techArchiveOptions(dir)
	fake, p, now := archivePublisher(o, 95, 37)
	mustSync(t, p)
	writeFile(t, filepath.Join(dir, "robots.txt"), "User-agent: *\n")
	writeFile(t, filepath.Join(dir, "mine", "notes.txt"), "mine\n")
	before := listDir(t, dir)

	o.Outputs = nil
	restarted, _ := clockedPublisher(fake, o, *now)
	res := mustSync(t, restarted)
	checkOutputRemoved(t, dir, before, res)
}

// TestSyncRemovesVanishedArchivePages checks that an archive page that no
// longer exists is removed from the folder: when retention emptied its
// period, and when a new archive period renamed every page.
func TestSyncRemovesVanishedArchivePages(t *testing.T) {
	dir := t.TempDir()
	o := archiveOptions()
	o.Dir = dir
	fake, p, now := archivePublisher(o, 95, 37)
	mustSync(t, p)
	pages := under(listDir(t, dir), "feed/archive/")
	if len(pages) < 3*len(Formats)+1 {
		t.Fatalf("first Sync wrote archive pages %v, want at least three of each format", pages)
	}
	oldest := pages[1] // pages[0] is the folder; names sort by date
	stamp := strings.TrimSuffix(strings.TrimPrefix(oldest, "feed/archive/"), filepath.Ext(oldest))

	t.Run("retention emptied a period", func(t *testing.T) {
		pg, ok := pageOf(stamp, o.ArchivePeriod)
		if !ok {
			t.Fatalf("cannot parse archive page %s", oldest)
		}
		fake.mu.Lock()
		fake.entries = slices.DeleteFunc(fake.entries, func(e feeds.Entry) bool { return periodOf(e.Seen, o.ArchivePeriod) <= pg })
		fake.version++
		fake.mu.Unlock()
		*now = now.Add(ArchiveRefresh) // the archive index is read again
		res := mustSync(t, p)
		after := listDir(t, dir)
		for _, f := range Formats {
			rel := "feed/archive/" + stamp + "." + string(f)
			if slices.Contains(after, rel) {
				t.Errorf("emptied archive page %s left behind", rel)
			}
			if !slices.Contains(res.Removed, rel) {
				t.Errorf("Sync did not report removing %s (Removed %v)", rel, res.Removed)
			}
		}
		if got, want := len(under(after, "feed/archive/")), len(pages)-len(Formats); got != want {
			t.Errorf("feed/archive/ holds %d entries after one page went, want %d: %v", got, want, after)
		}
	})
	t.Run("a new period renames every page", func(t *testing.T) {
		before := under(listDir(t, dir), "feed/archive/")
		// 169h: no page of it starts where a weekly page of 2026 does.
		o.ArchivePeriod = 169 * time.Hour
		p.SetOptions(o)
		mustSync(t, p)
		after := under(listDir(t, dir), "feed/archive/")
		for _, rel := range before[1:] {
			if slices.Contains(after, rel) {
				t.Errorf("archive page %s of the old period left behind", rel)
			}
		}
		if len(after) < 2 {
			t.Errorf("no archive page of the new period written: %v", after)
		}
	})
}

// TestSyncManifestCannotEscape checks that lines of the manifest that name
// a path outside Options.Dir (through "..", an absolute path or a symbolic
// link) are ignored: Sync removes nothing outside the folder, and drops
// the lines.
func TestSyncManifestCannotEscape(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "public")
	victim := filepath.Join(base, "victim.txt")
	writeFile(t, victim, "keep me\n")
	writeFile(t, filepath.Join(base, "x"), "keep me too\n")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(base, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	lines := []string{"../x", "../victim.txt", victim, "sub/../../x", "./../x", "link/victim.txt", "link/", "..", ".", ""}
	writeFile(t, filepath.Join(dir, manifestName), strings.Join(lines, "\n")+"\n")
	o := testOptions()
	o.Dir = dir
	p := New(newFake(richEntries(2)), o)

	res, err := p.Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) > 0 {
		t.Errorf("Sync removed %v, want nothing", res.Removed)
	}
	for _, path := range []string{victim, filepath.Join(base, "x"), filepath.Join(dir, "link")} {
		if _, err := os.Lstat(path); err != nil {
			t.Errorf("%s: %v, want it untouched", path, err)
		}
	}
	m, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range lines[:len(lines)-1] {
		if slices.Contains(strings.Split(string(m), "\n"), line) {
			t.Errorf("manifest still lists %q:\n%s", line, m)
		}
	}
}

// TestSyncWithoutManifestRemovesNothing checks that a folder written
// before tidyfeed kept a manifest (or holding other files) loses nothing:
// files Sync did not write are never removed, even ones named like an
// output's, and the manifest lists only what Sync wrote.
func TestSyncWithoutManifestRemovesNothing(t *testing.T) {
	dir := t.TempDir()
	old := []string{"old.atom", "old.rss", "old/index.html", "old/archive/2026-01-05T00.atom", "feed/archive/1999-01-04T00.atom", "robots.txt"}
	for _, rel := range old {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(rel)), "from before\n")
	}
	o := archiveOptions()
	o.Dir = dir
	_, p, _ := archivePublisher(o, 95, 37)
	for i := range 2 {
		res := mustSync(t, p)
		if len(res.Removed) > 0 {
			t.Errorf("Sync #%d removed %v, want nothing", i+1, res.Removed)
		}
		for _, rel := range old {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
				t.Errorf("after Sync #%d: %v, want %s kept", i+1, err, rel)
			}
		}
	}
	m, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		t.Fatalf("no manifest after Sync: %v", err)
	}
	for _, rel := range old {
		if slices.Contains(strings.Split(string(m), "\n"), rel) {
			t.Errorf("manifest lists %s, which Sync did not write", rel)
		}
	}
	if !slices.Contains(strings.Split(string(m), "\n"), "feed.atom") {
		t.Errorf("manifest lacks feed.atom:\n%s", m)
	}
}

// TestSyncRetriesFailedRemoval checks that a listed file Sync cannot
// remove (here a folder took its place, which Sync does not remove as a
// file) is reported as an error, stays listed, and is removed by a later
// Sync once it can be.
func TestSyncRetriesFailedRemoval(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	o.Dir = dir
	o.Outputs = []Output{{Name: "tech", Feeds: []string{testSources[0].ID}}}
	p := New(newFake(richEntries(2)), o)
	mustSync(t, p)
	rel := filepath.Join(dir, "tech.json")
	if err := os.Remove(rel); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(rel, "blocker"), "x")

	o.Outputs = nil
	p.SetOptions(o)
	if _, err := p.Sync(t.Context()); err == nil || !strings.Contains(err.Error(), "tech.json") {
		t.Errorf("Sync error %v, want one naming tech.json", err)
	}
	if err := os.RemoveAll(rel); err != nil {
		t.Fatal(err)
	}
	writeFile(t, rel, "a file again")
	res := mustSync(t, p)
	if !slices.Contains(res.Removed, "tech.json") {
		t.Errorf("retry removed %v, want tech.json", res.Removed)
	}
	if _, err := os.Lstat(rel); !os.IsNotExist(err) {
		t.Errorf("tech.json still there after the retry: %v", err)
	}
}

// TestSyncKeepsArchiveWhenIndexIsGone: when a Sync cannot list an
// output's archive pages (new options dropped the archive index while the
// subscription document came from the cache), it removes none of them:
// the documents it writes still link them.
func TestSyncKeepsArchiveWhenIndexIsGone(t *testing.T) {
	o := archiveOptions()
	o.Dir = t.TempDir()
	_, p, _ := archivePublisher(o, 95, 37)
	mustSync(t, p)
	before := under(listDir(t, o.Dir), "feed/archive/2026")
	if len(before) == 0 {
		t.Fatal("the first Sync wrote no archive page")
	}
	p.mu.Lock()
	delete(p.indexes, DefaultOutput) // as SetOptions does, between a render and its index
	p.mu.Unlock()
	if res := mustSync(t, p); len(res.Removed) > 0 {
		t.Errorf("a Sync that could not list the archive removed %v", res.Removed)
	}
	if after := under(listDir(t, o.Dir), "feed/archive/2026"); !slices.Equal(after, before) {
		t.Errorf("archive pages after the Sync: %v, want %v", after, before)
	}
}
