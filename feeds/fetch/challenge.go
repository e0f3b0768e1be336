package fetch

import (
	"bytes"
	"net/http"
	"strings"
)

// challengeMarkers are byte strings found in the bot-challenge and captcha
// interstitials that CDNs and WAFs serve instead of a feed (Cloudflare,
// DDoS-Guard, Sucuri, PerimeterX, reCAPTCHA and hCaptcha walls). They are
// matched case-insensitively in an HTML body.
var challengeMarkers = [][]byte{
	[]byte("<title>just a moment"),
	[]byte("<title>attention required"),
	[]byte("<title>please wait"),
	[]byte("checking your browser"),
	[]byte("verifying you are human"),
	[]byte("verify you are human"),
	[]byte("/cdn-cgi/challenge-platform"),
	[]byte("_cf_chl_opt"),
	[]byte("cf-browser-verification"),
	[]byte("ddos-guard"),
	[]byte("sucuri website firewall"),
	[]byte("px-captcha"),
	[]byte("g-recaptcha"),
	[]byte("h-captcha"),
}

// challengeScan is how much of an HTML body isChallenge looks at.
const challengeScan = 64 << 10

// isChallenge reports whether a response is a bot-challenge page: the
// cf-mitigated: challenge header (Cloudflare's documented signal), or an
// HTML body carrying one of challengeMarkers. body may be nil.
func isChallenge(h http.Header, body []byte) bool {
	if strings.EqualFold(strings.TrimSpace(h.Get("Cf-Mitigated")), "challenge") {
		return true
	}
	if !isHTML(h.Get("Content-Type"), body) || looksLikeFeed(body) {
		return false
	}
	b := bytes.ToLower(body[:min(len(body), challengeScan)])
	for _, m := range challengeMarkers {
		if bytes.Contains(b, m) {
			return true
		}
	}
	return false
}

// isHTML reports whether a response is an HTML page by its media type, or
// when it has none, by its first bytes.
func isHTML(contentType string, body []byte) bool {
	mt, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	switch strings.TrimSpace(mt) {
	case "text/html", "application/xhtml+xml":
		return true
	case "":
		head := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 512)]))
		return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
	}
	return false
}

// looksLikeFeed reports whether a body starts like an XML or JSON document
// rather than an HTML page, whatever its media type says (some servers
// label feeds text/html).
func looksLikeFeed(body []byte) bool {
	head := bytes.ToLower(bytes.TrimLeft(body[:min(len(body), 512)], " \t\r\n\ufeff"))
	for _, p := range []string{"<?xml", "<rss", "<feed", "<rdf", "{"} {
		if bytes.HasPrefix(head, []byte(p)) {
			return true
		}
	}
	return false
}
