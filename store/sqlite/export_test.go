package sqlite

// WrapLogSync replaces how the store syncs its write-ahead log with what wrap
// makes of the way it does now. Call it before the store's first write.
func WrapLogSync(s *Store, wrap func(sync func(upTo uint64) error) func(upTo uint64) error) {
	s.lsync.sync = wrap(s.lsync.sync)
}

// Queued reports how many writes wait in the store's queue for the writer.
func Queued(s *Store) int { return len(s.writes) }

// MaxSpeculations is how many speculations a write makes before the writer
// runs its function itself.
const MaxSpeculations = maxSpeculations
