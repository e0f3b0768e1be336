// Package fetch performs one polite HTTP GET of a feed and hands back its
// body decoded to UTF-8, together with the validators (ETag, Last-Modified),
// redirect and timing facts the scheduler and storage need. It also reads
// local feed files with the same size cap and decoding (ReadFile).
//
// A Fetcher owns one http.Client and one Transport, reused for every request
// and safe for concurrent use. Each request sends a User-Agent, an Accept
// header preferring feed media types, Accept-Encoding: gzip, and
// If-None-Match / If-Modified-Since when the caller has validators. A 304 is
// not an error: it is Response.NotModified. Any other non-2xx status is a
// *StatusError carrying Retry-After.
//
// Two things the scheduler plans from are read off the response here: a
// bot-challenge page (a cf-mitigated: challenge header, or an HTML body with
// a known challenge or captcha marker) fails with ErrChallenge (2xx) or a
// *StatusError with Challenge set, and Response.FreshUntil carries the
// freshness from Cache-Control max-age minus Age, or Expires.
//
// The package does not parse feeds, sniff whether a body is a feed, or decide
// when to poll again; those are the jobs of packages parse and schedule.
//
// # Safety
//
// Unless Options.AllowPrivate is set, the guarded transport refuses, at dial
// time, every resolved address that is loopback, private (RFC 1918,
// fc00::/7), link-local, site-local (fec0::/10), unspecified, multicast,
// CGNAT (100.64.0.0/10) or otherwise reserved (documentation, benchmarking),
// including the IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96) and 6to4
// (2002::/16) forms of those. A 6to4 address of a public IPv4 address is
// allowed; the local-use NAT64 prefix 64:ff9b:1::/48 is refused whole, since
// where it embeds the IPv4 address is a local choice. Because
// the check runs on the address actually dialled, it also covers redirects
// and DNS names that resolve to such addresses. The transport ignores proxy
// environment variables, so a proxy cannot be used to bypass the check. Only
// http and https URLs are fetched, on the first request and on redirects.
//
// Bodies are capped after decompression (Options.MaxBodyBytes), so a gzip
// bomb fails with ErrTooLarge after reading at most the cap plus one byte.
// Options.Timeout bounds the whole request including the body, so a server
// that trickles bytes cannot hold a fetch open.
//
// # Character sets
//
// Decode turns a body into UTF-8. Encoding labels are resolved as the WHATWG
// Encoding Standard does (so "iso-8859-1" and "us-ascii" decode as
// windows-1252 and "gb2312" as gbk); Response.Charset reports the canonical
// name of the decoder actually used. The first rule that applies wins:
//
//  1. A byte order mark (UTF-8, UTF-16 or UTF-32, either byte order). The BOM
//     is removed.
//  2. For a body without BOM, the XML 1.0 Appendix F byte patterns of
//     UTF-16 and UTF-32 (for example 00 3C 00 3F), whatever the declaration
//     says: a declaration can only be read once its encoding family is known.
//  3. JSON (a json media type, or a body starting with '{' or '[' served
//     without a more specific type) is UTF-8 (RFC 8259); invalid sequences
//     become U+FFFD.
//  4. The charset parameter of the Content-Type header, for XML and HTML
//     media types alike. This follows RFC 7303 §3, which makes the HTTP
//     charset authoritative for text/xml and application/xml; unlike RFC
//     3023 (and feedparser), text/* without a charset does not default to
//     us-ascii. A header of utf-8 on a body that is not valid UTF-8 yields to
//     the document's own declaration, if it has one.
//  5. The document's own declaration: the XML declaration's encoding= (also
//     when the body is served as text/html, as mislabelled feeds are), or
//     for HTML without one a <meta charset> or <meta http-equiv=
//     "content-type"> in the first 1024 bytes, found as the HTML prescan
//     finds it. Only such a tag counts: the prescan's fallback guess for a
//     page without one is not a declaration. Unknown labels
//     (encoding="bogus") and UTF-16/32 labels on a body that is not
//     UTF-16/32 are ignored (a UTF-16 <meta> means UTF-8, as in HTML).
//  6. Otherwise UTF-8.
//
// Two checks then correct a label the bytes contradict, the usual sign of a
// server-wide default or a template that lies. A legacy charset (from rule 4
// or 5) on a body that is valid UTF-8 and has non-ASCII bytes is taken to be
// UTF-8: legacy text is almost never valid UTF-8 by accident. UTF-8 (from any
// rule) on a body with more invalid bytes than valid multi-byte sequences is
// taken to be windows-1252; a body that is mostly UTF-8 with a few stray
// bytes stays UTF-8.
//
// When the chosen charset is UTF-8, invalid sequences are replaced with
// U+FFFD, so Response.Body is always valid UTF-8. An XML declaration in the
// result is rewritten to say encoding="utf-8", so that a downstream XML parser
// does not decode the text a second time, and whitespace before the
// declaration (a well-formedness error some servers introduce) is removed.
//
// # Caveats
//
// There is no statistical charset detection: a legacy-encoded body with no
// header charset and no declaration (big5, koi8-r, shift_jis ...) is decoded as
// windows-1252 and will read as mojibake. Response.BytesRead counts body
// bytes received (before decompression), not headers. Only the gzip and
// deflate content codings are understood; other codings fail the fetch.
package fetch
