package server

import (
	"context"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/postgres"
)

// init links the PostgreSQL store into OpenStore for postgres:// database URLs.
func init() {
	openPostgres = func(ctx context.Context, dsn string) (store.Store, error) {
		return postgres.Open(ctx, dsn, postgres.Options{})
	}
}
