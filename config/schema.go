package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v4"
)

// The keys each mapping accepts, in the order the documentation lists them.
var (
	topKeys    = []string{"listen", "data", "interval", "log", "fetch", "polling", "output", "admin", "keep", "filters", "outputs", "feeds"}
	logKeys    = []string{"format", "level"}
	fetchKeys  = []string{"timeout", "max_body", "user_agent", "allow_private_networks"}
	outputKeys = []string{"title", "link", "max_items", "dir", "hub", "archive"}
	pollKeys   = []string{"adaptive", "concurrency", "per_host", "host_spacing", "max_retry_after", "backoff_cap"}
	feedKeys   = []string{"url", "path", "name", "interval", "tags", "priority", "dedupe", "remove", "replace", "disable", "keep", "filters"}
	replKeys   = []string{"pattern", "with"}
)

// Limits checked by validation.
const (
	minInterval = time.Minute
	maxInterval = 30 * 24 * time.Hour
	minTimeout  = time.Second
	maxTimeout  = 10 * time.Minute
	minMaxBody  = 1000               // 1KB
	maxMaxBody  = 1000 * 1000 * 1000 // 1GB
	maxMaxItems = 100_000
	maxPriority = 1_000_000 // |priority|
)

// decode turns data into a Config with defaults applied, recording every
// problem in d.errs.
func (d *decoder) decode(data []byte) *Config {
	cfg := &Config{
		Listen:   DefaultListen,
		Data:     DefaultData,
		Interval: DefaultInterval,
		Log:      Log{Format: DefaultLogFormat, Level: DefaultLogLevel},
		Fetch:    Fetch{Timeout: DefaultTimeout, MaxBody: DefaultMaxBody},
		Output:   Output{Title: DefaultTitle, MaxItems: DefaultMaxItems},
		Polling: Polling{Adaptive: true, Concurrency: DefaultConcurrency, PerHost: DefaultPerHost,
			HostSpacing: DefaultHostSpacing, MaxRetryAfter: DefaultMaxRetryAfter, BackoffCap: DefaultBackoffCap},
	}
	var listenNode, dataNode, adminNode *yaml.Node
	root := d.document(data)
	d.mapping(root, "the configuration", topKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "listen":
			listenNode = v
			d.str(v, key, &cfg.Listen)
		case "data":
			dataNode = v
			d.str(v, key, &cfg.Data)
		case "interval":
			d.duration(v, key, minInterval, maxInterval, &cfg.Interval)
		case "log":
			d.log(v, &cfg.Log)
		case "fetch":
			d.fetch(v, &cfg.Fetch)
		case "polling":
			d.polling(v, &cfg.Polling)
		case "output":
			d.output(v, &cfg.Output)
		case "admin":
			adminNode = v
		case "keep":
			d.keep(v, "keep", &cfg.Keep)
		case "filters":
			d.filters(v, key, filterKeys, &cfg.Filters)
		case "outputs":
			d.list(v, key, func(i int, item *yaml.Node) {
				if o, ok := d.namedOutput(item, fmt.Sprintf("outputs[%d]", i)); ok {
					cfg.Outputs = append(cfg.Outputs, o)
				}
			})
		case "feeds":
			d.list(v, key, func(i int, item *yaml.Node) {
				if f, ok := d.feed(item, fmt.Sprintf("feeds[%d]", i)); ok {
					cfg.Feeds = append(cfg.Feeds, f)
				}
			})
		}
	})
	if err := checkListen(cfg.Listen); err != nil {
		d.errorf(deref(listenNode), "listen: %v", err)
	}
	d.admin(adminNode, cfg.Listen, &cfg.Admin) // after listen, which it must differ from
	if cfg.Data == "" {
		d.errorf(deref(dataNode), "data must name a file")
	}
	cfg.Data = d.abs(cfg.Data)
	if cfg.Output.Link == "" {
		cfg.Output.Link = defaultLink(cfg.Listen)
	}
	d.duplicates(cfg.Feeds)
	d.checkOutputs(cfg.Outputs, cfg.Feeds)
	if cfg.Output.Dir != "" {
		cfg.Output.Dir = d.abs(cfg.Output.Dir)
	}
	return cfg
}

func (d *decoder) log(n *yaml.Node, dst *Log) {
	d.mapping(n, "log", logKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "format":
			d.enum(v, "log.format", []string{"text", "json"}, &dst.Format)
		case "level":
			d.enum(v, "log.level", []string{"debug", "info", "warn", "error"}, &dst.Level)
		}
	})
}

func (d *decoder) polling(n *yaml.Node, dst *Polling) {
	d.mapping(n, "polling", pollKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "adaptive":
			d.boolean(v, "polling.adaptive", &dst.Adaptive)
		case "concurrency":
			d.integer(v, "polling.concurrency", 1, 256, &dst.Concurrency)
		case "per_host":
			d.integer(v, "polling.per_host", 1, 16, &dst.PerHost)
		case "host_spacing":
			d.duration(v, "polling.host_spacing", 0, 10*time.Minute, &dst.HostSpacing)
		case "max_retry_after":
			d.duration(v, "polling.max_retry_after", time.Minute, maxInterval, &dst.MaxRetryAfter)
		case "backoff_cap":
			d.duration(v, "polling.backoff_cap", time.Minute, maxInterval, &dst.BackoffCap)
		}
	})
}

