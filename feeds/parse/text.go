package parse

import (
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html"
)

// resolve makes ref absolute against base. It returns "" when ref is empty,
// unparsable, or relative with no base to resolve it against, so that every
// URL Parse hands out is absolute or empty.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if u.IsAbs() {
		if u.Host == "" && (u.Scheme == "http" || u.Scheme == "https") {
			return "" // "http:foo" is no usable link
		}
		return ref
	}
	if base == nil {
		if strings.HasPrefix(ref, "//") && u.Host != "" {
			return "https:" + ref
		}
		return ""
	}
	return base.ResolveReference(u).String()
}

// resolveBase resolves an xml:base value against the document URL; it
// returns nil when neither yields a URL.
func resolveBase(doc *url.URL, ref string) *url.URL {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return doc
	}
	if doc != nil {
		return doc.ResolveReference(u)
	}
	if !u.IsAbs() {
		return nil
	}
	return u
}

// rssPermalink returns an item's guid when it is a permalink URL
// (isPermaLink absent or "true").
func rssPermalink(it *rss.Item) string {
	if it == nil || it.GUID == nil || strings.EqualFold(strings.TrimSpace(it.GUID.IsPermalink), "false") {
		return ""
	}
	g := strings.TrimSpace(it.GUID.Value)
	if strings.HasPrefix(g, "http://") || strings.HasPrefix(g, "https://") {
		return g
	}
	return ""
}

// plainText strips tags, decodes entities and collapses white space.
func plainText(s string) string {
	if strings.ContainsAny(s, "<&") {
		var sb strings.Builder
		z := html.NewTokenizer(strings.NewReader(s))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			if tt == html.TextToken {
				sb.Write(z.Text())
			} else {
				sb.WriteByte(' ')
			}
		}
		s = sb.String()
	}
	return strings.Join(strings.Fields(s), " ")
}

// isAbs reports whether s parses as an absolute URL.
func isAbs(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.IsAbs()
}
