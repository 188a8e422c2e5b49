package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version returns the one-line version of the binary called name:
// "NAME MODULE VERSION (revision REV[, modified], TIME) GOVERSION".
// The module version is "(devel)" for a binary built from a checkout; the
// revision is the VCS commit stamped by `go build` (absent with
// -buildvcs=false, then "revision unknown").
func Version(name string) string {
	bi, ok := debug.ReadBuildInfo()
	return versionOf(name, bi, ok)
}

func versionOf(name string, bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return fmt.Sprintf("%s (no build information) %s", name, runtime.Version())
	}
	mod, ver := bi.Main.Path, bi.Main.Version
	if mod == "" {
		mod = bi.Path
	}
	if ver == "" {
		ver = "(devel)"
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	vcs := "revision unknown"
	if rev != "" {
		vcs = "revision " + rev
		if modified {
			vcs += ", modified"
		}
		if at != "" {
			vcs += ", " + at
		}
	}
	goVer := bi.GoVersion
	if goVer == "" {
		goVer = runtime.Version()
	}
	return fmt.Sprintf("%s %s %s (%s) %s", name, mod, ver, vcs, goVer)
}
