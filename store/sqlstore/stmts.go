package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxStmts bounds a cache: the list queries are built from their filters, so
// their texts are many but few; past the bound a query runs unprepared.
const maxStmts = 512

// Preparer is a connection that prepares statements; *sql.Conn is one.
type Preparer interface {
	Querier
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// Stmts prepares each distinct query text once on one connection and keeps
// the statement, so that the database parses and plans it once instead of
// on every call. It is for a connection that one goroutine uses at a time
// (the SQLite writer, one reader): the mutex only guards the map.
type Stmts struct {
	p  Preparer
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// NewStmts returns an empty cache for the connection p.
func NewStmts(p Preparer) *Stmts { return &Stmts{p: p, m: map[string]*sql.Stmt{}} }

// get returns the prepared statement of query, preparing it on first use;
// nil (and no error) when the cache is full.
func (c *Stmts) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	if len(c.m) >= maxStmts {
		return nil, nil
	}
	st, err := c.p.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.m[query] = st
	return st, nil
}

// Exec runs a statement without arguments through the cache (BEGIN, COMMIT,
// SAVEPOINT). Like a transaction's statements (Tx.detach), it runs to its
// end whatever ctx does: a reader's BEGIN under a request's context would
// otherwise start a goroutine to watch that context.
func (c *Stmts) Exec(ctx context.Context, query string) error {
	ctx = detached(ctx)
	st, err := c.get(ctx, query)
	if err != nil {
		return err
	}
	if st == nil {
		_, err = c.p.ExecContext(ctx, query)
		return err
	}
	_, err = st.ExecContext(ctx)
	return err
}

// Int runs a query of one integer without arguments through the cache
// (PRAGMA data_version).
func (c *Stmts) Int(ctx context.Context, query string) (int64, error) {
	ctx = detached(ctx)
	st, err := c.get(ctx, query)
	if err != nil {
		return 0, err
	}
	var n int64
	if st == nil {
		err = c.p.QueryRowContext(ctx, query).Scan(&n)
	} else {
		err = st.QueryRowContext(ctx).Scan(&n)
	}
	return n, err
}

// Close closes every statement of the cache.
func (c *Stmts) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}
