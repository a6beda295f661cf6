//go:build linux && (amd64 || arm64)

package sqlite

import (
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// aioSync starts a sync of the log from the writer, right after its
// COMMIT, through Linux's asynchronous I/O (io_submit with
// IOCB_CMD_FDSYNC): the kernel runs the fdatasync on a worker of its own,
// and the disk starts on it without waiting for the syncer's goroutine to
// be given a core. The syncer then waits for its completion
// (io_getevents). One such sync is in flight at a time.
type aioSync struct {
	ctx uintptr
	fd  uintptr
	// busy while a sync is being submitted or is in flight; covers is the
	// batch the one in flight covers, set once it was submitted, 0 if none.
	busy   atomic.Bool
	covers atomic.Uint64
	off    atomic.Bool // the kernel refused a submission: no more tries
}

// iocb and ioEvent are the kernel's struct iocb and struct io_event
// (linux/aio_abi.h) on a little-endian 64-bit machine.
type iocb struct {
	data      uint64
	key       uint32
	rwFlags   int32
	opcode    uint16
	reqprio   int16
	fildes    uint32
	buf       uint64
	nbytes    uint64
	offset    int64
	reserved2 uint64
	flags     uint32
	resfd     uint32
}

type ioEvent struct {
	data, obj uint64
	res, res2 int64
}

const iocbCmdFdsync = 3

// newAIOSync sets up an I/O context for syncing f; nil where the kernel has
// none to give, and then the syncer syncs as before.
func newAIOSync(f *os.File) *aioSync {
	a := &aioSync{fd: f.Fd()}
	if _, _, e := syscall.Syscall(syscall.SYS_IO_SETUP, 1, uintptr(unsafe.Pointer(&a.ctx)), 0); e != 0 {
		return nil
	}
	return a
}

// start submits a sync covering batch n and every batch before it: the
// writer calls it once n's COMMIT has written its frames. It does nothing
// while another is in flight.
func (a *aioSync) start(n uint64) {
	if a.off.Load() || !a.busy.CompareAndSwap(false, true) {
		return
	}
	// On the heap, which does not move: the kernel reads it through p.
	cb := &iocb{data: n, opcode: iocbCmdFdsync, fildes: uint32(a.fd)}
	p := &cb
	for {
		r, _, e := syscall.Syscall(syscall.SYS_IO_SUBMIT, a.ctx, 1, uintptr(unsafe.Pointer(p)))
		runtime.KeepAlive(cb)
		if e == syscall.EINTR || e == syscall.EAGAIN {
			continue
		}
		if e != 0 || r != 1 {
			// Not a sync's failure, a submission's: the syncer syncs itself.
			a.off.Store(true)
			a.busy.Store(false)
			return
		}
		a.covers.Store(n)
		return
	}
}

// reap waits for the sync in flight and returns the batch it covers, with
// the sync's failure; 0 if none was in flight, or if its completion could
// not be read (then no more are started, and the syncer syncs itself).
func (a *aioSync) reap() (uint64, error) {
	n := a.covers.Load()
	if n == 0 {
		return 0, nil
	}
	var ev ioEvent
	for {
		r, _, e := syscall.Syscall6(syscall.SYS_IO_GETEVENTS, a.ctx, 1, 1, uintptr(unsafe.Pointer(&ev)), 0, 0)
		if e == syscall.EINTR {
			continue
		}
		a.covers.Store(0)
		a.busy.Store(false)
		if e != 0 || r != 1 {
			a.off.Store(true)
			return 0, nil
		}
		if ev.res < 0 {
			return n, syscall.Errno(-ev.res)
		}
		return n, nil
	}
}

// close releases the I/O context, waiting for a sync still in flight.
func (a *aioSync) close() {
	syscall.Syscall(syscall.SYS_IO_DESTROY, a.ctx, 0, 0)
}
