// Package accept reads HTTP content negotiation headers for the servers
// in tidyfeed (the published feeds and the metrics endpoint).
package accept

import (
	"strconv"
	"strings"
)

// Gzip reports whether an Accept-Encoding header value allows gzip:
// an explicit gzip (or x-gzip) with q > 0, or else a "*" with q > 0.
func Gzip(header string) bool {
	explicit, star := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		q := 1.0
		for param := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "x-gzip":
			explicit = max(explicit, q)
		case "*":
			star = max(star, q)
		}
	}
	if explicit >= 0 {
		return explicit > 0
	}
	return star > 0
}
