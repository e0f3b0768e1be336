// Package clean turns an entry's raw title, link, content and summary into
// what a subscriber should read: the article once, as safe HTML, with no
// share widgets, comment counters, embed-code boxes, ad markers, repeated
// title or byline, truncated teaser, related-headline lists, newsletter calls
// to action, blog-platform trailers or per-feed standing footers.
//
// A Cleaner runs an ordered pipeline over one parsed DOM per entry:
//
//  1. the feed's Replace patterns on the raw string;
//  2. plain-text bodies become paragraphs at their line breaks;
//  3. the body is parsed once (Profile.Learn keeps its parse of each body
//     of a batch for Clean to take); form controls (embed-code boxes) and
//     short forms (sign-up boxes) are dropped, and a form holding more than
//     a sign-up box's text (ASP.NET pages wrap the whole body in one) is
//     unwrapped;
//  4. sanitize.Rewrite makes URLs absolute, fixes lazy images and drops
//     tracking pixels; links to share endpoints (sharer.php, intent/tweet,
//     mailto:? …) go; the feed's Remove selectors are applied;
//  5. small named rules, grouped in families (see RuleFamilies), remove
//     blocks; every removal is recorded in a Report;
//  6. the DOM is rendered and passed through the sanitizer, the final
//     safety gate.
//
// Rules are generic: they look at blocks (paragraphs, list items, leaf
// divisions, headings, lines separated by <br>) and their normalised text
// (lower case, accents folded, punctuation dropped), using vocabularies of
// interface words in several languages, the entry title, and the block's
// position. A Profile learns, per feed, blocks that recur across entries
// (imprints, colophons) so they can be dropped too.
//
// # Caveats
//
//   - Rules are conservative by design: long prose is never removed by the
//     vocabulary rules, and the learned template rule only drops blocks whose
//     normalised text recurs exactly. Some dirt worded in an unusual way
//     will survive; per-feed Remove selectors are the escape hatch.
//   - A Profile holds the parses of the last batch it learned until Clean
//     takes them (bounded at 16 MiB of body text); a caller that learns
//     without cleaning keeps them until the next Learn.
//   - Safety (script, event handlers, dangerous URLs, trackers, redirect
//     wrappers) is delegated to packages feeds/clean/sanitize and
//     feeds/canon; this package only orders the calls.
//   - The package does no I/O and logs nothing. Deciding which entries to
//     keep is package dedupe's job.
package clean
