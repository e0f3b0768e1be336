package clean

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"

	"github.com/tidyfeed/tidyfeed/feeds"
	"golang.org/x/net/html"
)

// Family "template": blocks that recur across a feed's entries (an
// imprint, a colophon, a standing footer) but match no generic phrase.
// A Profile remembers, for the feed's most recent entries, fingerprints of
// their blocks' folded text; a block whose fingerprint appears in enough of
// them is template. Matching is exact on folded text, so a block that
// merely resembles a template block survives.

// Profile thresholds and bounds.
const (
	// profileWindow is how many distinct recent entries a Profile keeps.
	profileWindow = 60
	// profileMaxBlocks bounds the fingerprints kept per entry.
	profileMaxBlocks = 200
	// templateMinEntries is the least number of distinct entries a block
	// must appear in to be template.
	templateMinEntries = 3
)

// Profile is the learned template of one feed: which blocks recur across
// its entries. The zero value is not usable; call NewProfile or
// UnmarshalJSON. A Profile is safe for concurrent use: Learn may run while
// Clean reads it. It serialises to JSON (MarshalJSON) so storage can keep
// it per feed; its size is bounded by the number of recent entries it
// remembers (60) and blocks per entry (200).
type Profile struct {
	mu      sync.RWMutex
	entries []profileEntry // oldest first
	index   map[string]int // entry id → position in entries
	counts  map[string]int // fingerprint → number of entries holding it

	// parses holds the bodies the last Learn parsed, by prepared body, so
	// that Clean can take one instead of parsing the same body again.
	pmu    sync.Mutex
	parses map[string]parsedBody
}

// parsedBody is a body parsed by Learn, with form controls and unsafe
// elements already dropped (what that recorded is in rep).
type parsedBody struct {
	root  *html.Node
	rep   Report
	folds map[string]string // fold of each block text Learn saw
}

// maxCachedParse bounds the bytes of body text whose parse Learn keeps
// for Clean; beyond it, Clean parses again.
const maxCachedParse = 16 << 20

type profileEntry struct {
	ID     string   `json:"id"`
	Blocks []string `json:"blocks"`
}

type profileJSON struct {
	Version int            `json:"version"`
	Entries []profileEntry `json:"entries"`
}

// NewProfile returns an empty Profile.
func NewProfile() *Profile {
	return &Profile{index: map[string]int{}, counts: map[string]int{}}
}

// Learn records the blocks of entries, raw as parsed (Raw fields are read),
// so later calls to Clean can drop blocks that recur across the feed. It
// is meant to be called with every polled batch before cleaning it. An
// entry already learned (same GUID, link or title and body) is learned
// again only if its body changed; the oldest entries are forgotten beyond
// the window. Learn is safe to call concurrently with Clean.
//
// Learn keeps the parse of each body until Clean takes it (each parse is
// taken at most once, and the next Learn drops those not taken), so a
// batch that is learned and then cleaned is parsed once.
func (p *Profile) Learn(entries []feeds.Entry) {
	learned := make([]profileEntry, 0, len(entries))
	parses := make(map[string]parsedBody, len(entries))
	cached := 0
	for i := range entries {
		e := &entries[i]
		body, _ := rawBody(e.Raw)
		if body == "" {
			continue
		}
		prepared := prepare(body, e.Raw.Text)
		var rep Report
		root := parseBody(prepared)
		dropElements(root, &rep, func(string) bool { return false })
		folds := map[string]string{}
		learned = append(learned, profileEntry{ID: entryID(e), Blocks: fingerprintsOf(root, folds)})
		if _, dup := parses[prepared]; !dup && cached+len(prepared) <= maxCachedParse {
			parses[prepared] = parsedBody{root: root, rep: rep, folds: folds}
			cached += len(prepared)
		}
	}
	p.pmu.Lock()
	p.parses = parses
	p.pmu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.index == nil {
		p.index, p.counts = map[string]int{}, map[string]int{}
	}
	for _, le := range learned {
		if i, ok := p.index[le.ID]; ok {
			p.entries[i] = le
			continue
		}
		p.index[le.ID] = len(p.entries)
		p.entries = append(p.entries, le)
	}
	if len(p.entries) > profileWindow {
		p.entries = append([]profileEntry(nil), p.entries[len(p.entries)-profileWindow:]...)
	}
	p.reindex()
}

