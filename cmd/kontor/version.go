package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Set at build time with
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.commit=$(git rev-parse HEAD)" ./cmd/kontor
//
// Without them the version and commit come from the build information the Go
// toolchain embeds (the module version, and the VCS revision when built
// inside a checkout).
var version, commit string

type versionInfo struct {
	Version  string // e.g. v1.2.3, or (devel)
	Commit   string // the VCS revision, "+modified" appended for a dirty tree; "unknown" when not recorded
	Go       string // e.g. go1.26.0
	Platform string // e.g. linux/amd64
}

func buildVersion() versionInfo {
	v := versionInfo{Version: version, Commit: commit, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" && bi.Main.Version != "" {
			v.Version = bi.Main.Version
		}
		if v.Commit == "" {
			var rev string
			var modified bool
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					modified = s.Value == "true"
				}
			}
			if rev != "" && modified {
				rev += "+modified"
			}
			v.Commit = rev
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	if v.Commit == "" {
		v.Commit = "unknown"
	}
	return v
}

func printVersion(args []string, stdout, stderr io.Writer) error {
	c := newCommand("version", "kontor version")
	if help, err := c.parse(args, stdout, stderr, false); help || err != nil {
		return err
	}
	v := buildVersion()
	fmt.Fprintf(stdout, "kontor %s\ncommit %s\n%s %s\n", v.Version, v.Commit, v.Go, v.Platform)
	return nil
}
