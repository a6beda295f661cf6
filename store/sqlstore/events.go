package sqlstore

import (
	"context"
	"unicode/utf8"

	"github.com/kontorpay/kontor/store"
)

const eventColumns = `seq, ` + eventRowColumns

func scanEvent(s interface{ Scan(...any) error }, e *store.Event) error {
	err := s.Scan(&e.Seq, &e.Account, &e.ID, &e.Dialect, &e.Type, &e.ObjectID, &e.Created, &e.PendingWebhooks, &e.Data)
	if err == nil {
		e.Data, err = expand(e.Data)
	}
	return err
}

// InsertEvent inserts e and sets e.Seq; an id already used in the account
// answers store.ErrConflict.
func (t *Tx) InsertEvent(ctx context.Context, e *store.Event) error {
	if t.held != nil {
		t.held.holdEvent(e)
		return nil
	}
	err := t.row(ctx, insertEvent+` ON CONFLICT DO NOTHING RETURNING seq`, eventArgs(e)...).Scan(&e.Seq)
	return t.insertErr(err, conflict("event %s", e.ID))
}

// insertEvent writes one event (eventArgs); InsertEvent and its Later form
// end it differently.
const insertEvent = `INSERT INTO events (` + eventRowColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// eventRowColumns are the columns an insert writes, in the order of appendEventRow.
const eventRowColumns = `account, id, dialect, type, object_id, created, pending_webhooks, data`

func eventArgs(e *store.Event) []any {
	return appendEventRow(make([]any, 0, 8), e, compact(e.Data))
}

// appendEventRow appends the values of e's insert to args, with data its stored document.
func appendEventRow(args []any, e *store.Event, data []byte) []any {
	return append(args, e.Account, e.ID, e.Dialect, e.Type, e.ObjectID, e.Created, e.PendingWebhooks, data)
}

// GetEvent returns one event of the account, or store.ErrNotFound.
func (t *Tx) GetEvent(ctx context.Context, account, id string) (store.Event, error) {
	var e store.Event
	err := scanEvent(t.row(ctx, `SELECT `+eventColumns+` FROM events WHERE account = ? AND id = ?`, account, id), &e)
	return e, t.err(err)
}

// ListEvents returns up to p.Limit events matching p, newest first unless p.Ascending.
func (t *Tx) ListEvents(ctx context.Context, p store.ListEventsParams) ([]store.Event, error) {
	var w where
	w.add("account = ?", p.Account)
	w.add("dialect = ?", p.Dialect)
	w.eq("type", p.Type)
	if p.ObjectID != "" {
		// The index of events by object holds only the events that have
		// one (WHERE object_id <> ''), which a planner uses only when the
		// query says so itself.
		w.add("object_id = ? AND object_id <> ''", p.ObjectID)
	}
	if p.TypePrefix != "" {
		// substr counts characters on both engines, not bytes; a prefix match
		// with substr needs no escaping of LIKE wildcards and ignores collations.
		w.add("substr(type, 1, ?) = ?", utf8.RuneCountInString(p.TypePrefix), p.TypePrefix)
	}
	if len(p.Types) > 0 {
		cond := "type IN ("
		for i, ty := range p.Types {
			if i > 0 {
				cond += ", "
			}
			cond += "?"
			w.args = append(w.args, ty)
		}
		w.conds = append(w.conds, cond+")")
	}
	w.window(p.CreatedGTE, p.CreatedLTE, p.AfterSeq, p.BeforeSeq)
	order := " ORDER BY seq DESC"
	if p.Ascending {
		order = " ORDER BY seq ASC"
	}
	rows, err := t.query(ctx, `SELECT `+eventColumns+` FROM events`+w.String()+order+` LIMIT ?`, append(w.args, limitOf(p.Limit))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		var e store.Event
		if err := scanEvent(rows, &e); err != nil {
			return nil, t.err(err)
		}
		out = append(out, e)
	}
	return out, t.err(rows.Err())
}

// AdjustPendingWebhooks adds delta to the event's pending_webhooks count.
func (t *Tx) AdjustPendingWebhooks(ctx context.Context, account, eventID string, delta int) error {
	_, err := t.exec(ctx, `UPDATE events SET pending_webhooks = pending_webhooks + ? WHERE account = ? AND id = ?`, delta, account, eventID)
	return err
}
