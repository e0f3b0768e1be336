package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/storage"
)

// crashPublisher serves feeds /f/<i> whose every response adds one new
// item, so every poll of every feed has something to commit.
type crashPublisher struct {
	mu    sync.Mutex
	polls map[string]int
}

func (p *crashPublisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/f/")
	p.mu.Lock()
	p.polls[id]++
	n := p.polls[id]
	p.mu.Unlock()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed %s</title><link>http://crash.test/%s/</link>`, id, id)
	for k := n; k > max(0, n-3); k-- {
		fmt.Fprintf(&b, `<item><guid>%s-%d</guid><title>Story %d of feed %s</title><link>http://crash.test/%s/%d</link>`+
			`<pubDate>%s</pubDate><description>Feed %s reports item %d: %x.</description></item>`,
			id, k, k, id, id, k, base.Add(time.Duration(k)*time.Minute).Format(time.RFC1123Z), id, k, rand.Uint64())
	}
	b.WriteString("</channel></rss>")
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write([]byte(b.String()))
}

// buildTidyfeed compiles this command into dir and returns the binary.
func buildTidyfeed(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "tidyfeed")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// daemonRun is one life of the daemon until its SIGKILL.
type daemonRun struct {
	cmd    *exec.Cmd
	listen chan string // the address, once logged
	logs   sync.WaitGroup
	mu     sync.Mutex
	newBy  map[string]int // feed → entries logged as new ("polled" lines)
	other  []string       // lines that were not JSON
}

func startDaemon(t *testing.T, bin, config string) *daemonRun {
	t.Helper()
	d := &daemonRun{listen: make(chan string, 1), newBy: map[string]int{}}
	d.cmd = exec.Command(bin, "run", "-config", config)
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d.logs.Go(func() {
		defer close(d.listen) // the daemon exited (or was killed)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line struct {
				Msg    string `json:"msg"`
				Listen string `json:"listen"`
				Feed   string `json:"feed"`
				New    int    `json:"new"`
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				d.mu.Lock()
				d.other = append(d.other, sc.Text()) // not JSON: an early error, or a line cut by the kill
				d.mu.Unlock()
				continue
			}
			switch line.Msg {
			case "tidyfeed started":
				d.listen <- line.Listen
			case "polled":
				d.mu.Lock()
				d.newBy[line.Feed] += line.New
				d.mu.Unlock()
			}
		}
	})
	return d
}

// kill SIGKILLs the daemon and waits for it and its log reader.
func (d *daemonRun) kill(t *testing.T) {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGKILL)
	d.logs.Wait()
	d.cmd.Wait()
}

// observation is what the test last saw of one feed in the store.
type observation struct {
	guids   map[string]bool
	success time.Time
	attempt time.Time
}

