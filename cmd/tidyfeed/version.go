package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the module's build information.
var version = ""

// buildVersion returns the version and, when known, the VCS commit.
func buildVersion() (ver, commit string) {
	ver = version
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return orDev(ver), ""
	}
	if ver == "" {
		ver = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			commit = s.Value
		}
		if s.Key == "vcs.modified" && s.Value == "true" && commit != "" {
			commit += "-dirty"
		}
	}
	return orDev(ver), commit
}

func orDev(v string) string {
	if v == "" || v == "(devel)" {
		return "dev"
	}
	return v
}

func cmdVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	ver, commit := buildVersion()
	if commit != "" {
		fmt.Fprintf(stdout, "tidyfeed %s (commit %s)\n", ver, commit)
		return nil
	}
	fmt.Fprintf(stdout, "tidyfeed %s\n", ver)
	return nil
}
