// Package canon cleans URLs for display and derives canonical identity keys
// from them.
//
// Clean takes a URL as a publisher wrote it and returns the URL a reader
// should see: redirect wrappers (Google, Facebook, Outlook safelinks, ...)
// unwrapped to their target and tracking query parameters (utm_*, fbclid,
// gclid, ...) removed, everything else left exactly as it was. Key goes
// further and folds every spelling of one address (http or https, www. or
// not, parameter order, trailing slash, percent-encoding) into one string,
// for package dedupe and storage to compare.
//
// The package does no I/O and holds no state; every function is safe for
// concurrent use.
//
// # Caveats
//
//   - Only http and https URLs are touched. Anything else (mailto:,
//     javascript:, relative references, garbage) is returned unchanged:
//     deciding whether such a URL is safe is package sanitize's job.
//   - Shorteners and wrappers whose target is not in the URL itself
//     (t.co, bit.ly, FeedBurner ~3 links) cannot be unwrapped without a
//     request and are left alone. FeedBurner's original link comes from
//     feedburner:origLink, which feeds/parse reads.
//   - A parameter is dropped only when it is on the list in tracking.go,
//     or is "ref"-like on a host known to use it for tracking. Unknown
//     parameters are kept: a lost id breaks a link, a kept utm_ does not.
//   - Key is an identity, not an address: it always says https and drops
//     www., so it may not be fetchable as written.
package canon

import (
	"net/url"
	"strings"
)

// Clean returns the URL to display for raw: redirect wrappers unwrapped
// (repeatedly) and tracking query parameters removed, with the order and
// spelling of the remaining parameters, the path and the fragment kept.
// A fragment that is only tracking parameters ("#utm_source=x") is dropped.
// Input that is not an absolute http or https URL, or does not parse, is
// returned unchanged. Clean is idempotent: Clean(Clean(u)) == Clean(u).
func Clean(raw string) string {
	// One pass can expose more to clean (a query left holding only white
	// space, say); repeat to a fixed point, bounded against surprises.
	s := raw
	for range 8 {
		c := cleanOnce(s)
		if c == s {
			break
		}
		s = c
	}
	return s
}

// cleanOnce unwraps and strips u until neither changes it, then serialises.
func cleanOnce(raw string) string {
	u, ok := parseHTTP(raw)
	if !ok {
		return raw
	}
	changed := false
	for {
		step := false
		if t, ok := unwrapOnce(u); ok {
			u, step = t, true
		}
		if stripTracking(u) {
			step = true
		}
		if !step {
			break
		}
		changed = true
	}
	if !changed {
		return raw
	}
	s := u.String()
	if h := u.Host; !isASCII(h) {
		// String percent-encodes an internationalised host; keep it as
		// written, as everything else that was not cleaned.
		s = strings.Replace(s, strings.TrimPrefix((&url.URL{Host: h}).String(), "//"), h, 1)
	}
	return s
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Unwrap follows redirect wrappers whose target is carried in the URL
// itself (google.com/url?q=, l.facebook.com/l.php?u=, Outlook safelinks,
// out.reddit.com, youtube.com/redirect, ...), as many levels deep as they
// are nested. It reports whether anything was unwrapped; when nothing was,
// it returns raw unchanged. The target is returned as written, tracking
// parameters included: Clean removes those.
func Unwrap(raw string) (string, bool) {
	u, ok := parseHTTP(raw)
	if !ok {
		return raw, false
	}
	unwrapped := false
	for {
		t, ok := unwrapOnce(u)
		if !ok {
			break
		}
		u, unwrapped = t, true
	}
	if !unwrapped {
		return raw, false
	}
	return u.String(), true
}

// parseHTTP parses raw (surrounding white space ignored) and reports
// whether it is an absolute http or https URL with a host.
func parseHTTP(raw string) (*url.URL, bool) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, false
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, false
	}
	return u, true
}

// stripTracking removes tracking parameters from u's query and fragment in
// place and reports whether it changed anything.
func stripTracking(u *url.URL) bool {
	changed := false
	host := hostKey(u.Hostname())
	if u.RawQuery != "" || u.ForceQuery {
		q, ok := filterQuery(u.RawQuery, host)
		if ok || (q == "" && u.ForceQuery) {
			u.RawQuery, u.ForceQuery, changed = q, false, true
		}
	}
	if u.Fragment != "" && trackingFragment(u.EscapedFragment(), host) {
		u.Fragment, u.RawFragment, changed = "", "", true
	}
	return changed
}

// filterQuery drops tracking parameters from a raw query string, keeping
// the order and encoding of the rest. It reports whether it dropped any.
func filterQuery(rawQuery, host string) (string, bool) {
	parts := strings.Split(rawQuery, "&")
	kept := parts[:0:0]
	dropped := false
	for _, p := range parts {
		if strings.TrimSpace(p) == "" {
			dropped = true
			continue
		}
		if isTrackingFor(paramName(p), host) {
			dropped = true
			continue
		}
		kept = append(kept, p)
	}
	if !dropped {
		return rawQuery, false
	}
	return strings.Join(kept, "&"), true
}

// trackingFragment reports whether a fragment is a query-like list of
// parameters that are all tracking ("#utm_source=rss&utm_medium=feed").
func trackingFragment(frag, host string) bool {
	if !strings.Contains(frag, "=") {
		return false
	}
	for p := range strings.SplitSeq(frag, "&") {
		if !strings.Contains(p, "=") || !isTrackingFor(paramName(p), host) {
			return false
		}
	}
	return true
}

// paramName returns the decoded name of one "name=value" query piece.
func paramName(p string) string {
	name, _, _ := strings.Cut(p, "=")
	if dec, err := url.QueryUnescape(name); err == nil {
		name = dec
	}
	return name
}

// hostKey lower-cases host and strips a trailing dot and leading "www."
// labels, for matching against host lists.
func hostKey(host string) string {
	h := strings.TrimRight(strings.ToLower(host), ".")
	for strings.HasPrefix(h, "www.") {
		h = h[len("www."):]
	}
	return h
}

// hostIs reports whether host (already passed through hostKey) is domain or
// a subdomain of it.
func hostIs(host, domain string) bool {
	return host == domain || strings.HasSuffix(host, "."+domain)
}
