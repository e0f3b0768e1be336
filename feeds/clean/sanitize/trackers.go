package sanitize

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/tidyfeed/tidyfeed/feeds/canon"
	"golang.org/x/net/html"
)

// trackerHosts serve only beacons, counters, ads and share buttons: every
// image from them (or a subdomain) is removed.
var trackerHosts = []string{
	"feeds.feedburner.com", "feedproxy.google.com", "feedburner.com",
	"pixel.wp.com", "stats.wordpress.com", "stats.wp.com",
	"feedsportal.com", "doubleclick.net", "google-analytics.com",
	"googletagmanager.com", "analytics.google.com", "scorecardresearch.com",
	"quantserve.com", "chartbeat.net", "pheedo.com", "feedblitz.com",
	"feedburner.google.com", "ad.doubleclick.net", "adsrvr.org",
	"googlesyndication.com", "moatads.com", "list-manage.com",
	"facebook.com", "bat.bing.com", "linkedin.com", "ads-twitter.com",
	"ct.pinterest.com", "matomo.cloud", "statcounter.com", "hit.gemius.pl",
	"mediaplex.com", "imrworldwide.com", "outbrain.com", "taboola.com",
}

// trackerHostPrefixes are first labels that mark a beacon host
// (pixel.example.com, beacon.example.net, ...) for an image with neither a
// real size nor alt text.
var trackerHostPrefixes = []string{"pixel.", "pixels.", "beacon.", "beacons.",
	"tracking.", "track.", "tracker.", "analytics.", "stats.", "counter.", "metrics.", "click."}

var (
	// beaconPath matches paths of analytics collectors and pixels; it
	// judges images with neither a real size nor alt text.
	beaconPath = regexp.MustCompile(`(?i)(?:/collect$|/(?:pixel|beacon|tracking|track|impression|imp|open)(?:[/.]|$)|/wf/open|/piwik\.php$|/matomo\.php$|/p\.gif$|/o\.gif$|/t\.gif$|/b\.gif$|/1x1(?:[._-]|$)|/pixel)`)
	// markers are tracking words in an image URL without alt text.
	markers = regexp.MustCompile(`(?i)(?:^|[/_.?&=-])(?:utm_[a-z]+|track(?:ing|er)?|beacon|open|pixel|impression|analytics|counter|stat|hit)(?:[/._?&=]|$)`)
	// flareLink matches FeedBurner flare and ad link paths.
	flareLink = regexp.MustCompile(`^/~(?:ff|a|f|at)/`)
)

// trackingImage reports why an <img> is a tracker, and its URL, or "" when
// it looks like a real image.
func trackingImage(n *html.Node, base *url.URL) (why, src string) {
	src = resolve(attr(n, "src"), base)
	w, h := dimension(attr(n, "width")), dimension(attr(n, "height"))
	if sw, sh := styleDims(attr(n, "style")); sw >= 0 || sh >= 0 {
		w, h = max(w, sw), max(h, sh)
	}
	if (w >= 0 && w <= 1) || (h >= 0 && h <= 1) {
		return "tracking pixel " + dimString(w) + "x" + dimString(h), src
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" {
		return "", src
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	for _, t := range trackerHosts {
		if host == t || strings.HasSuffix(host, "."+t) {
			return "tracker host " + t, src
		}
	}
	// Past the known trackers, a real size or alt text marks a real
	// image, whatever words its host or path holds (pixel-9-pro.jpg,
	// /track/12/cover.jpg, stats.example.gov charts).
	if (w > 1 && h > 1) || strings.TrimSpace(attr(n, "alt")) != "" {
		return "", src
	}
	for _, p := range trackerHostPrefixes {
		if strings.HasPrefix(host, p) {
			return "beacon host " + host, src
		}
	}
	if beaconPath.MatchString(u.Path) {
		return "beacon path", src
	}
	if markers.MatchString(u.EscapedPath()) || markers.MatchString("?"+u.RawQuery) {
		return "beacon marker without alt text", src
	}
	if strings.HasSuffix(strings.ToLower(u.Path), ".gif") && trackingQuery(u.Query()) {
		return "gif with tracking query without alt text", src
	}
	return "", src
}

// beaconKeys are query keys that identify a reader or defeat caches, the
// usual payload of an e-mail or feed open pixel.
var beaconKeys = map[string]bool{"u": true, "e": true, "id": true, "uid": true,
	"user": true, "email": true, "subscriber": true, "sid": true, "cid": true,
	"rid": true, "mid": true, "uuid": true, "token": true, "hash": true,
	"t": true, "ts": true, "rnd": true, "r": true, "random": true, "cb": true}

// trackingQuery reports whether q carries tracking or beacon keys.
func trackingQuery(q url.Values) bool {
	for k := range q {
		if canon.IsTrackingParam(k) || beaconKeys[strings.ToLower(k)] {
			return true
		}
	}
	return false
}

// adLink reports why a link is a feed-ad or flare link, or "".
func adLink(href string) string {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	switch {
	case (host == "feeds.feedburner.com" || host == "feedproxy.google.com") && flareLink.MatchString(u.Path):
		return "feedburner flare"
	case host == "doubleclick.net" || strings.HasSuffix(host, ".doubleclick.net"):
		return "doubleclick ad"
	case host == "da.feedsportal.com" || (strings.HasSuffix(host, "feedsportal.com") && strings.HasPrefix(u.Path, "/r/")):
		return "feedsportal ad"
	case host == "feeds.wordpress.com" && strings.HasPrefix(u.Path, "/1.0/"):
		return "wordpress feed button"
	case host == "pheedo.com" || strings.HasSuffix(host, ".pheedo.com"):
		return "pheedo ad"
	}
	return ""
}

// dimension parses a width or height attribute ("1", "0px"); -1 means
// absent or not a plain pixel count.
func dimension(v string) int {
	v = strings.TrimSuffix(strings.TrimSpace(strings.ToLower(v)), "px")
	if v == "" {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return -1
	}
	return n
}

var styleDim = regexp.MustCompile(`(?i)(?:^|[;\s])(width|height)\s*:\s*([0-9]+)(?:px)?\s*(?:;|$|!)`)

// styleDims reads pixel width and height from a style attribute; -1 when
// absent.
func styleDims(style string) (w, h int) {
	w, h = -1, -1
	for _, m := range styleDim.FindAllStringSubmatch(style, -1) {
		n, err := strconv.Atoi(m[2])
		if err != nil {
			continue
		}
		if strings.EqualFold(m[1], "width") {
			w = n
		} else {
			h = n
		}
	}
	return w, h
}

func dimString(n int) string {
	if n < 0 {
		return "?"
	}
	return strconv.Itoa(n)
}
