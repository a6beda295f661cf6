package storetest

import (
	"context"
	"database/sql"
)

// Explainer is a sqlstore.Querier on DB that calls Explain with each query
// and its arguments before the query runs, so that a test can ask the
// database how it plans the store's own statements.
type Explainer struct {
	DB      *sql.DB
	Explain func(ctx context.Context, query string, args []any)
}

func (x *Explainer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return x.DB.ExecContext(ctx, query, args...)
}

func (x *Explainer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	x.Explain(ctx, query, args)
	return x.DB.QueryContext(ctx, query, args...)
}

func (x *Explainer) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	x.Explain(ctx, query, args)
	return x.DB.QueryRowContext(ctx, query, args...)
}