func (d *decoder) fetch(n *yaml.Node, dst *Fetch) {
	d.mapping(n, "fetch", fetchKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "timeout":
			d.duration(v, "fetch.timeout", minTimeout, maxTimeout, &dst.Timeout)
		case "max_body":
			d.size(v, "fetch.max_body", minMaxBody, maxMaxBody, &dst.MaxBody)
		case "user_agent":
			var ua string
			d.str(v, "fetch.user_agent", &ua)
			if strings.ContainsFunc(ua, isControl) {
				d.errorf(deref(v), "fetch.user_agent must not contain control characters")
				return
			}
			dst.UserAgent = ua
		case "allow_private_networks":
			d.boolean(v, "fetch.allow_private_networks", &dst.AllowPrivateNetworks)
		}
	})
}

func (d *decoder) output(n *yaml.Node, dst *Output) {
	d.mapping(n, "output", outputKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "title":
			d.str(v, "output.title", &dst.Title)
		case "link":
			var link string
			d.str(v, "output.link", &link)
			if link == "" {
				return // absent or null: the default applies
			}
			u, err := httpURL(link)
			if err != nil {
				d.errorf(deref(v), "output.link: %v", err)
				return
			}
			if u.Path == "" {
				u.Path = "/"
			}
			dst.Link = u.String()
		case "max_items":
			d.integer(v, "output.max_items", 1, maxMaxItems, &dst.MaxItems)
		case "dir":
			d.str(v, "output.dir", &dst.Dir)
		case "hub":
			var hub string
			d.str(v, "output.hub", &hub)
			if hub == "" {
				return
			}
			if _, err := httpURL(hub); err != nil {
				d.errorf(deref(v), "output.hub: %v", err)
				return
			}
			dst.Hub = hub
		case "archive":
			d.duration(v, "output.archive", time.Hour, 366*24*time.Hour, &dst.Archive)
		}
	})
}

// feed decodes one entry of the feeds list. ok is false when the entry is
// unusable as a whole (not a mapping); field problems are recorded and the
// feed is still returned so that duplicate checks can run.
func (d *decoder) feed(n *yaml.Node, what string) (f Feed, ok bool) {
	r := d.resolve(n)
	if r == nil {
		return f, false
	}
	if r.Kind != yaml.MappingNode {
		d.errorf(r, "%s must be a mapping with a url or a path, got %s", what, kindName(r))
		return f, false
	}
	f.Dedupe = true
	f.Line, f.Column = n.Line, n.Column
	var urlNode, pathNode *yaml.Node
	d.mapping(r, what, feedKeys, func(key string, k, v *yaml.Node) {
		w := what + "." + key
		switch key {
		case "url":
			urlNode = k
			d.str(v, w, &f.URL)
			if f.URL == "" {
				return
			}
			if _, err := httpURL(f.URL); err != nil {
				d.errorf(deref(v), "%s: %v", w, err)
			}
		case "path":
			pathNode = k
			d.str(v, w, &f.Path)
			if f.Path == "" {
				return
			}
			f.Path = d.abs(f.Path)
			d.checkFile(deref(v), w, f.Path)
		case "name":
			d.str(v, w, &f.Name)
		case "interval":
			d.duration(v, w, minInterval, maxInterval, &f.Interval)
		case "tags":
			d.strings(v, w, &f.Tags)
		case "priority":
			d.integer(v, w, -maxPriority, maxPriority, &f.Priority)
		case "dedupe":
			d.boolean(v, w, &f.Dedupe)
		case "remove":
			d.strings(v, w, &f.Remove)
		case "replace":
			d.list(v, w, func(i int, item *yaml.Node) {
				if rep, ok := d.replace(item, fmt.Sprintf("%s[%d]", w, i)); ok {
					f.Replace = append(f.Replace, rep)
				}
			})
		case "disable":
			d.strings(v, w, &f.Disable)
		case "keep":
			d.keep(v, w, &f.Keep)
		case "filters":
			d.filters(v, w, filterKeys, &f.Filters)
		}
	})
	switch {
	case urlNode != nil && pathNode != nil:
		d.errorf(pathNode, "%s has both url and path; a feed needs exactly one", what)
	case urlNode == nil && pathNode == nil:
		d.errorf(n, "%s needs a url or a path", what)
	case urlNode != nil && f.URL == "":
		d.errorf(urlNode, "%s: url must not be empty", what)
	case pathNode != nil && f.Path == "":
		d.errorf(pathNode, "%s: path must not be empty", what)
	}
	return f, true
}

