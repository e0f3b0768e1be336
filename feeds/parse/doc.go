// Package parse turns a fetched feed body into the feed's metadata
// (feeds.Feed) and its entries ([]feeds.Entry). It reads RSS 0.9x/1.0/2.0,
// Atom 0.3/1.0 and JSON Feed 1.0/1.1 through gofeed's universal parser, and
// fills each entry's Raw form as the publisher sent it, with every link made
// absolute and dates normalised to UTC.
//
// Parse does no I/O, logs nothing and is safe for concurrent use. Cleaning the
// entry HTML is package clean's job; deciding which entries are new is package
// dedupe's job; the "first seen" fallback for undated entries is applied by
// package ingest.
//
// # Links and bases
//
// Relative links resolve against the Atom xml:base chain in scope, then the
// feed's own link, then the URL the document was fetched from. Raw.Base is the
// URL relative references inside Raw.Content and Raw.Summary resolve against:
// the xml:base chain of the content element, else the entry's link, else the
// feed's link, else the document URL. Parse does not rewrite URLs inside
// content; gofeed already does so for Atom html/xhtml content under an
// xml:base, and package clean does the rest against Raw.Base.
//
// # Caveats
//
//   - The body should be UTF-8 (package fetch decodes it). Raw bytes still
//     work when the XML declaration names the charset or a UTF-16/32 byte
//     order mark is present; undeclared legacy encodings are read as UTF-8.
//   - gofeed's translators scan every item's HTML for a first <img> to use as
//     the item image; parse switches that scan off, so Entry.Image is only
//     set from explicit markup (itunes:image, media:thumbnail/content, image
//     enclosures, JSON image).
//   - Entry.Podcast comes from the iTunes RSS extension only (itunes:duration,
//     explicit, episode, season, episodeType, image, subtitle, summary,
//     author); values are kept as written, trimmed, not validated or
//     normalised. The channel's iTunes fields are not inherited by items.
//   - gofeed keeps no type for an Atom <summary>, so Raw.Text describes a
//     summary-only Atom entry as HTML unless its content says otherwise.
//   - Dates before 1970 or after 9999 are treated as absent.
//   - Titles are cut to MaxTitleBytes, and XML nested deeper than MaxDepth
//     is refused with ErrTooDeep before gofeed reads it: both bound what a
//     hostile document can cost. Billion-laughs style entity definitions
//     are never expanded (encoding/xml does not expand DTD entities).
package parse
