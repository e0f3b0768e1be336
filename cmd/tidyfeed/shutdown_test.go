package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/storage"
)

// TestSIGTERMWhilePolling starts the real binary against a publisher whose
// responses are slow, sends SIGTERM while polls are in flight, and checks
// that the process exits 0 and leaves a database that opens and holds every
// entry the daemon logged as stored.
func TestSIGTERMWhilePolling(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "tidyfeed")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	const feedsN = 12
	// Feeds 0-5 answer at once; 6-11 hang until released, so their polls
	// are in flight when SIGTERM arrives. Each feed has its own server (its
	// own loopback address, so its own host), so per-host politeness does not serialise them.
	release := make(chan struct{})
	defer close(release)
	urls := make([]string, feedsN)
	for i := range urls {
		slow := i >= feedsN/2
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if slow {
				select {
				case <-release:
				case <-r.Context().Done():
					return
				}
			}
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<rss version="2.0"><channel><title>Feed %d</title><link>https://f%d.example/</link><description>d</description>`, i, i)
			for j := range 5 {
				fmt.Fprintf(w, `<item><title>Story %d-%d</title><link>https://f%d.example/%d</link><description>Body %d.</description></item>`, i, j, i, j, j)
			}
			fmt.Fprint(w, `</channel></rss>`)
		}))
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", 10+i))
		if err != nil {
			t.Skipf("cannot listen on a second loopback address: %v", err)
		}
		srv.Listener = l
		srv.Start()
		defer srv.Close()
		urls[i] = srv.URL + "/feed.rss"
	}
	dir := t.TempDir()
	config := writeConfig(t, dir, freeAddr(t), urls...)
	// JSON logs, so the test can read what the daemon reported as stored.
	data, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(config, append(data, "log:\n  format: json\n"...), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "run", "-config", config)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan map[string]any, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
	}()

	stored := 0
	polled := 0
	deadline := time.After(20 * time.Second)
	for polled < feedsN/2 {
		select {
		case m := <-lines:
			if m["msg"] == "polled" {
				polled++
				stored += int(m["new"].(float64))
			}
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("only %d fast feeds polled before the deadline", polled)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for m := range lines {
		if m["msg"] == "polled" {
			stored += int(m["new"].(float64))
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("daemon exit after SIGTERM: %v", err)
	}
	if stored != feedsN/2*5 {
		t.Errorf("daemon reported %d entries stored, want %d from the fast feeds", stored, feedsN/2*5)
	}

	store, err := storage.Open(filepath.Join(dir, "tidyfeed.db"), storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("database does not open after shutdown: %v", err)
	}
	defer store.Close()
	got, err := store.Recent(t.Context(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != stored {
		t.Errorf("database holds %d entries, daemon reported %d stored", len(got), stored)
	}
}
