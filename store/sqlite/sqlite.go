// Package sqlite is the embedded store: one database file in WAL mode, one
// writer connection that commits many callers' work in one transaction
// (group commit), a syncer that answers each commit's callers once the log
// holding it is on disk (sync.go), and a pool of reader connections.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	// DriverModernc, the default, is always linked; DriverMattn only with
	// -tags mattn (mattn.go).
	_ "modernc.org/sqlite"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlstore"
)

//go:embed migration/*.sql
var migrations embed.FS

// Driver names accepted by Options.Driver.
const (
	DriverModernc = "modernc" // modernc.org/sqlite, pure Go
	DriverMattn   = "mattn"   // github.com/mattn/go-sqlite3, cgo; linked only with -tags mattn
)

// Drivers returns the drivers linked into this build, the default first.
func Drivers() []string {
	if mattnLinked {
		return []string{DriverModernc, DriverMattn}
	}
	return []string{DriverModernc}
}

// Options configure Open.
type Options struct {
	// Driver selects the SQLite implementation; empty means DriverModernc.
	Driver string
	// MaxBatch bounds how many callers share one commit; 0 means 128.
	MaxBatch int
	// Readers is the size of the read pool; 0 means 2×GOMAXPROCS (at least 4).
	Readers int
	// WALPages bounds the write-ahead log: once it holds this many pages the
	// checkpointer starts it over (checkpoint.go); 0 means 16384 (64 MB).
	WALPages int
	// NoSpeculation runs every write's function in the writer, as the
	// fallback of a speculation does (speculate.go).
	NoSpeculation bool
}

// Store is the SQLite store.
type Store struct {
	path    string
	driver  string
	writer  *sql.DB
	wconn   *sql.Conn
	wstmts  *sqlstore.Stmts // the writer's prepared statements
	readers *sql.DB
	rconns  chan *reader // the read pool: connections with their prepared statements
	nread   int
	dialect *sqlstore.Dialect
	writes  chan *writeReq
	maxB    int
	done    chan struct{}
	ckpt    *checkpointer
	lsync   *logSync
	closeMu sync.RWMutex
	closed  bool
	// onCommit observes each group commit (observe.go).
	onCommit atomic.Pointer[func(batch int, d time.Duration)]
	// wlog is the writer's record of what it wrote lately, against which
	// speculations are checked; nil without speculation (speculate.go).
	wlog *sqlstore.WriteLog
	// dataVersion is the writer's last PRAGMA data_version: another
	// connection's commit changes it.
	dataVersion int64
	spec        specStats
	// speculating counts the writes being speculated: they are on their way
	// to the writer (next).
	speculating atomic.Int64
}

// reader is one connection of the read pool and its prepared statements.
type reader struct {
	conn  *sql.Conn
	stmts *sqlstore.Stmts
}

