package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// MissingMigrations returns the versions of the migrations in fsys (files
// dir/NNNN_name.sql) that schema_migrations does not record as applied, in
// order; none means the schema is current. It is what a readiness check asks.
func MissingMigrations(ctx context.Context, q Querier, fsys fs.FS, dir string) ([]string, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var missing []string
	for _, name := range names { // fs.Glob returns them sorted
		v := strings.TrimSuffix(path.Base(name), ".sql")
		if !applied[v] {
			missing = append(missing, v)
		}
	}
	return missing, nil
}
