package main

import (
	"context"
	"fmt"
	"io"

	"github.com/tidyfeed/tidyfeed/config"
)

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlags("check", "check [-config FILE]", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError{code: 1}
	}
	fmt.Fprintf(stdout, "%s: ok, %d feeds\n", cfg.Path, len(cfg.Feeds))
	return nil
}
