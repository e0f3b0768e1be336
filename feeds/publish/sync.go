package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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
	// Pinged are the topic URLs announced to the hub.
	Pinged []string
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
// The first Sync writes and pings everything, and the first Sync after
// Options.Dir changed writes everything to the new folder (without pinging
// again what the hub was told before). A document is announced only once
// it is written. cmd/tidyfeed calls Sync after each poll that stored
// something and after each config reload. Sync calls are serialised. A
// failed write or ping is returned (joined with the others) and retried by
// the next Sync.
func (p *Publisher) Sync(ctx context.Context) (SyncResult, error) {
	p.syncMu.Lock()
	defer p.syncMu.Unlock()
	p.mu.RLock()
	opts := p.opts
	p.mu.RUnlock()
	var res SyncResult
	var errs []error
	if opts.Dir != p.syncDir {
		// What was written to the old folder is not in the new one.
		clear(p.written)
		p.syncDir = opts.Dir
	}
	if opts.Dir == "" && opts.Hub == "" {
		return res, nil
	}
	if opts.Dir != "" {
		for _, name := range []string{xslName, cssName, opmlName} {
			body, _ := p.asset(name)
			sum := sha256.Sum256(body)
			tag := hex.EncodeToString(sum[:])
			if p.written[name] == tag {
				continue
			}
			if err := writeAtomic(opts.Dir, name, body); err != nil {
				errs = append(errs, err)
				continue
			}
			p.written[name] = tag
			res.Written = append(res.Written, name)
		}
	}
	for _, name := range p.names() {
		for _, k := range p.docKeys(ctx, name) {
			c, err := p.render(ctx, k)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			rel := docPath(name, k.kind, k.page, opts.ArchivePeriod)
			if k.kind == pageKind {
				rel += "index.html"
			}
			if opts.Dir != "" && p.written[rel] != c.doc.ETag {
				if err := writeAtomic(opts.Dir, rel, c.doc.Body); err != nil {
					errs = append(errs, err)
					continue // announced once it is written, by a later Sync
				}
				p.written[rel] = c.doc.ETag
				res.Written = append(res.Written, rel)
			}
			topic := opts.Link + rel
			if opts.Hub != "" && k.page == current && k.kind != pageKind && p.pinged[topic] != c.doc.ETag {
				if err := ping(ctx, opts.HTTPClient, opts.Hub, topic); err != nil {
					errs = append(errs, err)
					continue
				}
				p.pinged[topic] = c.doc.ETag
				res.Pinged = append(res.Pinged, topic)
			}
		}
	}
	return res, errors.Join(errs...)
}

// docKeys lists every document of output name in the order Sync writes
// them, so that a document is on disk before one that links it: the
// archive pages newest first (a new page links the older one, which
// gains its next-archive link to the new one), then the three formats,
// which link the newest page, and last the HTML page, which links them.
func (p *Publisher) docKeys(ctx context.Context, name string) []docKey {
	subs := []docKey{{name, Atom, current}, {name, RSS, current}, {name, JSON, current}, {name, pageKind, current}}
	// Rendering the subscription document built the archive index.
	if _, err := p.render(ctx, subs[0]); err != nil {
		return subs
	}
	p.mu.RLock()
	idx := p.indexes[name]
	p.mu.RUnlock()
	var keys []docKey
	if idx != nil {
		for _, pg := range slices.Backward(idx.order) {
			for _, f := range Formats {
				keys = append(keys, docKey{name, f, pg})
			}
		}
	}
	return append(keys, subs...)
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