// TestCrashSafety runs `tidyfeed run` as a real process polling 60 loopback
// feeds, SIGKILLs it at random moments while polls commit, 50 times, and
// after every kill opens the store and checks: it opens and verifies; every
// entry the daemon logged as new is there; no entry is lost that an earlier
// check saw; no GUID is stored twice in a feed; no feed's LastAttempt or
// LastSuccess goes backwards.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the daemon 50 times")
	}
	dir := t.TempDir()
	bin := buildTidyfeed(t, dir)
	pub := &crashPublisher{polls: map[string]int{}}
	srv := httptest.NewServer(pub)
	t.Cleanup(srv.Close)

	const nFeeds, kills = 60, 50
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "listen: %q\ndata: crash.db\ninterval: 1h\nlog: {format: json}\n", freeAddr(t))
	fmt.Fprintf(&cfg, "fetch: {allow_private_networks: true, timeout: 5s}\n")
	fmt.Fprintf(&cfg, "polling: {adaptive: false, concurrency: 8, per_host: 8, host_spacing: 0s}\nfeeds:\n")
	for i := range nFeeds {
		fmt.Fprintf(&cfg, "  - url: %s/f/%d\n", srv.URL, i)
	}
	config := filepath.Join(dir, "feeds.yaml")
	if err := os.WriteFile(config, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "crash.db")

	logged := map[string]int{} // feed → entries logged as new, over all lives
	seen := map[string]*observation{}
	rng := rand.New(rand.NewPCG(9, uint64(time.Now().UnixNano())))
	client := &http.Client{Timeout: 5 * time.Second}
	start := time.Now()
	for life := range kills {
		d := startDaemon(t, bin, config)
		var addr string
		select {
		case addr = <-d.listen:
		case <-time.After(20 * time.Second):
		}
		if addr == "" {
			d.kill(t)
			t.Fatalf("life %d: the daemon did not start: %q", life, d.other)
		}
		// The first life polls everything at start; later ones are asked to.
		if life > 0 {
			resp, err := client.Post("http://"+addr+"/refresh", "", nil)
			if err != nil || resp.StatusCode != http.StatusOK {
				d.kill(t)
				t.Fatalf("life %d: POST /refresh: %v %v", life, err, resp)
			}
			resp.Body.Close()
		}
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond) // a random moment during ingest
		d.kill(t)
		for feed, n := range d.newBy {
			logged[feed] += n
		}
		checkCrashStore(t, life, dbPath, srv.URL, nFeeds, logged, seen)
		if t.Failed() {
			return
		}
	}
	total := 0
	for _, o := range seen {
		total += len(o.guids)
	}
	t.Logf("%d kills in %v; %d entries stored, publisher answered %d polls", kills, time.Since(start).Round(time.Millisecond), total, pub.total())
	if total < nFeeds*3 {
		t.Errorf("only %d entries stored over %d lives; want the daemon to have committed polls between kills", total, kills)
	}
}

func (p *crashPublisher) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.polls {
		n += c
	}
	return n
}

// checkCrashStore opens the store left by a killed daemon and checks the
// invariants of TestCrashSafety against what earlier checks saw.
func checkCrashStore(t *testing.T, life int, dbPath, base string, nFeeds int, logged map[string]int, seen map[string]*observation) {
	t.Helper()
	ctx := context.Background()
	if _, err := os.Stat(dbPath); os.IsNotExist(err) {
		return // killed before the store was created
	}
	if _, err := storage.Verify(ctx, dbPath); err != nil {
		t.Fatalf("life %d: verify the store after SIGKILL: %v", life, err)
	}
	st, err := storage.Open(dbPath, storage.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("life %d: open the store after SIGKILL: %v", life, err)
	}
	defer st.Close()
	for i := range nFeeds {
		id := fmt.Sprintf("%s/f/%d", base, i)
		guids := map[string]bool{}
		err := st.ForEach(ctx, id, func(e feeds.Entry) error {
			if guids[e.GUID] {
				return fmt.Errorf("GUID %s stored twice", e.GUID)
			}
			guids[e.GUID] = true
			return nil
		})
		if err != nil && !errors.Is(err, storage.ErrNotFound) { // not found: never polled yet
			t.Fatalf("life %d: feed %s: %v", life, id, err)
		}
		if len(guids) < logged[id] {
			t.Errorf("life %d: feed %s has %d entries; the daemon logged %d as new", life, id, len(guids), logged[id])
		}
		state, _, err := st.State(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		prev := seen[id]
		if prev != nil {
			for g := range prev.guids {
				if !guids[g] {
					t.Errorf("life %d: feed %s lost entry %s", life, id, g)
				}
			}
			if state.LastAttempt.Before(prev.attempt) || state.LastSuccess.Before(prev.success) {
				t.Errorf("life %d: feed %s state went backwards: attempt %v → %v, success %v → %v",
					life, id, prev.attempt, state.LastAttempt, prev.success, state.LastSuccess)
			}
		}
		seen[id] = &observation{guids: guids, success: state.LastSuccess, attempt: state.LastAttempt}
	}
}
