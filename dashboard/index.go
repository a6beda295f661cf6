package dashboard

import (
	"context"
	"errors"
	"slices"

	"github.com/kontorpay/kontor/store"
)

// The store's index answers what no dialect serves: the type of an object
// named only by its id, and the ids of the objects of kinds the dialects do
// not list (sources, mandates, Checkout.com payments). Every read is scoped
// to the session's account, so another account's id is simply not found.

// storedKind returns the kind of the object id in the account; ok is false
// when there is no such object or the dashboard has no page for its kind.
func (d *Dashboard) storedKind(ctx context.Context, account, id string) (k *kind, ok bool, err error) {
	var row store.Object
	err = d.opt.Store.View(ctx, func(tx store.Tx) error {
		var err error
		row, err = tx.GetObject(ctx, store.GetObjectParams{Account: account, ID: id})
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	k = kindOfStored(row.Type, row.Kind)
	return k, k != nil, nil
}

// storedEvent reports whether the account has an event id and of which dialect.
func (d *Dashboard) storedEvent(ctx context.Context, account, id string) (dialectName string, ok bool, err error) {
	var ev store.Event
	err = d.opt.Store.View(ctx, func(tx store.Tx) error {
		var err error
		ev, err = tx.GetEvent(ctx, account, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	return ev.Dialect, err == nil, err
}

// stored names one page's worth of rows of the store: the ids the store
// lists and their sequence numbers, which order them.
type stored struct {
	id  string
	seq int64
}

// storeList is a list the store keeps in sequence order: objects of a kind,
// or one dialect's events.
type storeList struct {
	// seqOf returns the sequence number of the item id (store.ErrNotFound
	// when the account has no such item of this list).
	seqOf func(ctx context.Context, tx store.Tx, id string) (int64, error)
	// rows returns up to limit items after afterSeq (newest first) or,
	// ascending, before beforeSeq.
	rows func(ctx context.Context, tx store.Tx, afterSeq, beforeSeq int64, ascending bool, limit int) ([]stored, error)
}

// objectsOf lists the stored objects of kind k.
func objectsOf(account string, k *kind) storeList {
	return storeList{
		seqOf: func(ctx context.Context, tx store.Tx, id string) (int64, error) {
			o, err := tx.GetObject(ctx, store.GetObjectParams{Account: account, ID: id, Type: k.Index.Type})
			return o.Seq, err
		},
		rows: func(ctx context.Context, tx store.Tx, afterSeq, beforeSeq int64, ascending bool, limit int) ([]stored, error) {
			os, err := tx.ListObjects(ctx, store.ListObjectsParams{Account: account, Type: k.Index.Type, Kind: k.Index.Kind,
				AfterSeq: afterSeq, BeforeSeq: beforeSeq, Ascending: ascending, Limit: limit})
			out := make([]stored, len(os))
			for i, o := range os {
				out[i] = stored{o.ID, o.Seq}
			}
			return out, err
		},
	}
}

// eventsOf lists the stored events of one dialect.
func eventsOf(account, dialectName string) storeList {
	return storeList{
		seqOf: func(ctx context.Context, tx store.Tx, id string) (int64, error) {
			ev, err := tx.GetEvent(ctx, account, id)
			if err == nil && ev.Dialect != dialectName {
				return 0, store.ErrNotFound
			}
			return ev.Seq, err
		},
		rows: func(ctx context.Context, tx store.Tx, afterSeq, beforeSeq int64, ascending bool, limit int) ([]stored, error) {
			evs, err := tx.ListEvents(ctx, store.ListEventsParams{Account: account, Dialect: dialectName,
				AfterSeq: afterSeq, BeforeSeq: beforeSeq, Ascending: ascending, Limit: limit})
			out := make([]stored, len(evs))
			for i, ev := range evs {
				out[i] = stored{ev.ID, ev.Seq}
			}
			return out, err
		},
	}
}

// storedPage returns one page of a list the store keeps, newest first:
// after (an id) continues past it, before (an id) returns the page that
// ends before it. fetch renders each id, or skips it (the dialect may not
// render all of a type, e.g. another dialect's mandates); more reports
// whether a further page exists in the direction read.
func storedPage[T any](ctx context.Context, st store.Store, list storeList, after, before string, size int,
	fetch func(id string) (T, bool, error)) (items []T, more bool, err error) {
	var afterSeq, beforeSeq int64
	ascending := false
	view := func(fn func(tx store.Tx) error) error { return st.View(ctx, fn) }
	seqOf := func(id string) (seq int64, err error) {
		err = view(func(tx store.Tx) error {
			seq, err = list.seqOf(ctx, tx, id)
			return err
		})
		return seq, err
	}
	if after != "" {
		afterSeq, err = seqOf(after)
	} else if before != "" {
		beforeSeq, err = seqOf(before)
		ascending = true
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil // a cursor of another account or none at all: an empty page
	}
	if err != nil {
		return nil, false, err
	}
	// The dialect renders each id in its own transaction, so rows are read
	// in batches and judged outside the store's.
	limit := size + 1
	for len(items) <= size {
		var rows []stored
		if err := view(func(tx store.Tx) error {
			var err error
			rows, err = list.rows(ctx, tx, afterSeq, beforeSeq, ascending, limit)
			return err
		}); err != nil {
			return nil, false, err
		}
		for _, r := range rows {
			it, ok, err := fetch(r.id)
			if err != nil {
				return nil, false, err
			}
			if ok {
				items = append(items, it)
			}
		}
		if len(rows) < limit {
			break
		}
		if last := rows[len(rows)-1].seq; ascending {
			beforeSeq = last
		} else {
			afterSeq = last
		}
	}
	more = len(items) > size
	if more {
		items = items[:size]
	}
	if before != "" {
		slices.Reverse(items)
	}
	return items, more, nil
}
