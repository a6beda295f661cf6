package sqlite

import "time"

// OnCommit registers f to be called after every group commit with the
// number of transactions it carried and how long it took from BEGIN to the
// durable COMMIT (the server's metrics). It may be called at any time.
func (s *Store) OnCommit(f func(batch int, d time.Duration)) { s.onCommit.Store(&f) }

func (s *Store) observeCommit(batch int, d time.Duration) {
	if f := s.onCommit.Load(); f != nil {
		(*f)(batch, d)
	}
}
