package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SyncResult lists what one Sync did.
type SyncResult struct {
	// Written are the files written to Options.Dir, relative to it.
	Written []string
	// Removed are the files, and the folders (ending in "/"), that Sync
	// had written to Options.Dir and removed because nothing publishes
	// them any more, relative to it.
	Removed []string
	// Pinged are the topic URLs announced to the hub.
	Pinged []string
}

// syncFile is one file Sync publishes: its path relative to Options.Dir,
// with slashes; its content and a tag that changes with it; and the topic
// URL announced to the hub when it changes ("" for none).
type syncFile struct {
	rel, tag, topic string
	body            []byte
}

// Sync brings the outside world up to date with the store: it renders
// every output, and for each document whose ETag differs from the last
// Sync it writes the document to Options.Dir (if set) and, for the
// subscription documents, pings Options.Hub (if set) with the document's
// URL as a WebSub publisher (POST hub.mode=publish, hub.url=<topic>).
// Archive pages, the HTML pages, the stylesheets and sources.opml are
// written too, each archive page before the documents that link it. Each
// file is written to a temporary file in its folder and renamed over the
// old one, so a web server never serves half a file.
//
// Sync lists the files it writes, and the folders it creates for them, in
// a manifest in Options.Dir (".tidyfeed-files", written the same way
// before the files it adds). After writing, it removes what the manifest
// lists and no output publishes any more (the documents, pages and
// archive of an output removed or renamed in the options, an archive page
// that retention emptied or a new archive period renamed), and then the
// folders it created that this left empty; the manifest is kept across
// restarts. It never removes a file the manifest does not list, so the
// folder may hold other files, and a folder without a manifest (one
// written by a tidyfeed too old to keep one) loses nothing. Lines of the
// manifest that lead outside the folder are ignored. Nothing is removed
// after a Sync in which a document failed to render or be written, as the
// files on disk may still link what would go.
//
// The first Sync writes and pings everything, and the first Sync after
// Options.Dir changed writes everything to the new folder (without pinging
// again what the hub was told before, and without removing anything from
// the old folder). A document is announced only once it is written.
// cmd/tidyfeed calls Sync after each poll that stored something and after
// each config reload. Sync calls are serialised. A failed write, removal
// or ping is returned (joined with the others) and retried by the next
// Sync.
func (p *Publisher) Sync(ctx context.Context) (SyncResult, error) {
	p.syncMu.Lock()
	defer p.syncMu.Unlock()
	p.mu.RLock()
	opts := p.opts
	p.mu.RUnlock()
	var res SyncResult
	if opts.Dir != p.syncDir {
		// What was written to the old folder is not in the new one.
		clear(p.written)
		p.listed = nil
		p.syncDir = opts.Dir
	}
	if opts.Dir == "" && opts.Hub == "" {
		return res, nil
	}
	files, whole, errs := p.syncFiles(ctx, opts)
	complete := whole && len(errs) == 0 // so a listed file that is not among files is stale
	var keep map[string]bool            // what the manifest lists after this Sync; nil if it cannot be read
	if opts.Dir != "" {
		var err error
		keep, err = p.listAhead(opts.Dir, files)
		errs = append(errs, err)
	}
	for _, f := range files {
		if opts.Dir != "" && p.written[f.rel] != f.tag {
			if err := writeAtomic(opts.Dir, f.rel, f.body); err != nil {
				errs = append(errs, err)
				complete = false
				continue // announced once it is written, by a later Sync
			}
			p.written[f.rel] = f.tag
			res.Written = append(res.Written, f.rel)
		}
		if opts.Hub != "" && f.topic != "" && p.pinged[f.topic] != f.tag {
			if err := ping(ctx, opts.HTTPClient, opts.Hub, f.topic); err != nil {
				errs = append(errs, err)
				continue
			}
			p.pinged[f.topic] = f.tag
			res.Pinged = append(res.Pinged, f.topic)
		}
	}
	if keep != nil && complete {
		removed, list, err := p.removeStale(opts.Dir, keep)
		res.Removed = removed
		errs = append(errs, err, p.saveManifest(opts.Dir, list))
	}
	return res, errors.Join(errs...)
}

