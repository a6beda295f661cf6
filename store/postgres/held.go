package postgres

import (
	"strconv"
	"strings"
	"sync"
)

// A transaction's writes held back (sqlstore.Deferred) go in the batch of
// its next statement or of its COMMIT, one statement each, except where
// several held one after the other can be one statement: the server's cost
// of a short statement is mostly its own (a portal, an executor, a
// snapshot, the messages), not its rows'. A keyed charge holds the checks
// of its three cached reads, then the charge, two events, a timer and the
// idempotency record: one statement instead of eight.
//   - Checks of reads answered from the cache held one after the other are
//     one statement (stillReadAllSQL), which fails unless each row is still
//     at the version read, and locks each row its check locks.
//   - Inserts of one row held one after the other are one statement, each
//     insert a data-modifying WITH query of it (insertsSQL). The statement
//     inserts every row or none; what each insert returns (its seq or id)
//     comes back in one row. The rows are inserted in the order held: the
//     statement's row names each insert in that order, and so runs it.
//     Inserts only: a held update may change a row inserted before it, and
//     the queries of one statement do not see each other's rows.
//
//   - Checks followed by inserts are one statement too: the checks are the
//     first column of its row, computed before any insert runs, so that a
//     stale read fails the statement before anything else runs.

// heldStmt is a write held back: its statement, its arguments and where its
// one returned integer goes.
type heldStmt struct {
	query string
	args  []any
	into  *int64
	// checks, for checks of reads answered from the cache, are their locks
	// in order (stillReadAllSQL).
	checks string
	// inserts, for inserts of one row, are their statements in order, and
	// intos where each one's returned integer goes (nil: nowhere); with
	// more than one, query is insertsSQL of them.
	inserts []string
	intos   []*int64
}

// maxInserts bounds the inserts in one statement, and maxInsertArgs their
// arguments: a batch of many rows (a test clock's) makes statements of a
// few shapes, each prepared once per connection. maxChecks bounds the
// checks in one: each sequence of their locks is a statement of its own,
// kept for the process's life (stillReadAll, inserts), so a write that
// read many cached objects makes several statements of a few shapes, not
// one of a new shape.
const (
	maxInserts    = 8
	maxInsertArgs = 512
	maxChecks     = 8
)

// hold keeps a write for the transaction's next batch, in one statement
// with the write held before it when the two can be one.
func (t *lazyTx) hold(query string, args []any, into *int64) {
	last := func() *heldStmt {
		if n := len(t.held); n > 0 {
			return &t.held[n-1]
		}
		return nil
	}
	if lock, ok := stillReadLock(query); ok {
		l := "R"
		if lock {
			l = "L"
		}
		if h := last(); h != nil && h.checks != "" && h.inserts == nil && len(h.checks) < maxChecks {
			h.checks += l
			h.query = stillReadAllSQL(h.checks)
			h.args = append(h.args, args...)
			return
		}
		t.held = append(t.held, heldStmt{query: stillReadAllSQL(l), args: args, checks: l})
		return
	}
	if oneRowInsert(query, into != nil) {
		if h := last(); h != nil && (len(h.inserts) > 0 || h.checks != "") && len(h.inserts) < maxInserts && len(h.args)+len(args) <= maxInsertArgs {
			h.inserts = append(h.inserts, query)
			h.intos = append(h.intos, into)
			h.query = insertsSQL(h.checks, h.inserts)
			h.args = append(h.args, args...)
			h.into = nil
			return
		}
		t.held = append(t.held, heldStmt{query: query, args: args, into: into, inserts: []string{query}, intos: []*int64{into}})
		return
	}
	t.held = append(t.held, heldStmt{query: query, args: args, into: into})
}

// joined reports whether the statement is checks and inserts, or several
// inserts, whose one row dests scans.
func (h *heldStmt) joined() bool { return len(h.inserts) > 1 || (h.checks != "" && len(h.inserts) > 0) }

// dests are where the row of a joined statement goes: the checks' column,
// when there are checks, and what each insert returns.
func (h *heldStmt) dests() []any {
	var d []any
	if h.checks != "" {
		d = append(d, new(int64))
	}
	for _, into := range h.intos {
		if into == nil {
			into = new(int64)
		}
		d = append(d, into)
	}
	return d
}

// oneRowInsert reports whether query inserts one row of its arguments
// (INSERT … VALUES (…)), returning one integer when returns is set and
// nothing otherwise: the statements insertsSQL joins.
func oneRowInsert(query string, returns bool) bool {
	if !strings.HasPrefix(query, "INSERT INTO ") || strings.ContainsAny(query, "';") ||
		strings.Count(query, "VALUES (") != 1 || strings.Contains(query, "SELECT") ||
		strings.Contains(query, "),") || strings.Contains(query, "ON CONFLICT") {
		return false
	}
	_, ret, ok := strings.Cut(query, " RETURNING ")
	if !ok {
		return !returns
	}
	return returns && !strings.ContainsAny(ret, ", ()")
}

// inserts holds the statement of each sequence of checks and inserts
// joined (the checks' locks, then the inserts' statements, separated by
// NUL).
var inserts sync.Map

// insertsSQL is one statement that runs the checks of cached reads whose
// locks are checks (stillReadAllSQL), if any, and then the inserts qs
// (oneRowInsert), in order, their placeholders numbered on from one to the
// next. Its one row has a column for the checks and one for each insert:
// what the insert returns, or the count of the rows it inserted when it
// returns nothing.
//
//	WITH i1 AS (INSERT … RETURNING seq), i2 AS (INSERT … RETURNING 0)
//	SELECT kontor_still_read(…), (SELECT * FROM i1), (SELECT count(*) FROM i2)
//
// The row's columns are computed in order, and each insert runs when its
// column is: the checks first, then each insert in turn.
func insertsSQL(checks string, qs []string) string {
	key := checks + "\x00" + strings.Join(qs, "\x00")
	if q, ok := inserts.Load(key); ok {
		return q.(string)
	}
	var with, sel strings.Builder
	sel.WriteString(" SELECT ")
	n := 0
	if checks != "" {
		sel.WriteString(strings.TrimPrefix(stillReadAllSQL(checks), "SELECT "))
		n = 3 * len(checks)
	}
	for i, q := range qs {
		name := "i" + strconv.Itoa(i+1)
		if i == 0 {
			with.WriteString("WITH ")
		} else {
			with.WriteString(", ")
		}
		if i > 0 || checks != "" {
			sel.WriteString(", ")
		}
		with.WriteString(name + " AS (")
		var used int
		q, used = renumber(q, n)
		n += used
		with.WriteString(q)
		if strings.Contains(q, " RETURNING ") {
			sel.WriteString("(SELECT * FROM " + name + ")")
		} else {
			with.WriteString(" RETURNING 0")
			sel.WriteString("(SELECT count(*) FROM " + name + ")")
		}
		with.WriteString(")")
	}
	q := with.String() + sel.String()
	inserts.Store(key, q)
	return q
}

// renumber adds off to each placeholder of q ($1, $2, …), which holds no
// quoted text, and returns the highest placeholder it had.
func renumber(q string, off int) (string, int) {
	var b strings.Builder
	most := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '$' {
			b.WriteByte(q[i])
			continue
		}
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		if j == i+1 {
			b.WriteByte('$')
			continue
		}
		k, _ := strconv.Atoi(q[i+1 : j])
		most = max(most, k)
		b.WriteString("$" + strconv.Itoa(k+off))
		i = j - 1
	}
	return b.String(), most
}
