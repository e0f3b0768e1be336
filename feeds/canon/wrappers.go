package canon

import (
	"net/url"
	"regexp"
	"strings"
)

// wrapper is a redirect service that carries its target in a query
// parameter.
type wrapper struct {
	host   func(h string) bool // h is a hostKey
	path   func(p string) bool // nil means any path
	params []string            // the first one present with a valid target wins
}

var googleHost = regexp.MustCompile(`^google\.(com|[a-z]{2,3}|co\.[a-z]{2}|com\.[a-z]{2})$`)

func exactHost(hosts ...string) func(string) bool {
	return func(h string) bool {
		for _, x := range hosts {
			if h == x {
				return true
			}
		}
		return false
	}
}

func exactPath(paths ...string) func(string) bool {
	return func(p string) bool {
		for _, x := range paths {
			if p == x {
				return true
			}
		}
		return false
	}
}

// wrappers lists the redirect wrappers Unwrap follows. t.co, bit.ly and
// other shorteners are absent on purpose: their target is not in the URL.
var wrappers = []wrapper{
	{googleHost.MatchString, exactPath("/url", "/link"), []string{"q", "url"}},
	{exactHost("l.facebook.com", "lm.facebook.com", "facebook.com", "m.facebook.com", "l.messenger.com"), exactPath("/l.php", "/flx/warn"), []string{"u"}},
	{func(h string) bool { return strings.HasSuffix(h, ".safelinks.protection.outlook.com") }, nil, []string{"url"}},
	{exactHost("out.reddit.com"), nil, []string{"url"}},
	{exactHost("l.instagram.com", "l.threads.net", "l.threads.com"), nil, []string{"u"}},
	{exactHost("youtube.com", "m.youtube.com"), exactPath("/redirect"), []string{"q"}},
	{exactHost("slack-redir.net"), exactPath("/link"), []string{"url"}},
	{exactHost("t.umblr.com"), exactPath("/redirect"), []string{"z"}},
	{exactHost("linkedin.com"), exactPath("/redir/redirect"), []string{"url"}},
	{exactHost("away.vk.com", "vk.com"), exactPath("/away.php"), []string{"to"}},
	{exactHost("steamcommunity.com"), exactPath("/linkfilter"), []string{"url", "u"}},
	{exactHost("duckduckgo.com"), exactPath("/l"), []string{"uddg"}},
	{exactHost("deref-gmx.net", "deref-web.de", "deref-gmx.com"), nil, []string{"redirectUrl"}},
	{exactHost("exit.sc"), nil, []string{"url"}},
	{exactHost("disq.us"), exactPath("/url"), []string{"url"}},
}

// unwrapOnce returns the target of u if u is a known redirect wrapper whose
// target is an absolute http or https URL.
func unwrapOnce(u *url.URL) (*url.URL, bool) {
	host := hostKey(u.Hostname())
	for _, w := range wrappers {
		if !w.host(host) || (w.path != nil && !w.path(strings.TrimRight(u.Path, "/"))) {
			continue
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			q = lenientQuery(u.RawQuery)
		}
		for _, p := range w.params {
			if v := q.Get(p); v != "" {
				if host == "disq.us" {
					v = trimDisqusSuffix(v)
				}
				if t, ok := parseHTTP(v); ok {
					return t, true
				}
			}
		}
	}
	return nil, false
}

// trimDisqusSuffix removes the ":abc123" suffix disq.us appends to the
// target URL.
func trimDisqusSuffix(v string) string {
	i := strings.LastIndex(v, ":")
	if i > len("https:") && isDisqusSuffix(v[i+1:]) {
		return v[:i]
	}
	return v
}

// isDisqusSuffix recognises the "abc123" part of that suffix.
func isDisqusSuffix(s string) bool {
	if s == "" || len(s) > 40 || strings.Trim(s, "0123456789") == "" {
		return false // a port, not a suffix
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// lenientQuery parses a query, skipping pieces that do not decode.
func lenientQuery(raw string) url.Values {
	v := url.Values{}
	for p := range strings.SplitSeq(raw, "&") {
		k, val, _ := strings.Cut(p, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(val)
		if err1 == nil && err2 == nil {
			v.Add(dk, dv)
		}
	}
	return v
}