// listAhead reads the manifest of dir and adds files to it before they
// are written, so that a crash in between leaves no file that a later
// Sync does not know as its own. It returns what the manifest is to list
// after this Sync (see keepList), or nil if it cannot be read.
func (p *Publisher) listAhead(dir string, files []syncFile) (map[string]bool, error) {
	if err := p.loadManifest(dir); err != nil {
		return nil, err
	}
	rels := make([]string, len(files))
	for i, f := range files {
		rels[i] = f.rel
	}
	keep := p.keepList(dir, rels)
	list := maps.Clone(p.listed)
	maps.Copy(list, keep)
	return keep, p.saveManifest(dir, list)
}

// syncFiles renders every file Sync publishes, in the order it writes
// them: the stylesheets and sources.opml (when there is a folder), then
// each output's documents in docKeys' order. A document that fails to
// render is left out and its error returned; whole is false when an
// output's archive pages could not be listed, so files may lack some.
func (p *Publisher) syncFiles(ctx context.Context, opts Options) (files []syncFile, whole bool, errs []error) {
	whole = true
	if opts.Dir != "" {
		for _, name := range []string{xslName, cssName, opmlName} {
			body, _ := p.asset(name)
			sum := sha256.Sum256(body)
			files = append(files, syncFile{rel: name, tag: hex.EncodeToString(sum[:]), body: body})
		}
	}
	for _, name := range p.names() {
		keys, ok := p.docKeys(ctx, name)
		whole = whole && ok
		for _, k := range keys {
			c, err := p.render(ctx, k)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			f := syncFile{rel: docPath(name, k.kind, k.page, opts.ArchivePeriod), tag: c.doc.ETag, body: c.doc.Body}
			if k.kind == pageKind {
				f.rel += "index.html"
			} else if k.page == current {
				f.topic = opts.Link + f.rel
			}
			files = append(files, f)
		}
	}
	return files, whole, errs
}

// docKeys lists every document of output name in the order Sync writes
// them, so that a document is on disk before one that links it: the
// archive pages newest first (a new page links the older one, which
// gains its next-archive link to the new one), then the three formats,
// which link the newest page, and last the HTML page, which links them.
// ok is false when the archive pages could not be listed: the render
// failed, or new options dropped the index meanwhile.
func (p *Publisher) docKeys(ctx context.Context, name string) (keys []docKey, ok bool) {
	subs := []docKey{{name, Atom, current}, {name, RSS, current}, {name, JSON, current}, {name, pageKind, current}}
	// Rendering the subscription document built the archive index.
	if _, err := p.render(ctx, subs[0]); err != nil {
		return subs, false
	}
	p.mu.RLock()
	idx := p.indexes[name]
	p.mu.RUnlock()
	if idx == nil {
		return subs, false
	}
	for _, pg := range slices.Backward(idx.order) {
		for _, f := range Formats {
			keys = append(keys, docKey{name, f, pg})
		}
	}
	return append(keys, subs...), true
}

// writeAtomic writes body to dir/rel through a temporary file and a rename.
func writeAtomic(dir, rel string, body []byte) error {
	path := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tidyfeed-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if _, err := tmp.Write(body); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ping tells a WebSub hub that topic changed.
func ping(ctx context.Context, client *http.Client, hub, topic string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("ping hub %s for %s: %w", hub, topic, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("ping hub %s for %s: %w", hub, topic, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("ping hub %s for %s: %w", hub, topic, &HubError{Code: resp.StatusCode})
	}
	return nil
}

// HubError is a WebSub hub's refusal of a publish ping.
type HubError struct {
	Code int // the HTTP status
}

// Error says which status the hub answered.
func (e *HubError) Error() string {
	return fmt.Sprintf("hub answered %d %s", e.Code, http.StatusText(e.Code))
}
