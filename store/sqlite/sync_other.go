//go:build !linux

package sqlite

import "os"

// syncData makes the log's contents durable (on macOS, with F_FULLFSYNC).
func syncData(f *os.File) error { return f.Sync() }
