package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v4"
)

// The keys of the operations sections.
var (
	adminKeys = []string{"listen", "username", "password", "password_file"}
	keepKeys  = []string{"max_age", "max_items"}
)

// Admin says where the operator's endpoints (/metrics, /healthz, /readyz,
// /status, /api/status, /api/backup, /refresh) are served and how they are
// protected. The zero value serves them on Config.Listen without a
// password, as before this section existed.
type Admin struct {
	// Listen is a separate host:port for the admin endpoints; "" means
	// they share Config.Listen. When set, the public listener serves only
	// the feeds and the index page.
	Listen string
	// Username and Password, when both set, require HTTP basic auth on
	// every admin endpoint except /healthz and /readyz. Password may come
	// from password_file (its first line), relative to the config's folder.
	// A Username never comes with an empty Password: a missing, empty or
	// null password (or an empty first line in password_file) is an error.
	Username string
	Password string
}

// Keep is a retention policy. The zero value keeps everything.
type Keep struct {
	// MaxAge removes entries published (or first seen, whichever is
	// earlier) longer ago than this, 1h to 100 years; 0 means no age limit.
	MaxAge time.Duration
	// MaxItems keeps at most this many entries per feed, newest first,
	// 1 to 10,000,000; 0 means no count limit.
	MaxItems int
}

// IsZero reports whether k keeps everything.
func (k Keep) IsZero() bool { return k.MaxAge == 0 && k.MaxItems == 0 }

// Or fills k's unset fields from def: a feed's keep falls back to the
// global one field by field.
func (k Keep) Or(def Keep) Keep {
	if k.MaxAge == 0 {
		k.MaxAge = def.MaxAge
	}
	if k.MaxItems == 0 {
		k.MaxItems = def.MaxItems
	}
	return k
}

// Limits of the keep section.
const (
	minKeepAge   = time.Hour
	maxKeepAge   = 100 * 365 * 24 * time.Hour
	maxKeepItems = 10_000_000
)

func (d *decoder) admin(n *yaml.Node, listen string, dst *Admin) {
	var listenNode, userNode, passNode, fileNode *yaml.Node
	emptyPass := false // password: "" or a bare password: (null)
	d.mapping(n, "admin", adminKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "listen":
			listenNode = v
			d.str(v, "admin.listen", &dst.Listen)
		case "username":
			userNode = k
			d.str(v, "admin.username", &dst.Username)
		case "password":
			passNode = k
			d.str(v, "admin.password", &dst.Password)
			r := deref(v)
			emptyPass = dst.Password == "" && (isNull(r) || r.Kind == yaml.ScalarNode)
		case "password_file":
			fileNode = k
			var p string
			d.str(v, "admin.password_file", &p)
			if p == "" {
				return
			}
			p = d.abs(p)
			data, err := os.ReadFile(p)
			if err != nil {
				d.errorf(deref(v), "admin.password_file: %v", err)
				return
			}
			line, _, _ := strings.Cut(string(data), "\n")
			dst.Password = strings.TrimRight(line, "\r")
			if dst.Password == "" {
				d.errorf(deref(v), "admin.password_file: %s has an empty first line", p)
			}
		}
	})
	if dst.Listen != "" {
		if err := checkListen(dst.Listen); err != nil {
			d.errorf(deref(listenNode), "admin.listen: %v", err)
		} else if dst.Listen == listen {
			d.errorf(deref(listenNode), "admin.listen %q is the public listen address; leave it out to share it, or pick another port", dst.Listen)
		}
	}
	switch {
	case passNode != nil && fileNode != nil:
		d.errorf(fileNode, "admin has both password and password_file; use one")
	case dst.Username != "" && emptyPass:
		d.errorf(passNode, "admin.password is empty; admin.username needs a non-empty password")
	case dst.Username != "" && dst.Password == "" && passNode == nil && fileNode == nil:
		d.errorf(userNode, "admin.username needs a password or a password_file")
	case dst.Username == "" && dst.Password != "":
		at := passNode
		if at == nil {
			at = fileNode
		}
		d.errorf(at, "admin password needs an admin.username")
	}
	if strings.ContainsRune(dst.Username, ':') {
		d.errorf(userNode, "admin.username must not contain a colon")
	}
}

func (d *decoder) keep(n *yaml.Node, what string, dst *Keep) {
	d.mapping(n, what, keepKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "max_age":
			d.duration(v, what+".max_age", minKeepAge, maxKeepAge, &dst.MaxAge)
		case "max_items":
			d.integer(v, what+".max_items", 1, maxKeepItems, &dst.MaxItems)
		}
	})
}

// String describes k for logs, e.g. "max_age 90d, max_items 500".
func (k Keep) String() string {
	if k.IsZero() {
		return "everything"
	}
	var parts []string
	if k.MaxAge > 0 {
		parts = append(parts, "max_age "+formatDuration(k.MaxAge))
	}
	if k.MaxItems > 0 {
		parts = append(parts, fmt.Sprintf("max_items %d", k.MaxItems))
	}
	return strings.Join(parts, ", ")
}
