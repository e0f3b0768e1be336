// Package publish renders tidyfeed's output feeds as Atom 1.0, RSS 2.0
// and JSON Feed 1.1, and serves them over HTTP with strong ETags,
// Last-Modified and conditional GETs (304): the default output (every
// source) at /feed.*, each named [Output] (a selection of sources with its
// own title, size and [filter.Set]) at /<name>.*, RFC 5005 archive pages,
// an HTML page per output at / and /<name>/, the XSL and CSS that style the
// XML documents in a browser, and the sources as OPML. [Publisher.Sync]
// writes all of it to a static folder and pings a WebSub hub.
//
// In: the stored, already cleaned entries, read through the small [Entries]
// interface that *storage.Store satisfies, and an [Options] value naming the
// configured sources. Out: a [Document] per [Format] from
// [Publisher.Render], and the same bytes from [Publisher.ServeHTTP] at
// /feed.atom, /feed.rss and /feed.json.
//
// The documents are built from gorilla/feeds' format structs (AtomFeed,
// RssFeed, JSONFeed, ...), embedded in this package's own structs where they
// fall short: Atom <category term>, <source>, several authors and links,
// rel="self"; RSS <guid isPermaLink="false">, <source url>, <atom:link
// rel="self">, dc:creator, several categories; JSON Feed attachments with
// size_in_bytes and an always-present content_html, and a "_tidyfeed"
// extension that names the source feed. gorilla's generic ToAtom, ToRss and
// ToJSON are never used.
//
// Entry ids are "urn:tidyfeed:" followed by 32 hex digits of the SHA-256 of
// the entry's (FeedID, Key), so they are the same across renders, restarts
// and formats: Atom <id>, RSS <guid isPermaLink="false"> and JSON "id" carry
// the same string. A story that storage merged from several feeds uses its
// first copy's (Entry.StoryFeed, Entry.StoryKey) instead, so its id does not
// change when more sources join or another copy is preferred.
//
// A merged story is one item showing the preferred copy; every other
// configured feed that carried it (Entry.Sources) is listed: in Atom as a
// link rel="via" to that feed's copy, titled with the feed's name (rel=
// "related" to the feed's site when the copy has no link), in RSS as an
// "Also in:" paragraph at the end of the body (RSS has room for one
// <source>), and in JSON Feed in the "_tidyfeed" extension's "sources"
// array with each copy's url, the merge reason and its similarity score.
//
// Package publish does not clean HTML, decide which entries exist or touch
// storage directly; it trusts the entries it is given to be clean and only
// makes the output well-formed.
//
// # Caveats
//
//   - Characters that XML 1.0 forbids (C0 controls other than tab, newline and
//     carriage return, U+FFFE, U+FFFF, surrogates, invalid UTF-8) are removed
//     from every string, as are C1 controls and the noncharacters
//     U+FDD0-U+FDEF. JSON Feed gets the same treatment so that all three
//     formats carry the same text.
//   - Dates outside the years 1000-9999 are treated as absent.
//   - Links and enclosure URLs that are not absolute http(s) URLs are left
//     out rather than published broken; the others are published as URIs
//     (punycode hosts, spaces and non-ASCII percent-encoded), which RSS
//     and JSON Feed require. An enclosure type without a subtype is
//     guessed from the URL instead.
//   - RSS 2.0 carries only an item's first enclosure; Atom and JSON Feed
//     carry all of them.
//   - An entry's podcast fields (Entry.Podcast) appear in RSS as iTunes
//     elements (the itunes namespace is always declared) and in JSON Feed
//     as the "_tidyfeed" extension's "podcast" object; Atom leaves them
//     out. itunes:explicit is written "true" or "false" (yes/explicit and
//     no/clean are mapped); a duration that is not seconds or [H]H:MM:SS,
//     an episode or season that is not a positive integer and an episode
//     type other than full, trailer or bonus are left out.
//   - Rendered documents are cached per document until [Entries.Version]
//     changes or [Publisher.SetOptions] is called; Changed() alone does not
//     invalidate the cache. Render always returns a document of the
//     current entries. ServeHTTP serves the document rendered before
//     (never one of older options) for up to twice [MaxStale] after it
//     was rendered, and while another render is under way, so under a
//     stream of commits each document is rendered about once a second and
//     readers do not queue behind renders. [Publisher.Refresh], called
//     after commits, renders the documents being read in the caller's
//     goroutine, so that no reader waits for a render either.
//   - Archive pages group entries by the period (Options.ArchivePeriod,
//     counted from the Unix epoch) in which they were first seen; only
//     closed periods are archived, so a page never gains entries. A page
//     does change if retention removes its entries, an entry is edited, or
//     the options change (a new period renames every page), and the newest
//     page gains its next-archive link when the open period closes, so it
//     is not served immutable as the older pages are. Building the
//     archive index reads every stored entry of the output's sources once
//     per store version.
//   - A per-output filter is applied to the newest 4×MaxItems entries, so
//     a filter that hides nearly everything can leave the document short.
//   - The HTML pages trust the entries' Content to be clean (package clean
//     made it so); their Content-Security-Policy forbids script anyway.
//   - [Publisher.Sync] lists what it writes to Options.Dir in a manifest
//     there (.tidyfeed-files) and removes what it listed and no longer
//     publishes: the files and folders of an output that was removed or
//     renamed, and archive pages that retention emptied or a new archive
//     period renamed. It never removes a file it did not list (the folder
//     may hold other files) nor anything outside the folder. A folder
//     without a manifest, written by an older tidyfeed, loses nothing: its
//     stale files must be removed by hand once, and its folders stay when
//     they become empty. Nothing is removed after a Sync in which a
//     document failed to render or be written, and nothing from a folder
//     Options.Dir no longer names.
package publish
