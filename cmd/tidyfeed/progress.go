package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress shows "label done/total  item" on one line of a terminal while
// a long one-shot command (poll, reclean) works, and nothing at all when
// the writer is not a terminal (a pipe, a file, a service's journal), so
// scripts and logs stay clean. It is safe for concurrent use.
type progress struct {
	w     io.Writer // nil: quiet
	label string
	total int

	mu    sync.Mutex
	done  int
	drawn time.Time
	width int // of the last line drawn, to blank it
}

// progressEvery throttles redraws.
const progressEvery = 100 * time.Millisecond

// newProgress returns a progress line on w if w is a terminal, else a
// quiet one.
func newProgress(w io.Writer, label string, total int) *progress {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &progress{w: w, label: label, total: total}
	}
	return &progress{label: label, total: total}
}

// step counts one unit of work done, named item.
func (p *progress) step(item string) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	now := time.Now()
	if p.done < p.total && now.Sub(p.drawn) < progressEvery {
		return
	}
	p.drawn = now
	if len(item) > 50 {
		item = item[:47] + "..."
	}
	line := fmt.Sprintf("%s %d/%d  %s", p.label, p.done, p.total, item)
	pad := max(p.width-len(line), 0)
	p.width = len(line)
	fmt.Fprintf(p.w, "\r%s%*s", line, pad, "")
}

// finish blanks the progress line, so the command's own output starts on
// a clean line.
func (p *progress) finish() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.width > 0 {
		fmt.Fprintf(p.w, "\r%*s\r", p.width, "")
		p.width = 0
	}
}