// reindex rebuilds index and counts from entries; the caller holds mu.
func (p *Profile) reindex() {
	p.index = make(map[string]int, len(p.entries))
	p.counts = map[string]int{}
	for i, e := range p.entries {
		p.index[e.ID] = i
		for _, fp := range e.Blocks {
			p.counts[fp]++
		}
	}
}

// Len returns how many entries the profile remembers.
func (p *Profile) Len() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.entries)
}

// isTemplate reports whether the block with folded text f recurs in at
// least three remembered entries and in at least half of them.
func (p *Profile) isTemplate(f string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	c := p.counts[fingerprint(f)]
	return c >= templateMinEntries && 2*c >= len(p.entries)
}

// MarshalJSON encodes the profile for storage.
func (p *Profile) MarshalJSON() ([]byte, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	entries := p.entries
	if entries == nil {
		entries = []profileEntry{}
	}
	return json.Marshal(profileJSON{Version: 1, Entries: entries})
}

// UnmarshalJSON decodes a profile written by MarshalJSON, replacing p's
// contents.
func (p *Profile) UnmarshalJSON(data []byte) error {
	var v profileJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("decode clean profile: %w", err)
	}
	if v.Version != 1 {
		return fmt.Errorf("decode clean profile: unknown version %d", v.Version)
	}
	if len(v.Entries) > profileWindow {
		v.Entries = v.Entries[len(v.Entries)-profileWindow:]
	}
	for i := range v.Entries {
		if len(v.Entries[i].Blocks) > profileMaxBlocks {
			v.Entries[i].Blocks = v.Entries[i].Blocks[:profileMaxBlocks]
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.entries = v.Entries
	p.reindex()
	return nil
}

// entryID identifies an entry within its feed for learning purposes.
func entryID(e *feeds.Entry) string {
	switch {
	case e.GUID != "":
		return "g:" + e.GUID
	case e.Raw.Link != "":
		return "l:" + e.Raw.Link
	}
	body, _ := rawBody(e.Raw)
	return "h:" + fingerprint(e.Raw.Title+"\x00"+body)
}

// takeParse returns, and forgets, the parse Learn kept for the prepared
// body, if any. p may be nil.
func (p *Profile) takeParse(prepared string) (parsedBody, bool) {
	if p == nil {
		return parsedBody{}, false
	}
	p.pmu.Lock()
	defer p.pmu.Unlock()
	pb, ok := p.parses[prepared]
	if ok {
		delete(p.parses, prepared)
	}
	return pb, ok
}

// fingerprintsOf returns the distinct fingerprints of the text blocks
// under root, recording each block's fold in folds.
func fingerprintsOf(root *html.Node, folds map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, b := range collectBlocks(root, folds) {
		if b.fold == "" || seen[b.fold] {
			continue
		}
		seen[b.fold] = true
		out = append(out, fingerprint(b.fold))
		if len(out) == profileMaxBlocks {
			break
		}
	}
	return out
}

// fingerprint hashes folded text.
func fingerprint(f string) string {
	h := fnv.New64a()
	h.Write([]byte(f))
	return strconv.FormatUint(h.Sum64(), 36)
}

func templateRule(d *doc, name string) {
	if d.profile == nil {
		return
	}
	live := d.liveText()
	var drop []*block
	lead := true
	for _, b := range live {
		if lead && b.words >= 25 {
			// Never the lead paragraph.
			lead = false
			continue
		}
		if d.profile.isTemplate(b.fold) {
			drop = append(drop, b)
		}
	}
	if len(drop) == len(live) {
		return // an entry is never all template
	}
	for _, b := range drop {
		d.drop(b, name)
	}
}
