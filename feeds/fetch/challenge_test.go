package fetch

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestFetchChallenge(t *testing.T) {
	const cfPage = `<!DOCTYPE html><html><head><title>Just a moment...</title></head>` +
		`<body><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>`
	const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>`
	tests := []struct {
		name      string
		code      int
		header    map[string]string
		body      string
		challenge bool // want an error matching ErrChallenge
		status    bool // want a *StatusError
	}{
		{"cf-mitigated header on 403", 403, map[string]string{"Cf-Mitigated": "challenge", "Content-Type": "text/html"}, "<html></html>", true, true},
		{"challenge HTML on 503", 503, map[string]string{"Content-Type": "text/html; charset=UTF-8"}, cfPage, true, true},
		{"challenge HTML on 200", 200, map[string]string{"Content-Type": "text/html"}, cfPage, true, false},
		{"cf-mitigated on 200", 200, map[string]string{"Cf-Mitigated": "challenge"}, rss, true, false},
		{"captcha wall without type", 200, nil, `<html><body><div class="g-recaptcha"></div></body></html>`, true, false},
		{"plain 403", 403, map[string]string{"Content-Type": "text/html"}, "<html><title>Forbidden</title></html>", false, true},
		{"plain HTML page", 200, map[string]string{"Content-Type": "text/html"}, "<html><title>Home</title></html>", false, false},
		{"feed labelled text/html", 200, map[string]string{"Content-Type": "text/html"}, rss[:len(rss)-len("</channel></rss>")] + `<item><title>Please wait: g-recaptcha explained</title></item></channel></rss>`, false, false},
		{"feed mentioning captcha words", 200, map[string]string{"Content-Type": "application/rss+xml"}, rss[:len(rss)-len("</channel></rss>")] + `<item><title>just a moment</title></item></channel></rss>`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, f := serve(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.code)
				w.Write([]byte(tt.body))
			})
			_, err := f.Fetch(t.Context(), Request{URL: srv.URL})
			if got := errors.Is(err, ErrChallenge); got != tt.challenge {
				t.Errorf("errors.Is(%v, ErrChallenge) = %v, want %v", err, got, tt.challenge)
			}
			var se *StatusError
			if got := errors.As(err, &se); got != tt.status {
				t.Errorf("errors.As(%v, *StatusError) = %v, want %v", err, got, tt.status)
			}
		})
	}
}

func TestFreshUntil(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	date := now.Add(-5 * time.Minute).Format(http.TimeFormat) // server clock 5 minutes slow
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration // from now; 0 means zero time
	}{
		{"none", http.Header{}, 0},
		{"max-age", http.Header{"Cache-Control": {"public, max-age=3600"}}, time.Hour},
		{"max-age minus age", http.Header{"Cache-Control": {"max-age=3600"}, "Age": {"600"}}, 50 * time.Minute},
		{"age beyond max-age", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"600"}}, 0},
		{"no-cache wins", http.Header{"Cache-Control": {"max-age=3600, no-cache"}}, 0},
		{"max-age beats expires", http.Header{"Cache-Control": {"max-age=60"}, "Expires": {now.Add(time.Hour).Format(http.TimeFormat)}}, time.Minute},
		{"expires against date", http.Header{"Date": {date}, "Expires": {now.Add(25 * time.Minute).Format(http.TimeFormat)}}, 30 * time.Minute},
		{"expires without date", http.Header{"Expires": {now.Add(20 * time.Minute).Format(http.TimeFormat)}}, 20 * time.Minute},
		{"expires in the past", http.Header{"Expires": {now.Add(-time.Hour).Format(http.TimeFormat)}}, 0},
		{"expires invalid", http.Header{"Expires": {"0"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FreshUntil(tt.header, now)
			var want time.Time
			if tt.want > 0 {
				want = now.Add(tt.want)
			}
			if !got.Equal(want) {
				t.Errorf("FreshUntil = %v, want %v", got, want)
			}
		})
	}
}
