package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGHUPDuringStartup: a reload asked for while the daemon starts
// (systemd's ExecReload during a slow start) must not end the process, as
// SIGHUP's default action would, and is carried out once it runs. The
// config is first given through a named pipe, so that the binary is
// certainly in its start-up, blocked reading it, when the SIGHUP comes.
func TestSIGHUPDuringStartup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := buildTidyfeed(t, dir)
	feed := filepath.Join(dir, "feed.rss")
	if err := os.WriteFile(feed, []byte(rssDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	yaml := fmt.Sprintf("listen: %q\ndata: tidyfeed.db\nfeeds:\n  - path: %s\n", addr, feed)
	config, plain := filepath.Join(dir, "feeds.yaml"), filepath.Join(dir, "feeds.yaml.plain")
	if err := syscall.Mkfifo(config, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	if err := os.WriteFile(plain, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	cmd := exec.Command(bin, "run", "-config", config)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	time.Sleep(300 * time.Millisecond) // the binary is blocked reading the pipe
	cmd.Process.Signal(syscall.SIGHUP)
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-exited:
		t.Fatalf("the daemon ended on a SIGHUP during start-up: %v\n%s", err, logs.String())
	default:
	}
	pipe, err := os.OpenFile(config, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	pipe.WriteString(yaml)
	pipe.Close()
	if err := os.Rename(plain, config); err != nil { // a plain file from now on, for the watcher and the reload
		t.Fatal(err)
	}
	waitFor(t, "the daemon to serve and carry out the reload", 20*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && strings.Contains(logs.String(), "reload requested")
	})
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit within 20 s of SIGTERM")
	}
}
