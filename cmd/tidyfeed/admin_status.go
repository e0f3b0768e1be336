package main

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// statusRow is one feed's line on the /status page.
type statusRow struct {
	Name, URL   string
	State       string // "ok", "failing", "gone", "moved", "challenged", "waiting", "never polled"
	Class       string // CSS class: ok, warn, bad, idle
	Since       string // when the state began, for failing and gone
	LastSuccess string
	LastAgo     time.Duration // for sorting; -1 when never
	NextCheck   string
	NextWhy     string
	next        time.Time
	Entries     int
	Error       string // the last error in plain words
	Detail      string // the error as recorded, for the tooltip
	Suggest     string // a config edit to make, if any
	rank        int    // problems first
}

// statusPageData is what the /status template renders.
type statusPageData struct {
	Title    string
	Time     string
	Rows     []statusRow
	Sort     string
	Problems int
	Version  string
}

// statusPage renders every configured feed's health as an HTML table. It
// needs no JavaScript; ?sort=name|state|success|next|entries orders it
// (default: problems first, then by name).
func (d *daemon) statusPage(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	cfg, rep, ok := d.liveStatus(w, r, now)
	if !ok {
		return
	}
	ver, _ := buildVersion()
	data := statusPageData{Title: cfg.Output.Title, Time: now.Local().Format("2006-01-02 15:04:05 MST"),
		Sort: r.URL.Query().Get("sort"), Version: ver}
	for _, f := range rep.Feeds {
		row := newStatusRow(f, now)
		if row.rank < 2 {
			data.Problems++
		}
		data.Rows = append(data.Rows, row)
	}
	sortRows(data.Rows, data.Sort)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	if err := statusTemplate.Execute(w, data); err != nil {
		d.logger.Warn("render status page", "error", err)
	}
}

// newStatusRow describes one feed in plain words.
func newStatusRow(f feedStatus, now time.Time) statusRow {
	st := f.State
	row := statusRow{Name: f.Name, URL: f.URL, Entries: st.Entries, State: "ok", Class: "ok", rank: 3,
		LastSuccess: ago(st.LastSuccess, now), LastAgo: -1, NextCheck: ago(st.NextCheck, now), NextWhy: st.NextReason,
		next: st.NextCheck, Detail: st.LastError}
	if !st.LastSuccess.IsZero() {
		row.LastAgo = now.Sub(st.LastSuccess)
	}
	switch {
	case st.LastAttempt.IsZero():
		row.State, row.Class, row.rank = "never polled", "idle", 2
	case !st.Gone.IsZero():
		row.State, row.Class, row.rank, row.Since = "gone", "bad", 0, ago(st.Gone, now)
		row.Suggest = "remove this feed from feeds.yaml, or give it a working url"
	case st.ErrorKind == "challenged" || st.ErrorKind == "challenge":
		row.State, row.Class, row.rank, row.Since = "challenged", "bad", 0, ago(st.ErrorSince, now)
	case st.RetryAfter.After(now) || f.HostPaused.After(now):
		row.State, row.Class, row.rank = "waiting", "warn", 1
		row.Since = ago(st.ErrorSince, now)
	case st.ConsecutiveErrors > 0:
		row.State, row.Class, row.rank, row.Since = "failing", "bad", 0, ago(st.ErrorSince, now)
	}
	if st.MovedTo != "" {
		if row.rank == 3 {
			row.State, row.Class, row.rank = "moved", "warn", 1
		}
		if st.MoveFollowed.IsZero() {
			row.Suggest = fmt.Sprintf("moved permanently (seen on %d polls); if it stays, edit feeds.yaml: url: %s", st.MovedSeen, st.MovedTo)
		} else {
			row.Suggest = "edit feeds.yaml: url: " + st.MovedTo
		}
	}
	if st.LastError != "" {
		row.Error = plainError(st, f.HostPaused, now)
	}
	return row
}