type writeReq struct {
	ctx  context.Context
	fn   func(store.Tx) error
	done chan error
	// spec is fn run on a snapshot, for the writer to apply; nil to run fn.
	spec *sqlstore.Speculation
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path, applies the
// embedded migrations and starts the writer.
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	drv := opt.Driver
	if drv == "" {
		drv = DriverModernc
	}
	wdsn, rdsn, cdsn, sqlDriver, err := dsns(path, drv)
	if err != nil {
		return nil, err
	}
	writer, err := sql.Open(sqlDriver, wdsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxLifetime(0)
	wconn, err := writer.Conn(ctx)
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s := &Store{path: path, driver: drv, writer: writer, wconn: wconn, wstmts: sqlstore.NewStmts(wconn),
		dialect: &sqlstore.Dialect{Translate: translate},
		writes:  make(chan *writeReq, 1024), maxB: opt.MaxBatch, done: make(chan struct{})}
	if s.maxB <= 0 {
		s.maxB = 128
	}
	if !opt.NoSpeculation {
		s.wlog = sqlstore.NewWriteLog()
	}
	if err := s.pragmas(ctx, wconn); err != nil {
		s.closeConns()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.closeConns()
		return nil, err
	}
	if err := wconn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&s.dataVersion); err != nil {
		s.closeConns()
		return nil, fmt.Errorf("sqlite: data_version: %w", err)
	}
	// From here on the writer's commits do not wait for the disk: the syncer
	// makes each durable before it is answered (sync.go). The migrations
	// above committed with synchronous=FULL.
	if s.lsync, err = openLogSync(path, s.observeCommit); err != nil {
		s.closeConns()
		return nil, err
	}
	if _, err := wconn.ExecContext(ctx, "PRAGMA synchronous=NORMAL"); err != nil {
		s.closeConns()
		return nil, fmt.Errorf("sqlite: synchronous: %w", err)
	}
	readers, err := sql.Open(sqlDriver, rdsn)
	if err != nil {
		s.closeConns()
		return nil, err
	}
	n := opt.Readers
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0))
	}
	readers.SetMaxOpenConns(n)
	readers.SetMaxIdleConns(n)
	readers.SetConnMaxLifetime(0)
	s.readers = readers
	s.rconns = make(chan *reader, n)
	for range n {
		c, err := readers.Conn(ctx)
		if err == nil {
			if _, err = c.ExecContext(ctx, mmapPragma); err != nil {
				c.Close()
			}
		}
		if err != nil {
			s.closeConns()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		s.rconns <- &reader{conn: c, stmts: sqlstore.NewStmts(c)}
		s.nread++
	}
	pages := opt.WALPages
	if pages <= 0 {
		pages = defaultWALPages
	}
	if s.ckpt, err = startCheckpointer(ctx, sqlDriver, cdsn, pages); err != nil {
		s.closeConns()
		return nil, err
	}
	go s.writeLoop()
	return s, nil
}

// busyTimeout is how long a connection waits for a lock another holds.
const busyTimeout = 10 * time.Second

// dsns returns the data source names of the writer, the readers and the
// checkpointer.
func dsns(path, drv string) (writer, reader, ckpt, sqlDriver string, err error) {
	busyMS := strconv.FormatInt(busyTimeout.Milliseconds(), 10)
	switch drv {
	case DriverModernc:
		q := "file:" + url.PathEscape(path) + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(" + busyMS + ")&_pragma=foreign_keys(ON)"
		// query_only makes View read-only: modernc ignores sql.TxOptions.ReadOnly.
		return q + "&_txlock=immediate", q + "&_pragma=query_only(1)", q, "sqlite", nil
	case DriverMattn:
		if !mattnLinked {
			return "", "", "", "", fmt.Errorf("sqlite: driver %s is not linked into this build (build with -tags mattn and CGO_ENABLED=1)", DriverMattn)
		}
		q := "file:" + path + "?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=" + busyMS + "&_foreign_keys=on"
		return q + "&_txlock=immediate", q + "&mode=ro", q, "sqlite3", nil
	}
	return "", "", "", "", fmt.Errorf("sqlite: unknown driver %q (want %s or %s)", drv, DriverModernc, DriverMattn)
}

// Page caches. The writer's page cache outlives its transactions (no other
// connection writes), so it is made large enough to hold the pages the group
// commits keep coming back to (SQLite's default is 2 MB); a reader's is
// dropped whenever the database has changed since its last snapshot, so
// readers keep the default. Every connection reads the database file through
// a memory map instead of a read system call per page; the map is the
// operating system's page cache, shared, not process memory. The size asked
// for is clamped to SQLite's largest, 2 GB; pages past it are read as before.
const (
	writerCachePragma = "PRAGMA cache_size=-65536" // KiB: 64 MB
	mmapPragma        = "PRAGMA mmap_size=4294967296"
)

