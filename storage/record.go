package storage

import (
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// recordVersion is the first byte of every entry record.
const recordVersion = 1

var errShortRecord = errors.New("storage: truncated entry record")

// encodeEntry appends e's binary record to dst. The field order is part of
// the schema: new fields go at the end.
func encodeEntry(dst []byte, e *feeds.Entry) []byte {
	dst = slices.Grow(dst, recordSize(e))
	dst = append(dst, recordVersion)
	for _, s := range [...]string{e.Key, e.FeedID, e.GUID, e.Title, e.Link, e.Content, e.Summary, e.Image, e.Hash} {
		dst = appendString(dst, s)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.Authors)))
	for _, p := range e.Authors {
		dst = appendString(dst, p.Name)
		dst = appendString(dst, p.Email)
		dst = appendString(dst, p.URI)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.Categories)))
	for _, c := range e.Categories {
		dst = appendString(dst, c)
	}
	dst = binary.AppendUvarint(dst, uint64(len(e.Enclosures)))
	for _, n := range e.Enclosures {
		dst = appendString(dst, n.URL)
		dst = appendString(dst, n.Type)
		dst = binary.AppendVarint(dst, n.Length)
	}
	dst = appendTime(dst, e.Published)
	dst = appendTime(dst, e.Updated)
	dst = appendTime(dst, e.Seen)
	r := &e.Raw
	for _, s := range [...]string{r.Title, r.Link, r.Content, r.Summary, r.Base} {
		dst = appendString(dst, s)
	}
	var text byte
	if r.Text {
		text = 1
	}
	dst = append(dst, text)
	// Podcast: a presence byte (1) and its strings. An entry without one
	// ends at the Text byte, so its record is byte for byte what the
	// encoder wrote before podcasts were stored (contentHash of entries
	// without a Hash stays put). A field appended after Podcast must write
	// the 0 presence byte first.
	p := e.Podcast
	if p == nil || *p == (feeds.Podcast{}) {
		return dst
	}
	dst = append(dst, 1)
	for _, s := range podcastFields(p) {
		dst = appendString(dst, *s)
	}
	return dst
}

// recordSize returns at least the length of e's record, so that
// encodeEntry allocates once: every string costs its bytes and a length
// of at most binary.MaxVarintLen64, every time and count at most
// 1+3*MaxVarintLen64.
func recordSize(e *feeds.Entry) int {
	strs, n := 0, 0
	add := func(s string) { strs++; n += len(s) }
	for _, s := range [...]string{e.Key, e.FeedID, e.GUID, e.Title, e.Link, e.Content, e.Summary, e.Image, e.Hash,
		e.Raw.Title, e.Raw.Link, e.Raw.Content, e.Raw.Summary, e.Raw.Base} {
		add(s)
	}
	for _, p := range e.Authors {
		add(p.Name)
		add(p.Email)
		add(p.URI)
	}
	for _, c := range e.Categories {
		add(c)
	}
	for _, x := range e.Enclosures {
		add(x.URL)
		add(x.Type)
		strs++ // Length
	}
	if p := e.Podcast; p != nil {
		for _, s := range podcastFields(p) {
			add(*s)
		}
	}
	const fixed = 3 + 3*(1+3*binary.MaxVarintLen64) + 3*binary.MaxVarintLen64 // version, Text, presence; times; counts
	return n + strs*binary.MaxVarintLen64 + fixed
}

// podcastFields lists p's fields in record order; new ones go at the end.
func podcastFields(p *feeds.Podcast) [9]*string {
	return [...]*string{&p.Duration, &p.Explicit, &p.Episode, &p.Season, &p.EpisodeType, &p.Image, &p.Subtitle, &p.Summary, &p.Author}
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendTime stores the instant and the UTC offset; the zero time is a
// single 0 byte.
func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	_, off := t.Zone()
	dst = binary.AppendVarint(dst, t.Unix())
	dst = binary.AppendUvarint(dst, uint64(t.Nanosecond()))
	return binary.AppendVarint(dst, int64(off))
}

// decoder reads a record; once err is set every read returns zero values.
// Running out of input is not an error: fields added after a record was
// written decode as zero. It reads from a string holding a copy of the
// whole record, so the decoded strings share one allocation and stay valid
// after the transaction ends.
type decoder struct {
	s   string
	err error
}

func (d *decoder) uvarint() uint64 {
	var v uint64
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		c := d.s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break // overflow
			}
			d.s = d.s[i+1:]
			return v | uint64(c)<<(7*i)
		}
		v |= uint64(c&0x7f) << (7 * i)
	}
	if d.err == nil && len(d.s) > 0 {
		d.err = errShortRecord
	}
	d.s = ""
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.err = errShortRecord
		d.s = ""
		return ""
	}
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}

func (d *decoder) byte1() byte {
	if len(d.s) == 0 {
		return 0
	}
	c := d.s[0]
	d.s = d.s[1:]
	return c
}

func (d *decoder) time() time.Time {
	if d.byte1() == 0 {
		return time.Time{}
	}
	sec := d.varint()
	nsec := d.uvarint()
	off := d.varint()
	t := time.Unix(sec, int64(nsec))
	if off == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", int(off)))
}

// count reads a slice length and rejects lengths the remaining input cannot
// hold (each element takes at least one byte), so a corrupt record cannot
// make us allocate without bound.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.err = errShortRecord
		return 0
	}
	return int(n)
}

func decodeEntry(b []byte) (feeds.Entry, error) {
	var e feeds.Entry
	if len(b) == 0 || b[0] != recordVersion {
		return e, errors.New("storage: unknown entry record version")
	}
	d := &decoder{s: string(b[1:])}
	for _, p := range [...]*string{&e.Key, &e.FeedID, &e.GUID, &e.Title, &e.Link, &e.Content, &e.Summary, &e.Image, &e.Hash} {
		*p = d.str()
	}
	if n := d.count(); n > 0 {
		e.Authors = make([]feeds.Person, n)
		for i := range e.Authors {
			e.Authors[i] = feeds.Person{Name: d.str(), Email: d.str(), URI: d.str()}
		}
	}
	if n := d.count(); n > 0 {
		e.Categories = make([]string, n)
		for i := range e.Categories {
			e.Categories[i] = d.str()
		}
	}
	if n := d.count(); n > 0 {
		e.Enclosures = make([]feeds.Enclosure, n)
		for i := range e.Enclosures {
			e.Enclosures[i] = feeds.Enclosure{URL: d.str(), Type: d.str(), Length: d.varint()}
		}
	}
	e.Published = d.time()
	e.Updated = d.time()
	e.Seen = d.time()
	r := &e.Raw
	for _, p := range [...]*string{&r.Title, &r.Link, &r.Content, &r.Summary, &r.Base} {
		*p = d.str()
	}
	r.Text = d.byte1() == 1
	if d.byte1() == 1 {
		var p feeds.Podcast
		for _, s := range podcastFields(&p) {
			*s = d.str()
		}
		if p != (feeds.Podcast{}) {
			e.Podcast = &p
		}
	}
	return e, d.err
}