// plainError says what went wrong without Go error chains.
func plainError(st feeds.FeedState, hostPaused, now time.Time) string {
	code := st.LastStatus
	switch st.ErrorKind {
	case "retry-after":
		return fmt.Sprintf("The server asked us to slow down (HTTP %d); next try %s.", code, ago(st.RetryAfter, now))
	case "gone":
		return fmt.Sprintf("The feed no longer exists (HTTP %d).", code)
	case "not-found":
		return "The feed address answers 404 Not Found; it is marked gone after 3 days."
	case "challenge":
		return "The site answers with a bot-check page instead of the feed."
	case "offline":
		return "Our network seemed down: every feed failed at once. Not counted against this feed."
	case "internal":
		return "tidyfeed failed to store this poll (its own error, see the log)."
	}
	switch {
	case hostPaused.After(now):
		return "Other feeds of this site asked us to wait; polling resumes " + ago(hostPaused, now) + "."
	case code >= 500:
		return fmt.Sprintf("The server had an error (HTTP %d %s).", code, http.StatusText(code))
	case code >= 400:
		return fmt.Sprintf("The server refused the request (HTTP %d %s).", code, http.StatusText(code))
	case code == 0 && strings.Contains(st.LastError, "timeout"), strings.Contains(st.LastError, "deadline exceeded"):
		return "The server did not answer in time."
	case code == 0 && (strings.Contains(st.LastError, "no such host") || strings.Contains(st.LastError, "lookup")):
		return "The site's name does not resolve (DNS)."
	case code == 0 && strings.Contains(st.LastError, "refused"):
		return "The server refused the connection."
	case code == 0:
		return "Could not reach the server."
	case strings.Contains(st.LastError, "too large"):
		return "The feed is larger than fetch.max_body."
	}
	return "The response is not a feed tidyfeed can read."
}

// ago formats t relative to now: "3h20m ago", "in 12m", "never".
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := t.Sub(now).Round(time.Second)
	switch {
	case d > 0:
		return "in " + short(d)
	case d < 0:
		return short(-d) + " ago"
	}
	return "now"
}

// sortRows orders rows by the named column; the default puts problems first.
func sortRows(rows []statusRow, by string) {
	name := func(a, b statusRow) int { return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }
	slices.SortStableFunc(rows, func(a, b statusRow) int {
		switch by {
		case "name":
			return name(a, b)
		case "success":
			return cmp.Or(-cmp.Compare(a.LastAgo, b.LastAgo), name(a, b))
		case "next":
			return cmp.Or(a.next.Compare(b.next), name(a, b))
		case "entries":
			return cmp.Or(-cmp.Compare(a.Entries, b.Entries), name(a, b))
		}
		return cmp.Or(cmp.Compare(a.rank, b.rank), name(a, b))
	})
}

var statusTemplate = template.Must(template.New("status").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – feed status</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}
h1{font-size:1.4em;margin:0 0 .2em}
p.meta{color:#555;margin:0 0 1em}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.45em .6em;border-bottom:1px solid #ddd}
th a{color:inherit}
tr.bad td.state{color:#fff;background:#b3261e}
tr.warn td.state{background:#f5c542}
tr.ok td.state{background:#cde8cd}
tr.idle td.state{background:#eee}
td.state{font-weight:600;white-space:nowrap}
tr.bad td.state small{color:#fde}
td.num{text-align:right}
small{color:#555}
.suggest{font-family:ui-monospace,monospace;font-size:.9em;background:#f4f4f4;padding:.1em .3em}
</style></head>
<body>
<h1>{{.Title}}: feed status</h1>
<p class="meta">{{len .Rows}} feeds, <span id="problems">{{.Problems}}</span> need attention · {{.Time}} · tidyfeed {{.Version}} · <a href="metrics">metrics</a></p>
<table id="feeds">
<thead><tr>
<th><a href="?sort=name">Feed</a></th>
<th><a href="?sort=state">State</a></th>
<th><a href="?sort=success">Last success</a></th>
<th><a href="?sort=next">Next check</a></th>
<th><a href="?sort=entries">Entries</a></th>
<th>Last error</th>
<th>Suggested edit</th>
</tr></thead>
<tbody>
{{range .Rows}}<tr class="{{.Class}}" data-state="{{.State}}">
<td class="name">{{.Name}}{{if and .URL (ne .URL .Name)}}<br><small>{{.URL}}</small>{{end}}</td>
<td class="state">{{.State}}{{if .Since}}<br><small>since {{.Since}}</small>{{end}}</td>
<td>{{.LastSuccess}}</td>
<td>{{.NextCheck}}{{if .NextWhy}}<br><small>{{.NextWhy}}</small>{{end}}</td>
<td class="num">{{.Entries}}</td>
<td class="error"{{if .Detail}} title="{{.Detail}}"{{end}}>{{.Error}}</td>
<td>{{if .Suggest}}<span class="suggest">{{.Suggest}}</span>{{end}}</td>
</tr>
{{end}}</tbody></table>
</body></html>
`))