func (d *decoder) replace(n *yaml.Node, what string) (rep Replace, ok bool) {
	var patNode *yaml.Node
	r := d.resolve(n)
	if r != nil && r.Kind != yaml.MappingNode {
		d.errorf(r, "%s must be a mapping like {pattern: \"...\", with: \"...\"}, got %s", what, kindName(r))
		return rep, false
	}
	d.mapping(r, what, replKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "pattern":
			patNode = k
			d.str(v, what+".pattern", &rep.Pattern)
			if rep.Pattern == "" {
				return
			}
			if _, err := regexp.Compile(rep.Pattern); err != nil {
				d.errorf(deref(v), "%s.pattern: %v", what, err)
			}
		case "with":
			d.str(v, what+".with", &rep.With)
		}
	})
	if rep.Pattern == "" {
		at := n
		if patNode != nil {
			at = patNode
		}
		d.errorf(at, "%s needs a non-empty pattern", what)
		return rep, false
	}
	return rep, true
}

// duration decodes a duration in [lo, hi].
func (d *decoder) duration(n *yaml.Node, what string, lo, hi time.Duration, dst *time.Duration) {
	n, ok := d.scalar(n, what, "a duration such as 30m or 1h")
	if !ok {
		return
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		d.errorf(n, "%s: %v (use Go syntax such as 90s or 1h30m, or whole days such as 2d or 1w)", what, err)
		return
	}
	if v < lo || v > hi {
		d.errorf(n, "%s must be between %s and %s, got %s", what, formatDuration(lo), formatDuration(hi), n.Value)
		return
	}
	*dst = v
}

// size decodes a byte size in [lo, hi].
func (d *decoder) size(n *yaml.Node, what string, lo, hi int64, dst *int64) {
	n, ok := d.scalar(n, what, "a size such as 10MB")
	if !ok {
		return
	}
	v, err := parseSize(n.Value)
	if err != nil {
		d.errorf(n, "%s: %v (use a byte count or a number with KB, MB, GB, KiB, MiB or GiB)", what, err)
		return
	}
	if v < lo || v > hi {
		d.errorf(n, "%s must be between %s and %s, got %s", what, formatSize(lo), formatSize(hi), n.Value)
		return
	}
	*dst = v
}

// enum decodes one of a fixed set of strings.
func (d *decoder) enum(n *yaml.Node, what string, allowed []string, dst *string) {
	var s string
	d.str(n, what, &s)
	if s == "" {
		return
	}
	for _, a := range allowed {
		if s == a {
			*dst = s
			return
		}
	}
	d.errorf(deref(n), "%s must be one of %s, got %q", what, joinQuoted(allowed), s)
}

// abs resolves p against the configuration's folder.
func (d *decoder) abs(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(d.dir, p)
}

// checkFile reports a local feed file that is a folder or cannot be
// looked at, and warns of one that does not exist (yet): like a URL that
// answers 404, it is polled as a failing feed, and one missing file must
// not stop the daemon from starting or taking edits.
func (d *decoder) checkFile(n *yaml.Node, what, path string) {
	fi, err := os.Stat(path)
	switch {
	case os.IsNotExist(err):
		d.warnf(n, "%s: no such file: %s (it is polled, and fails, until it appears)", what, path)
	case err != nil:
		d.errorf(n, "%s: %v", what, err)
	case fi.IsDir():
		d.errorf(n, "%s: %s is a folder, not a feed file", what, path)
	}
}

// duplicates reports feeds that name the same URL (after normalisation) or
// the same file as an earlier one, giving both positions.
func (d *decoder) duplicates(fs []Feed) {
	first := make(map[string]Feed, len(fs))
	for _, f := range fs {
		key := "file:" + f.Path
		if f.URL != "" {
			key = normalizeURL(f.URL)
		}
		if key == "file:" || (f.URL != "" && f.Path != "") {
			continue // already reported as incomplete or ambiguous
		}
		if prev, dup := first[key]; dup {
			what := f.URL
			if what == "" {
				what = f.Path
			}
			d.errAt(f.Line, f.Column, fmt.Sprintf("duplicate feed %s (line %d:%d lists it too)", what, prev.Line, prev.Column))
			continue
		}
		first[key] = f
	}
}

// normalizeURL is the key duplicate detection compares: scheme and host
// lower-cased, default port dropped, empty path as "/", fragment dropped.
func normalizeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if u.Scheme == "http" && port == "80" || u.Scheme == "https" && port == "443" {
		port = ""
	}
	u.Host = host
	if port != "" {
		u.Host = net.JoinHostPort(host, port)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// httpURL parses s as an absolute http or https URL with a host.
func httpURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %v", s, unwrapURLError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return nil, fmt.Errorf("URL %q must be absolute, starting with http:// or https://", s)
		}
		return nil, fmt.Errorf("URL %q must use http or https, not %s", s, u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("URL %q has no host", s)
	}
	return u, nil
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// checkListen checks that s is host:port with a numeric port 1-65535.
func checkListen(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:8080 or :8080)", s)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("%q: port must be a number from 1 to 65535", s)
	}
	return nil
}

// defaultLink is the output link used when none is configured:
// "http://<listen>/", with localhost standing in for an empty or
// unspecified host.
func defaultLink(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen + "/"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
