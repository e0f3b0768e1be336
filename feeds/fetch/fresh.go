package fetch

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FreshUntil returns when a response with header h, received at now, stops
// being fresh by HTTP caching rules (RFC 9111): Cache-Control max-age minus
// Age, else Expires (measured against the response's Date, so that a skewed
// server clock does not matter). It returns the zero time when the response
// gives no freshness, says no-cache or no-store, or is already stale. The
// scheduler treats the result as a hint that may delay the next poll.
func FreshUntil(h http.Header, now time.Time) time.Time {
	var maxAge int64 = -1
	for _, v := range h.Values("Cache-Control") {
		for d := range strings.SplitSeq(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-cache", "no-store":
				return time.Time{}
			case "max-age":
				if n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(val), `"`), 10, 64); err == nil && n >= 0 {
					maxAge = n
				}
			}
		}
	}
	if maxAge >= 0 {
		age, _ := strconv.ParseInt(strings.TrimSpace(h.Get("Age")), 10, 64)
		left := max(maxAge-max(age, 0), 0)
		if left == 0 {
			return time.Time{}
		}
		left = min(left, int64(365*24*time.Hour/time.Second))
		return now.Add(time.Duration(left) * time.Second)
	}
	exp, err := http.ParseTime(h.Get("Expires"))
	if err != nil {
		return time.Time{}
	}
	at := exp
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		at = now.Add(exp.Sub(date))
	}
	if !at.After(now) {
		return time.Time{}
	}
	return at
}
