package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlstore"
)

// Ready reports whether the database answers and every embedded migration
// is applied (another node may be part-way through applying a newer one).
func (s *Store) Ready(ctx context.Context) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	missing, err := sqlstore.MissingMigrations(ctx, s.db, migrations, "migration")
	if err != nil {
		return fmt.Errorf("postgres %s: %w", s.where, translate(err))
	}
	if len(missing) > 0 {
		return fmt.Errorf("postgres %s: migrations not applied: %s", s.where, strings.Join(missing, ", "))
	}
	return nil
}
