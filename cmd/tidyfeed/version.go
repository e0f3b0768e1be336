package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// version and commit are set at build time with
//
//	-ldflags "-X main.version=$(git describe --tags --always --dirty) -X main.commit=$(git rev-parse HEAD)"
//
// (see the README's install steps); otherwise they come from the module's
// build information: the module version for `go install ...@v1.2.3`, and
// the VCS revision for a build from a git checkout with -buildvcs=true
// (the go command's default, unless GOFLAGS says -buildvcs=false).
var version, commit = "", ""

// buildVersion returns the version and, when known, the VCS commit.
func buildVersion() (ver, rev string) {
	ver = version
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return orDev(ver), commit
	}
	if ver == "" {
		ver = info.Main.Version
	}
	if commit != "" {
		return orDev(ver), commit
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			rev = s.Value
		}
		if s.Key == "vcs.modified" && s.Value == "true" && rev != "" {
			rev += "-dirty"
		}
	}
	return orDev(ver), rev
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