// pragmas sets the writer's connection up. temp_store=MEMORY keeps the
// statement and savepoint sub-journals of the group commit in memory instead
// of a temporary file written with pwrite for every request; they are rolled
// back or dropped within the transaction and never needed after a crash (the
// WAL is), so durability is unchanged. wal_autocheckpoint=0 leaves
// checkpoints to the checkpointer (checkpoint.go).
func (s *Store) pragmas(ctx context.Context, c *sql.Conn) error {
	for _, p := range []string{"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", "PRAGMA temp_store=MEMORY",
		"PRAGMA wal_autocheckpoint=0", writerCachePragma, mmapPragma} {
		if _, err := c.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("sqlite: %s: %w", p, err)
		}
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.wconn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migration/"), ".sql")
		var n int
		if err := s.wconn.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			return fmt.Errorf("sqlite: migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if err := s.inTx(ctx, func(q sqlstore.Querier) error {
			if _, err := q.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			if err := bumpSchemaVersion(ctx, q); err != nil {
				return err
			}
			if err := sqlstore.Rewrite(ctx, q, s.dialect, version); err != nil {
				return err
			}
			_, err := q.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied) VALUES (?, ?)`, version, time.Now().Unix())
			return err
		}); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", version, err)
		}
	}
	return nil
}

// bumpSchemaVersion changes the schema's version, which every connection
// compares with the one it read the schema at before each statement. A
// migration that edits the schema's text (PRAGMA writable_schema) leaves
// the version as it was, and a connection opened before would go on with
// the old schema; one that creates or drops has changed it already, and
// one more change is harmless.
func bumpSchemaVersion(ctx context.Context, q sqlstore.Querier) error {
	var v int64
	if err := q.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&v); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, "PRAGMA schema_version = "+strconv.FormatInt(v+1, 10))
	return err
}

func (s *Store) inTx(ctx context.Context, fn func(q sqlstore.Querier) error) error {
	if _, err := s.wconn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	if err := fn(s.wconn); err != nil {
		s.wconn.ExecContext(context.Background(), "ROLLBACK")
		return err
	}
	_, err := s.wconn.ExecContext(ctx, "COMMIT")
	return err
}

// Driver names the store driver.
func (s *Store) Driver() string { return "sqlite (" + s.driver + ")" }

// Path returns the database file path.
func (s *Store) Path() string { return s.path }

// Update runs fn in the next group commit and returns once it is durable:
// once the log holding its commit is synced (sync.go).
// A speculation that no longer stands when the writer comes to it
// (errStale) is made again on a new snapshot, up to maxSpeculations times
// in all; then the writer runs fn itself.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	for tries := 0; ; tries++ {
		req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
		switch {
		case s.wlog == nil:
		case tries < maxSpeculations:
			if s.isClosed() {
				return store.ErrClosed
			}
			var err error
			s.speculating.Add(1)
			req.spec, err = s.speculate(ctx, fn, tries == 0)
			s.speculating.Add(-1)
			if err != nil {
				return err
			}
		default:
			s.spec.skipped.Add(1) // stale too often: the writer runs fn
		}
		if err := s.write(req); !errors.Is(err, errStale) {
			return err
		}
	}
}

func (s *Store) isClosed() bool {
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	return s.closed
}

// write queues req for the next group commit and returns its outcome.
func (s *Store) write(req *writeReq) error {
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return store.ErrClosed
	}
	if err := s.lsync.err(); err != nil {
		s.closeMu.RUnlock()
		return err
	}
	s.writes <- req
	s.closeMu.RUnlock()
	// The request cannot be withdrawn once queued: its outcome is reported
	// even when ctx ends, so that a caller never mistakes a commit for a failure.
	return <-req.done
}

func (s *Store) writeLoop() {
	defer close(s.done)
	batch := make([]*writeReq, 0, s.maxB)
	for req := range s.writes {
		batch = s.commit(append(batch[:0], req))
		s.ckpt.committed(s.wconn)
	}
}

// commit runs the request of batch, and the requests it takes after it (see
// next), in one transaction, and commits once. A speculation is applied
// without a savepoint of its own (applyBare); a function the writer runs
// itself runs inside one, which a failure rolls back. The syncer reports
// each request's outcome once the commit is durable; the writer goes on to
// the next batch. It returns the batch it committed.
func (s *Store) commit(batch []*writeReq) []*writeReq {
	ctx := context.Background()
	start := time.Now()
	err := s.lsync.err()
	var tx *sqlstore.Tx
	if err == nil {
		tx, err = s.begin(ctx)
	}
	if err != nil {
		for _, r := range batch {
			r.done <- translate(err)
		}
		return batch
	}
	if s.wlog != nil {
		s.beginLogged(ctx, tx)
	}
	results := make([]error, 0, len(batch))
	for i := 0; ; i++ {
		r := batch[i]
		res := r.ctx.Err()
		if res == nil {
			if r.spec == nil {
				res = s.runSavepoint(ctx, r, tx, false)
			} else if res = s.applyBare(ctx, r.spec, tx); res == nil {
				s.wlog.Keep(r.spec)
			}
		}
		results = append(results, res)
		if errors.Is(res, errRedo) {
			if tx, err = s.redo(ctx, batch, results); err != nil {
				break
			}
		}
		if i+1 == len(batch) {
			next, ok := s.next(len(batch))
			if !ok {
				break
			}
			batch = append(batch, next)
		}
	}
	s.countApplied(batch, results)
	n := s.lsync.begin()
	if err == nil {
		if err = s.lsync.err(); err == nil {
			err = s.wstmts.Exec(ctx, "COMMIT")
		}
	}
	if err != nil {
		s.wstmts.Exec(ctx, "ROLLBACK")
		for i := range results {
			if results[i] == nil {
				results[i] = fmt.Errorf("sqlite: commit: %w", err)
			}
		}
	}
	if s.wlog != nil {
		// Before the answers: a caller's next speculation sees this batch.
		s.wlog.Done(err == nil)
	}
	s.lsync.committed(n, batch, results, start)
	return batch
}

// begin begins the batch's transaction and returns the Tx its writes run on.
func (s *Store) begin(ctx context.Context) (*sqlstore.Tx, error) {
	if err := s.wstmts.Exec(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, err
	}
	return sqlstore.NewPreparedTx(s.wstmts, s.dialect), nil
}

// redo rolls the batch's transaction back after the last request of batch,
// a speculation, failed half way through its statements, and runs the batch
// again the way that needs no proof that a write cannot fail half way: each
// request inside its own savepoint. results holds the answers of the first
// run, errRedo for the last request; redo replaces them.
//
// Every request is at the same place in the batch as in the first run, and
// what the requests before it wrote is the same: so a request that was
// answered in the first run (its context had ended, its function failed, its
// speculation no longer stood) keeps that answer, and a speculation's reads
// are not checked again: they were checked at this place, and the write log
// now also holds what the first run wrote after it. A function the writer
// runs itself runs again, as Store.Update allows.
//
// An error means the transaction could not begin again: it is the last
// request's answer, and the caller answers the others that had none with it.
func (s *Store) redo(ctx context.Context, batch []*writeReq, results []error) (*sqlstore.Tx, error) {
	s.spec.redone.Add(1)
	// The failed statement may have rolled the transaction back already.
	s.wstmts.Exec(ctx, "ROLLBACK")
	tx, err := s.begin(ctx)
	if err != nil {
		err = translate(err)
		results[len(results)-1] = err
		return nil, err
	}
	tx.LogWrites(s.wlog)
	s.wlog.Redo()
	for i, r := range batch {
		if results[i] != nil && i < len(batch)-1 {
			continue
		}
		if results[i] = s.runSavepoint(ctx, r, tx, true); results[i] == nil && r.spec != nil {
			s.wlog.Keep(r.spec)
		}
	}
	return tx, nil
}

// next returns the next request for a batch of n: one already queued; or,
// while the batch before is still being synced, the first to come before that
// sync returns. This batch could not be synced before then anyway, and the
// more requests share a commit, the fewer pages each writes to the log. A
// batch of one request with no other write on its way (being speculated)
// and at most one other caller waiting for a sync commits at once instead:
// a writer that waits for each write before the next (the webhook
// dispatcher's claims and its record of outcomes, two such writers) would
// otherwise wait for this commit after the sync returns, and the next sync
// with it. With more callers waiting, more requests are to come (their
// next), and the lone one waits for them.
func (s *Store) next(n int) (*writeReq, bool) {
	if n >= s.maxB {
		return nil, false
	}
	select {
	case r, ok := <-s.writes:
		return r, ok
	default:
	}
	if n < 2 && s.speculating.Load() == 0 && s.lsync.waiting.Load() <= 1 {
		return nil, false
	}
	synced, syncing := s.lsync.syncing()
	if !syncing {
		return nil, false
	}
	select {
	case r, ok := <-s.writes:
		return r, ok
	case <-synced:
		return nil, false
	}
}

// runSavepoint runs r inside a savepoint, which a failure rolls back: its
// function, or its speculation (checked: without checking its reads again).
func (s *Store) runSavepoint(ctx context.Context, r *writeReq, tx *sqlstore.Tx, checked bool) (err error) {
	if err := s.wstmts.Exec(ctx, "SAVEPOINT w"); err != nil {
		return translate(err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: panic in transaction: %v", p)
		}
		if err != nil {
			s.wstmts.Exec(ctx, "ROLLBACK TO w")
		}
		if rerr := s.wstmts.Exec(ctx, "RELEASE w"); rerr != nil && err == nil {
			err = translate(rerr)
		}
	}()
	if r.spec != nil {
		return s.apply(ctx, r.spec, tx, checked)
	}
	return r.fn(tx)
}

// View runs fn in a read-only snapshot on a reader connection.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	s.closeMu.RLock()
	closed := s.closed
	s.closeMu.RUnlock()
	if closed {
		return store.ErrClosed
	}
	err := s.withReader(ctx, func(r *reader) error {
		// A deferred transaction: the snapshot starts at the first read and
		// holds until the rollback; the connection is read-only anyway.
		if err := r.stmts.Exec(ctx, "BEGIN"); err != nil {
			return translate(err)
		}
		defer r.stmts.Exec(context.Background(), "ROLLBACK")
		return fn(sqlstore.NewPreparedTx(r.stmts, s.dialect))
	})
	// What the snapshot showed is answered once it is durable.
	if werr := s.lsync.await(ctx); werr != nil {
		return werr
	}
	return err
}

// withReader runs fn with a connection of the read pool, waiting for one
// while all are in use.
func (s *Store) withReader(ctx context.Context, fn func(r *reader) error) error {
	var r *reader
	select {
	case r = <-s.rconns:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { s.rconns <- r }()
	return fn(r)
}

// Close stops accepting writes, finishes the queued ones and closes the file.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return nil
	}
	s.closed = true
	close(s.writes)
	s.closeMu.Unlock()
	<-s.done
	return s.closeConns()
}

func (s *Store) closeConns() error {
	var errs []error
	if s.lsync != nil {
		// Answers what the writer committed last.
		errs = append(errs, s.lsync.close())
	}
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
	}
	// Every reader comes back to the pool when its View ends.
	for ; s.nread > 0; s.nread-- {
		r := <-s.rconns
		errs = append(errs, r.stmts.Close(), r.conn.Close())
	}
	if s.readers != nil {
		errs = append(errs, s.readers.Close())
	}
	if s.wstmts != nil {
		errs = append(errs, s.wstmts.Close())
	}
	if s.wconn != nil {
		errs = append(errs, s.wconn.Close())
	}
	errs = append(errs, s.writer.Close())
	return errors.Join(errs...)
}

func translate(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "UNIQUE constraint failed"), strings.Contains(msg, "PRIMARY KEY constraint failed"):
		return fmt.Errorf("%w: %s", store.ErrConflict, msg)
	}
	return err
}
