package fetch

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ReadFile reads a local feed file the way Fetch reads a body: at most
// maxBytes (0 means DefaultMaxBodyBytes; a larger file fails with
// ErrTooLarge), decoded to UTF-8 by Decode. A ".json" extension is treated as
// Content-Type application/json, anything else as unknown. The Response has
// Status 200, a file:// URL, and LastModified set from the file's
// modification time in HTTP date format, so callers can skip unchanged files
// the same way they use validators. ctx is checked before reading.
func ReadFile(ctx context.Context, path string, maxBytes int64) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read feed file %s: %w", path, err)
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBodyBytes
	}
	start := time.Now()
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read feed file: %w", err)
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("read feed file: %w", err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("read feed file %s: is a directory", path)
	}
	if info.Size() > maxBytes {
		return nil, fmt.Errorf("read feed file %s: %d bytes over %d: %w", path, info.Size(), maxBytes, ErrTooLarge)
	}
	// Sized from Stat, the buffer is read into without growing; a file
	// that grew since is still capped by the limit.
	var buf bytes.Buffer
	buf.Grow(int(info.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(fh, maxBytes+1)); err != nil {
		return nil, fmt.Errorf("read feed file: %w", err)
	}
	raw := buf.Bytes()
	if int64(len(raw)) > maxBytes {
		return nil, fmt.Errorf("read feed file %s: over %d bytes: %w", path, maxBytes, ErrTooLarge)
	}
	contentType := ""
	if strings.EqualFold(filepath.Ext(path), ".json") {
		contentType = "application/json"
	}
	body, cs, err := Decode(raw, contentType)
	if err != nil {
		return nil, fmt.Errorf("read feed file %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return &Response{
		URL:          (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(),
		Status:       http.StatusOK,
		Body:         body,
		Charset:      cs,
		ContentType:  contentType,
		LastModified: info.ModTime().UTC().Format(http.TimeFormat),
		Duration:     time.Since(start),
		BytesRead:    int64(len(raw)),
	}, nil
}
