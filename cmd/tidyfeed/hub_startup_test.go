package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSilentHubDoesNotDelayServing: a WebSub hub that accepts connections
// but never answers must not keep the daemon from serving. The first Sync
// pings it for every subscription document, 10 s each; it used to run
// before the listener opened.
func TestSilentHubDoesNotDelayServing(t *testing.T) {
	hub, err := net.Listen("tcp", "127.0.0.1:0") // the kernel accepts; nobody answers
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	dir := t.TempDir()
	local := filepath.Join(dir, "local.rss")
	if err := os.WriteFile(local, []byte(rssDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	config := filepath.Join(dir, "feeds.yaml")
	yaml := fmt.Sprintf("listen: %q\ndata: tidyfeed.db\noutput:\n  link: http://%s/\n  hub: http://%s/\nfeeds:\n  - path: %s\n",
		addr, addr, hub.Addr(), local)
	if err := os.WriteFile(config, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	runDaemon(t, config)
	start := time.Now()
	waitFor(t, "/healthz with an unresponsive hub", 5*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	t.Logf("serving after %v", time.Since(start))
}
