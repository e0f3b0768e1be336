// Command tidyfeed polls the feeds listed in a YAML file, cleans and dedupes
// their entries, stores them in an embedded database and republishes one
// merged, clean feed (Atom, RSS 2.0, JSON Feed) over HTTP.
//
// Usage:
//
//	tidyfeed run     [-config FILE]   run the daemon
//	tidyfeed poll    [-config FILE]   poll every feed once and print a summary
//	tidyfeed status  [-config FILE]   show each feed's polling record
//	tidyfeed export  [-config FILE] -format atom|rss|json [-o FILE]
//	tidyfeed check   [-config FILE]   validate the config, report every error
//	tidyfeed explain [-config FILE] <feed name | entry link>
//	tidyfeed reclean [-config FILE]   re-apply the cleaning rules to stored entries
//	tidyfeed compact [-config FILE]   rewrite the database without free pages (offline)
//	tidyfeed backup  [-config FILE] FILE   consistent copy of the database, daemon running or not
//	tidyfeed export-opml [-config FILE] [-o FILE]   list the feeds as OPML
//	tidyfeed import-opml [-config FILE] [-w] FILE  add an OPML file's feeds to feeds.yaml
//	tidyfeed version                  print the version
//
// -config defaults to ./feeds.yaml.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tidyfeed/tidyfeed/feeds/fetch"
)

// errUsage marks errors that were already explained to the user by a
// FlagSet; main exits 2 on them without printing again.
var errUsage = errors.New("usage")

// exitError carries a specific exit code without a message of its own.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	fetch.Version, _ = buildVersion() // the default User-Agent names this build
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	var ee exitError
	switch {
	case err == nil:
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case errors.As(err, &ee):
		os.Exit(ee.code)
	default:
		fmt.Fprintln(os.Stderr, "tidyfeed:", err)
		os.Exit(1)
	}
}

// command is one subcommand of tidyfeed.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run the daemon: poll on schedule, serve the merged feed, reload on edits", cmdRun},
		{"poll", "poll every feed once, store, print one line per feed", cmdPoll},
		{"status", "show each feed's polling record: last poll, errors, next check and why", cmdStatus},
		{"export", "write the merged feed exactly as the server serves it", cmdExport},
		{"check", "validate the config and report every error with line:column", cmdCheck},
		{"explain", "show what cleaning removed from one entry, rule by rule", cmdExplain},
		{"reclean", "re-apply the current cleaning rules to every stored entry", cmdReclean},
		{"dupes", "list stories merged from several feeds recently, with the reason for each merge", cmdDupes},
		{"export-opml", "print the configured feeds as OPML, for another reader", cmdExportOPML},
		{"import-opml", "add an OPML file's feeds to feeds.yaml, keeping its comments (-w: without asking)", cmdImportOPML},
		{"compact", "rewrite the database without its free pages (daemon stopped)", cmdCompact},
		{"backup", "write a consistent copy of the database to FILE, through the daemon if it runs", cmdBackup},
		{"version", "print the version", cmdVersion},
	}
}

// run dispatches to a subcommand; it is main without the exit.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	if args[0] == "-version" || args[0] == "--version" {
		return cmdVersion(ctx, nil, stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "tidyfeed: unknown command %q\n\n", args[0])
	usage(stderr)
	return errUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "tidyfeed polls the feeds in feeds.yaml and republishes one merged, clean feed.")
	fmt.Fprintln(w, "\nUsage: tidyfeed <command> [-config FILE] [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'tidyfeed <command> -h' for a command's flags. -config defaults to ./feeds.yaml.")
}

// newFlags returns a FlagSet for a subcommand with the shared -config flag.
func newFlags(name, synopsis string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "feeds.yaml", "the feeds.yaml `file` to use")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: tidyfeed %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs, configPath
}

// parseFlags parses args, which may hold no positional argument, mapping
// a bad flag to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// parseOneArg is parseFlags for commands that take exactly one positional
// argument; what names it (e.g. "FILE to write") goes into the message
// when it is missing or doubled.
func parseOneArg(fs *flag.FlagSet, args []string, what string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(fs.Output(), "%s needs exactly one %s\n", fs.Name(), what)
		fs.Usage()
		return errUsage
	}
	return nil
}
