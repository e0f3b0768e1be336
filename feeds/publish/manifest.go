package publish

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// manifestName is the file in Options.Dir that lists what Sync wrote
// there, one path relative to the folder a line, with slashes; a folder
// Sync created ends in "/". Sync removes only what it lists.
const manifestName = ".tidyfeed-files"

// manifestHeader opens the manifest, for whoever finds it in the folder.
const manifestHeader = "# Written by tidyfeed: the files it published in this folder, which it\n" +
	"# removes once it no longer publishes them. Other files are left alone.\n"

// loadManifest reads the manifest of dir into p.listed, once per folder:
// a folder without one lists nothing. The caller holds syncMu.
func (p *Publisher) loadManifest(dir string) error {
	if p.listed != nil {
		return nil
	}
	name := filepath.Join(dir, manifestName)
	b, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		p.listed = map[string]bool{}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	p.listed = parseManifest(string(b))
	return nil
}

// parseManifest returns the paths a manifest lists, leaving out comments
// and every line that is not a plain path inside the folder.
func parseManifest(s string) map[string]bool {
	set := map[string]bool{}
	for line := range strings.Lines(s) {
		line = strings.TrimSuffix(line, "\n")
		if validListed(line) {
			set[line] = true
		}
	}
	return set
}

// validListed reports whether rel may name a file or folder Sync wrote:
// a clean relative path with slashes that stays inside the folder (no
// "..", not absolute, not the folder itself or the manifest).
func validListed(rel string) bool {
	name := strings.TrimSuffix(rel, "/")
	return name != "" && name != "." && name != manifestName && !strings.ContainsAny(name, "\\\x00") &&
		path.Clean(name) == name && filepath.IsLocal(filepath.FromSlash(name)) &&
		!slices.Contains(strings.Split(name, "/"), "..")
}

// saveManifest makes set the manifest of dir, written atomically, unless
// it lists that already. The caller holds syncMu.
func (p *Publisher) saveManifest(dir string, set map[string]bool) error {
	if maps.Equal(set, p.listed) {
		return nil
	}
	var b strings.Builder
	b.WriteString(manifestHeader)
	for _, rel := range slices.Sorted(maps.Keys(set)) {
		b.WriteString(rel + "\n")
	}
	if err := writeAtomic(dir, manifestName, []byte(b.String())); err != nil {
		return err
	}
	p.listed = set
	return nil
}

// keepList returns what the manifest lists after a Sync that publishes
// files (paths relative to dir): the files, and those of their folders
// that the manifest lists already or that do not exist yet, which Sync
// is about to create. A folder that exists and is not listed is not
// Sync's to remove.
func (p *Publisher) keepList(dir string, files []string) map[string]bool {
	keep := make(map[string]bool, len(files))
	for _, rel := range files {
		keep[rel] = true
		for d := path.Dir(rel); d != "."; d = path.Dir(d) {
			key := d + "/"
			if _, seen := keep[key]; seen {
				break // so were the folders above it
			}
			_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(d)))
			keep[key] = p.listed[key] || errors.Is(err, fs.ErrNotExist)
		}
	}
	maps.DeleteFunc(keep, func(_ string, v bool) bool { return !v })
	return keep
}

// removeStale removes from dir what the manifest lists and keep does not,
// files first and deeper folders before the folders holding them, and
// returns what it removed and what the manifest should list now: keep, and
// what could not be removed yet. A listed folder is removed only once it
// is empty; one holding other files stays listed, without error. A path
// whose folders are not all real folders of dir (a symbolic link took the
// place of one) was not written by Sync and is dropped from the list
// without being touched. The caller holds syncMu.
func (p *Publisher) removeStale(dir string, keep map[string]bool) (removed []string, list map[string]bool, err error) {
	list = maps.Clone(keep)
	var stale []string
	for rel := range p.listed {
		if !keep[rel] {
			stale = append(stale, rel)
		}
	}
	if len(stale) == 0 {
		return nil, list, nil
	}
	slices.SortFunc(stale, func(a, b string) int {
		if c := strings.Count(strings.TrimSuffix(b, "/"), "/") - strings.Count(strings.TrimSuffix(a, "/"), "/"); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	root, err := os.OpenRoot(dir)
	if err != nil {
		maps.Copy(list, p.listed)
		return nil, list, fmt.Errorf("remove stale files from %s: %w", dir, err)
	}
	defer root.Close()
	var errs []error
	for _, rel := range stale {
		gone, stays, err := removeListed(root, rel)
		if err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", filepath.Join(dir, filepath.FromSlash(rel)), err))
		}
		if gone {
			removed = append(removed, rel)
		}
		if err != nil || stays {
			list[rel] = true // retried by the next Sync
			continue
		}
		delete(p.written, rel) // written again if it is published again
	}
	return removed, list, errors.Join(errs...)
}

// removeListed removes the listed file or empty folder rel from root and
// reports whether it did, and whether rel stays listed without error: a
// folder that is not empty does. A missing path, and one reached through
// something other than real folders, are left alone and unlisted; a
// listed file that is no longer a regular file is an error.
func removeListed(root *os.Root, rel string) (gone, stays bool, err error) {
	name := filepath.FromSlash(strings.TrimSuffix(rel, "/"))
	isDir := strings.HasSuffix(rel, "/")
	ok, err := realFolders(root, name, isDir)
	if !ok || err != nil {
		return false, false, err
	}
	if isDir {
		empty, err := emptyFolder(root, name)
		if !empty || err != nil {
			return false, !empty, err
		}
	} else {
		fi, err := root.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) {
			return false, false, nil
		}
		if err != nil {
			return false, false, err
		}
		if !fi.Mode().IsRegular() {
			return false, false, errors.New("listed as a file tidyfeed wrote, but no longer a regular file")
		}
	}
	err = root.Remove(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, false, nil
	}
	return err == nil, false, err
}

// realFolders reports whether every folder on the way to name in root,
// and name itself if self, exists and is a folder, not a symbolic link.
// A missing one is reported as false without error.
func realFolders(root *os.Root, name string, self bool) (bool, error) {
	parts := strings.Split(name, string(filepath.Separator))
	if !self {
		parts = parts[:len(parts)-1]
	}
	for i := range parts {
		fi, err := root.Lstat(filepath.Join(parts[:i+1]...))
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !fi.IsDir() {
			return false, nil
		}
	}
	return true, nil
}

// emptyFolder reports whether the folder name in root holds nothing.
func emptyFolder(root *os.Root, name string) (bool, error) {
	f, err := root.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}
