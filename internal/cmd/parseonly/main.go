// Command parseonly is a measurement tool for issue 9: it reads every file
// named on the command line (or every file in the directories named) and
// parses it, doing nothing else. It is the baseline that `tidyfeed poll`
// over the same files is compared with (scripts/poll-vs-parse.sh,
// BENCHMARKS.md).
//
// -parser bare (the default) parses with gofeed.NewParser().Parse, the
// baseline issue 9 names; -parser tidyfeed parses with feeds/parse, which
// turns gofeed's content image scan off and is therefore faster, a
// stricter baseline. Nothing is decoded beyond what the parser does, and
// parse errors are only counted.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mmcdole/gofeed"

	"github.com/tidyfeed/tidyfeed/feeds/parse"
)

func main() {
	parser := flag.String("parser", "bare", "bare (gofeed.NewParser) or tidyfeed (feeds/parse)")
	flag.Parse()
	var parseFile func(body []byte, name string) (int, error)
	switch *parser {
	case "bare":
		p := gofeed.NewParser()
		parseFile = func(body []byte, _ string) (int, error) {
			f, err := p.Parse(bytes.NewReader(body))
			if err != nil {
				return 0, err
			}
			return len(f.Items), nil
		}
	case "tidyfeed":
		p := parse.New(parse.Options{})
		parseFile = func(body []byte, name string) (int, error) {
			_, es, err := p.Parse(body, "file://"+name)
			return len(es), err
		}
	default:
		fmt.Fprintf(os.Stderr, "parseonly: -parser %q: want bare or tidyfeed\n", *parser)
		os.Exit(2)
	}
	var files, entries, failed int
	for _, arg := range flag.Args() {
		paths := []string{arg}
		if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
			des, err := os.ReadDir(arg)
			if err != nil {
				fmt.Fprintf(os.Stderr, "parseonly: list %s: %v\n", arg, err)
				os.Exit(1)
			}
			paths = paths[:0]
			for _, de := range des {
				if !de.IsDir() {
					paths = append(paths, filepath.Join(arg, de.Name()))
				}
			}
		}
		for _, f := range paths {
			body, err := os.ReadFile(f)
			if err != nil {
				fmt.Fprintf(os.Stderr, "parseonly: read %s: %v\n", f, err)
				os.Exit(1)
			}
			files++
			n, err := parseFile(body, f)
			if err != nil {
				failed++
				continue
			}
			entries += n
		}
	}
	fmt.Printf("%d files, %d entries, %d parse errors\n", files, entries, failed)
}
