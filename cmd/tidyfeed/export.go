package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/tidyfeed/tidyfeed/config"
	"github.com/tidyfeed/tidyfeed/feeds/publish"
	"github.com/tidyfeed/tidyfeed/storage"
)

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlags("export", "export [-config FILE] -format atom|rss|json [-o FILE]", stderr)
	format := fs.String("format", "atom", "output `format`: atom, rss or json")
	outPath := fs.String("o", "", "write to `file` instead of standard output (atomically)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f := publish.Format(*format)
	if f != publish.Atom && f != publish.RSS && f != publish.JSON {
		fmt.Fprintf(stderr, "unknown -format %q: want atom, rss or json\n", *format)
		return errUsage
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		return err
	}
	body, err := exportBody(ctx, cfg, f)
	if err != nil {
		return err
	}
	if *outPath == "" {
		_, err = stdout.Write(body)
		return err
	}
	return writeFileAtomic(*outPath, body)
}

// exportBody renders the merged feed from the store, or, when a running
// daemon holds the store's lock, asks that daemon for the same bytes.
func exportBody(ctx context.Context, cfg *config.Config, f publish.Format) ([]byte, error) {
	store, err := storage.Open(cfg.Data, storage.Options{ReadOnly: true})
	if errors.Is(err, storage.ErrLocked) {
		return fetchFromDaemon(ctx, cfg, f)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", cfg.Data, err)
	}
	defer store.Close()
	opts, err := publishOptions(ctx, cfg, store)
	if err != nil {
		return nil, err
	}
	doc, err := publish.New(store, opts).Render(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", f, err)
	}
	return doc.Body, nil
}

func fetchFromDaemon(ctx context.Context, cfg *config.Config, f publish.Format) ([]byte, error) {
	u := "http://" + cfg.Listen + "/feed." + string(f)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("store is locked by a running daemon, and asking it failed: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("store is locked by a running daemon, and %s answered %s", u, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so readers never see a half-written file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
