package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/storage"
)

// seedStore writes about mb megabytes of entries of an unconfigured feed.
func seedStore(t *testing.T, path string, mb int) {
	t.Helper()
	s, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	for b := range mb {
		var es []feeds.Entry
		for i := range 20 {
			key := fmt.Sprintf("seed-%d-%d", b, i)
			es = append(es, feeds.Entry{FeedID: "seed", Key: key, Hash: key, Title: key, Link: "https://seed.example/" + key,
				Content: strings.Repeat(fmt.Sprintf("<p>%s filler text</p>", key), 1500), Published: now.Add(-time.Duration(b*20+i) * time.Minute)})
		}
		if _, err := s.Save(t.Context(), storage.Batch{State: feeds.FeedState{FeedID: "seed"}, Entries: es}); err != nil {
			t.Fatal(err)
		}
	}
}

// stalledBackup opens GET /api/backup with a tiny receive window and
// never reads, as a slow or stuck backup client does.
func stalledBackup(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /api/backup HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	return conn
}

// bigRSS returns an RSS document of n items of about size bytes each.
func bigRSS(n, size int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title><link>https://big.example/</link><description>d</description>`)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>Big %d</title><link>https://big.example/%d</link><guid>big-%d</guid><pubDate>%s</pubDate><description>%s</description></item>`,
			i, i, i, time.Now().Add(-time.Duration(i)*time.Minute).Format(time.RFC1123Z),
			strings.Repeat(fmt.Sprintf("&lt;p&gt;Paragraph %d of a long article body.&lt;/p&gt;", i), size/40))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// within5s reports whether f returns within five seconds.
func within5s(f func()) (done bool) {
	ch := make(chan struct{})
	go func() { f(); close(ch) }()
	select {
	case <-ch:
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

// TestStalledBackupDoesNotFreezeStore: a backup client that stops reading
// used to keep /api/backup's read transaction open; the next poll that grew
// the file then blocked in bbolt's remap, and every store read behind it
// (/api/status, renders, reloads) hung. The copy now goes through a
// temporary file, so the store is free while the client dawdles.
func TestStalledBackupDoesNotFreezeStore(t *testing.T) {
	pub, srv := newPublisher(t, map[string]string{"/a.rss": rssDoc})
	dir := t.TempDir()
	addr := freeAddr(t)
	config := writeConfig(t, dir, addr, srv.URL+"/a.rss")
	seedStore(t, filepath.Join(dir, "tidyfeed.db"), 12)
	startInProcess(t, config, addr)
	waitFor(t, "the first poll", 10*time.Second, func() bool { f, _ := getJSON(addr); return len(f.Items) == 2 })

	conn := stalledBackup(t, addr)
	defer conn.Close()
	time.Sleep(time.Second) // the handler fills the socket buffers and blocks

	pub.set("/a.rss", bigRSS(150, 40000)) // a poll storing some MB: the file grows
	resp, err := http.Post("http://"+addr+"/refresh", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	time.Sleep(8 * time.Second) // the poll (fetch, parse, clean) reaches its commit

	if !within5s(func() { fetchURL("http://" + addr + "/api/status") }) {
		t.Fatalf("GET /api/status hung for 5s while a backup client is stalled")
	}
}

// TestStalledBackupDoesNotHangShutdown: run's deferred store.Close used to
// wait forever for a stalled backup client's read transaction.
func TestStalledBackupDoesNotHangShutdown(t *testing.T) {
	_, srv := newPublisher(t, map[string]string{"/a.rss": rssDoc})
	dir := t.TempDir()
	addr := freeAddr(t)
	config := writeConfig(t, dir, addr, srv.URL+"/a.rss")
	seedStore(t, filepath.Join(dir, "tidyfeed.db"), 12)
	ctx, cancel := context.WithCancel(t.Context())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run", "-config", config}, logs, logs) }()
	waitFor(t, "the daemon to serve", 10*time.Second, func() bool { f, _ := getJSON(addr); return len(f.Items) == 2 })
	conn := stalledBackup(t, addr)
	defer conn.Close()
	time.Sleep(time.Second)
	cancel()
	select {
	case err := <-done:
		t.Logf("run returned %v", err)
	case <-time.After(25 * time.Second):
		t.Fatalf("run did not return 25s after cancel (grace is %s) while a backup client is stalled", shutdownGrace)
	}
}
