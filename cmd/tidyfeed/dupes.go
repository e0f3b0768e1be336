package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/tidyfeed/tidyfeed/storage"
)

// cmdDupes lists the stories merged from several feeds recently, with the
// reason for each merge, so a user can see and trust what was merged.
func cmdDupes(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlags("dupes", "dupes [-config FILE] [-since DURATION]", stderr)
	since := fs.Duration("since", 7*24*time.Hour, "list stories a copy joined within this `duration`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, store, err := openOffline(*configPath, true)
	if err != nil {
		return err
	}
	defer store.Close()
	cs, err := store.Clusters(ctx, time.Now().Add(-*since))
	if err != nil {
		return err
	}
	names := make(map[string]string)
	for _, s := range cfg.Sources() {
		names[s.ID] = sourceName(s, cfg)
	}
	printDupes(stdout, cs, names, *since)
	return nil
}

// printDupes writes one block per merged story: its first copy, then each
// copy that joined and why; "*" marks the copy that is published.
func printDupes(w io.Writer, cs []storage.Cluster, names map[string]string, since time.Duration) {
	if len(cs) == 0 {
		fmt.Fprintf(w, "no stories merged in the last %s\n", since)
		return
	}
	for i, c := range cs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		first := c.Members[0]
		fmt.Fprintf(w, "%q: %d copies, merged %s\n", first.Title, len(c.Members), c.Formed.Local().Format(time.DateTime))
		for _, m := range c.Members {
			mark := " "
			if m.Preferred {
				mark = "*"
			}
			name := names[m.FeedID]
			if name == "" {
				name = m.FeedID + " (not configured)"
			}
			reason := "first seen"
			switch m.Reason {
			case "":
			case "near-duplicate":
				reason = fmt.Sprintf("near-duplicate, similarity %.2f", m.Score)
			case "same-url":
				reason = "same canonical URL"
			case "same-guid":
				reason = "same GUID"
			default:
				reason = m.Reason
			}
			link := m.Link
			if m.Purged {
				link = "(purged)"
			}
			fmt.Fprintf(w, "  %s %-24s %-34s %s\n", mark, name, reason, link)
		}
	}
	fmt.Fprintf(w, "\n%d stories merged in the last %s (* = the copy published)\n", len(cs), since)
}
