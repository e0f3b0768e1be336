package fetch

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	koi := write("koi8.xml", readFixture(t, "koi8-r.xml"))
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(koi, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	resp, err := ReadFile(t.Context(), koi, 0)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK || resp.Charset != "koi8-r" {
		t.Errorf("Status, Charset = %d, %q; want 200, koi8-r", resp.Status, resp.Charset)
	}
	if !strings.Contains(string(resp.Body), `encoding="utf-8"`) || !strings.Contains(string(resp.Body), "Привет, мир") {
		t.Errorf("Body = %q, want decoded text and a utf-8 declaration", resp.Body)
	}
	if want := "Fri, 02 Jan 2026 03:04:05 GMT"; resp.LastModified != want {
		t.Errorf("LastModified = %q, want %q", resp.LastModified, want)
	}
	if want := "file://" + filepath.ToSlash(koi); resp.URL != want {
		t.Errorf("URL = %q, want %q", resp.URL, want)
	}
	if resp.BytesRead != int64(len(readFixture(t, "koi8-r.xml"))) {
		t.Errorf("BytesRead = %d, want the file size", resp.BytesRead)
	}

	json := write("feed.json", []byte("\xEF\xBB\xBF{\"title\":\"x\"}"))
	resp, err = ReadFile(t.Context(), json, 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != `{"title":"x"}` || resp.ContentType != "application/json" {
		t.Errorf("Body, ContentType = %q, %q; want BOM stripped, application/json", resp.Body, resp.ContentType)
	}

	big := write("big.xml", make([]byte, 101))
	if _, err := ReadFile(t.Context(), big, 100); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadFile over the cap: err = %v, want ErrTooLarge", err)
	}
	if _, err := ReadFile(t.Context(), big, 101); err != nil {
		t.Errorf("ReadFile at the cap: err = %v, want nil", err)
	}
	if _, err := ReadFile(t.Context(), filepath.Join(dir, "missing.xml"), 0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile missing: err = %v, want os.ErrNotExist", err)
	}
	if _, err := ReadFile(t.Context(), dir, 0); err == nil {
		t.Errorf("ReadFile of a directory succeeded, want an error")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := ReadFile(ctx, koi, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadFile with cancelled ctx: err = %v, want context.Canceled", err)
	}
}
