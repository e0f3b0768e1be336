// Package sanitize is the safety layer of package clean: an allowlist HTML
// sanitiser (Sanitizer.HTML), a plain-text converter for titles (Text), and
// a DOM pass (Rewrite) that makes URLs absolute and clean, restores lazy
// images and removes tracking pixels and feed-ad flares.
//
// The intended order, which package clean follows, is:
//
//  1. parse the raw entry HTML once with golang.org/x/net/html;
//  2. Rewrite the DOM against the entry's base URL. It must run before
//     sanitising because it needs what the sanitiser throws away:
//     data-src and other lazy-loading attributes, <noscript> image
//     fallbacks and the width/height of 1×1 pixels;
//  3. boilerplate rules (package clean) on the same DOM;
//  4. render, then Sanitizer.HTML as the final gate.
//
// Sanitizer.HTML alone is the safety guarantee: whatever happened to the
// DOM before, its output holds no script-capable element, no event
// handler, no style attribute, no URL with a scheme other than http, https
// or mailto (relative URLs pass), and no iframe except a sandboxed one on an
// allowlisted embed host. The output stays safe when parsed and serialised
// again (no mutation XSS through <noscript>, raw-text elements or foreign
// content, all of which are dropped).
//
// Links keep their href and get rel="noreferrer" when absolute (which
// implies noopener in browsers): the republished feed should not leak the
// reader's feed URL to every site it links to. No target attribute is set;
// that is the reader's choice.
//
// # Caveats
//
//   - Style attributes are dropped entirely rather than filtered: the
//     simplest safe choice, at the cost of some author colouring.
//   - data: URIs are not allowed, not even for images: inline images in
//     feeds are almost always lazy-loading placeholders, which Rewrite
//     replaces with the real source.
//   - Rewrite is generic: it removes images that look like beacons (a
//     dimension of 0 or 1, known tracker hosts, pixel/beacon/open markers
//     on images without alt text). A real image served from such a URL
//     with no size and no alt text may be lost; one with a real size or
//     alt text is kept unless its host is a known tracker.
//   - Text does not escape its result: it is plain text, and escaping is
//     the renderer's job (package publish's XML and JSON encoders do it).
package sanitize
