package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlstore"
)

// Ready reports whether the database answers on a reader connection, every
// embedded migration is applied and no sync of the log has failed (after
// one the store refuses everything until a restart; sync.go).
func (s *Store) Ready(ctx context.Context) error {
	s.closeMu.RLock()
	closed := s.closed
	s.closeMu.RUnlock()
	if closed {
		return store.ErrClosed
	}
	if err := s.lsync.err(); err != nil {
		return err
	}
	var missing []string
	err := s.withReader(ctx, func(r *reader) error {
		var err error
		missing, err = sqlstore.MissingMigrations(ctx, r.conn, migrations, "migration")
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if len(missing) > 0 {
		return fmt.Errorf("sqlite: migrations not applied: %s", strings.Join(missing, ", "))
	}
	return nil
}
