// Command parseonly is a measurement tool for issue 9: it reads every file
// named on the command line (or every file in the directories named) and
// parses it with feeds/parse, doing nothing else. It is the baseline that
// `tidyfeed poll` over the same files is compared with in BENCHMARKS.md.
//
// Caveats: it does no decoding beyond what parse does (no fetch.ReadFile),
// nothing is cleaned, deduped or stored, and parse errors are only counted.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tidyfeed/tidyfeed/feeds/parse"
)

func main() {
	p := parse.New(parse.Options{})
	var files, entries, failed int
	for _, arg := range os.Args[1:] {
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
			_, es, err := p.Parse(body, "file://"+f)
			if err != nil {
				failed++
				continue
			}
			entries += len(es)
		}
	}
	fmt.Printf("%d files, %d entries, %d parse errors\n", files, entries, failed)
}
