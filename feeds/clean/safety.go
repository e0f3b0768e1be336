package clean

// This file is the only place that calls the safety packages: sanitize
// (the allowlist gate, plain text, DOM rewriting) and canon (URL
// cleaning). Keeping the calls together keeps the pipeline's order visible.

import (
	"net/url"
	"strings"

	"github.com/tidyfeed/tidyfeed/feeds/canon"
	"github.com/tidyfeed/tidyfeed/feeds/clean/sanitize"
	"golang.org/x/net/html"
)

// safety wraps the final sanitizer; one per Cleaner, safe for concurrent use.
type safety struct {
	s *sanitize.Sanitizer
}

func newSafety() safety {
	return safety{s: sanitize.New(sanitize.Options{})}
}

// html returns raw with everything unsafe removed.
func (s safety) html(raw string) string {
	return s.s.HTML(raw)
}

// safeText returns the plain, safe text of a title or summary.
func safeText(raw string) string {
	return sanitize.Text(raw)
}

// cleanURL strips tracking parameters and unwraps redirect wrappers from
// an entry link. Anything but an absolute http(s) URL yields "": an entry
// link is rendered as an href, and javascript: must never get there.
func cleanURL(raw string) string {
	s := canon.Clean(strings.TrimSpace(raw))
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

// rewrite makes URLs absolute against base and cleans them, fixes lazy
// images, removes injected <base> and tracking pixels and flares,
// recording each removal in rep as "safety/<element>".
func rewrite(root *html.Node, base *url.URL, rep *Report) {
	r := sanitize.Rewrite(root, base)
	for _, rm := range r.Removed {
		rep.add("safety/"+rm.Element, rm.Reason+": "+rm.URL)
	}
}
