package parse

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
	"github.com/tidyfeed/tidyfeed/feeds"
)

// capture holds what one Parse call's translators saw besides gofeed's
// universal model: the format-specific feed (for Atom content types, person
// URIs, JSON content_text ...) and the polling hints gofeed drops. Exactly one
// of rss, atom and json is set after a successful parse.
type capture struct {
	rss   *rss.Feed
	atom  *atom.Feed
	json  *json.Feed
	hints feeds.PollHints
}

var errWrongType = errors.New("translator got an unexpected feed type")

// rssTranslator wraps gofeed's default RSS translator, with its per-item HTML
// image scan switched off, and records the rss.Feed and its hints.
type rssTranslator struct{ c *capture }

func (t *rssTranslator) Translate(feed any) (*gofeed.Feed, error) {
	f, ok := feed.(*rss.Feed)
	if !ok {
		return nil, errWrongType
	}
	t.c.rss = f
	t.c.hints = rssHints(f)
	def := gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	return def.Translate(f)
}

// atomTranslator wraps gofeed's default Atom translator (which does no image
// scan) and records the atom.Feed.
type atomTranslator struct{ c *capture }

func (t *atomTranslator) Translate(feed any) (*gofeed.Feed, error) {
	f, ok := feed.(*atom.Feed)
	if !ok {
		return nil, errWrongType
	}
	t.c.atom = f
	t.c.hints.UpdateBase = syUpdateBase(f.Extensions)
	var def gofeed.DefaultAtomTranslator
	return def.Translate(f)
}

// jsonTranslator wraps gofeed's default JSON Feed translator and records the
// json.Feed.
type jsonTranslator struct{ c *capture }

func (t *jsonTranslator) Translate(feed any) (*gofeed.Feed, error) {
	f, ok := feed.(*json.Feed)
	if !ok {
		return nil, errWrongType
	}
	t.c.json = f
	var def gofeed.DefaultJSONTranslator
	return def.Translate(f)
}

// rssHints reads <ttl>, <skipHours>, <skipDays> and the syndication module.
func rssHints(f *rss.Feed) feeds.PollHints {
	var h feeds.PollHints
	if n, err := strconv.Atoi(strings.TrimSpace(f.TTL)); err == nil && n > 0 {
		h.TTL = time.Duration(n) * time.Minute
	}
	for _, s := range f.SkipHours {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 || n > 24 {
			continue
		}
		n %= 24 // some publishers write 24 for midnight
		if !slices.Contains(h.SkipHours, n) {
			h.SkipHours = append(h.SkipHours, n)
		}
	}
	slices.Sort(h.SkipHours)
	for _, s := range f.SkipDays {
		d, ok := dayNames[strings.ToLower(strings.TrimSpace(s))]
		if ok && !slices.Contains(h.SkipDays, d) {
			h.SkipDays = append(h.SkipDays, d)
		}
	}
	h.UpdateBase = syUpdateBase(f.Extensions)
	return h
}

var dayNames = map[string]string{
	"monday": "Monday", "tuesday": "Tuesday", "wednesday": "Wednesday",
	"thursday": "Thursday", "friday": "Friday", "saturday": "Saturday",
	"sunday": "Sunday",
}

var syPeriods = map[string]time.Duration{
	"hourly":  time.Hour,
	"daily":   24 * time.Hour,
	"weekly":  7 * 24 * time.Hour,
	"monthly": 30 * 24 * time.Hour,
	"yearly":  365 * 24 * time.Hour,
}

// syUpdateBase turns sy:updatePeriod / sy:updateFrequency into an interval:
// the period divided by the frequency (default 1). A period alone means
// "daily" per the module's spec only when a frequency is given; with neither
// present the result is 0.
func syUpdateBase(exts ext.Extensions) time.Duration {
	sy := exts["sy"]
	if sy == nil {
		return 0
	}
	period := syValue(sy, "updatePeriod")
	freq := syValue(sy, "updateFrequency")
	if period == "" && freq == "" {
		return 0
	}
	d, ok := syPeriods[strings.ToLower(period)]
	if !ok {
		d = syPeriods["daily"]
	}
	n := 1
	if v, err := strconv.Atoi(freq); err == nil && v > 0 {
		n = v
	}
	return d / time.Duration(n)
}

func syValue(sy map[string][]ext.Extension, name string) string {
	if es := sy[name]; len(es) > 0 {
		return strings.TrimSpace(es[0].Value)
	}
	return ""
}
