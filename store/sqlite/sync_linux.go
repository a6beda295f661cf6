package sqlite

import (
	"os"
	"syscall"
)

// syncData makes the log's contents durable. fdatasync is enough: it writes
// the data and the metadata needed to read it back (the size of a log that
// grew), and skips the modification time, which recovery never reads.
func syncData(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}
