//go:build !linux || !(amd64 || arm64)

package sqlite

import "os"

// aioSync is Linux's; elsewhere the syncer syncs the log itself.
type aioSync struct{}

func newAIOSync(*os.File) *aioSync     { return nil }
func (*aioSync) start(uint64)          {}
func (*aioSync) reap() (uint64, error) { return 0, nil }
func (*aioSync) close()                {}
