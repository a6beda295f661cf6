//go:build mattn

package sqlite

// The cgo driver is linked only with -tags mattn (and CGO_ENABLED=1), so that
// the default build needs no C toolchain: the benchmarks compare it with the
// default (docs/benchmarks.md).
import _ "github.com/mattn/go-sqlite3"

const mattnLinked = true
