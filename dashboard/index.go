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

// storedPage returns one page of the objects of kind k, newest first: after
// (an id) continues past it, before (an id) returns the page that ends
// before it. fetch renders each id, or skips it (the dialect may not render
// all of a type, e.g. another dialect's mandates); more reports whether a
// further page exists in the direction read.
func storedPage[T any](ctx context.Context, st store.Store, account string, k *kind, after, before string, size int,
	fetch func(id string) (T, bool, error)) (items []T, more bool, err error) {
	q := store.ListObjectsParams{Account: account, Type: k.Index.Type, Kind: k.Index.Kind, Limit: size + 1}
	view := func(fn func(tx store.Tx) error) error { return st.View(ctx, fn) }
	seqOf := func(id string) (seq int64, err error) {
		err = view(func(tx store.Tx) error {
			o, err := tx.GetObject(ctx, store.GetObjectParams{Account: account, ID: id, Type: k.Index.Type})
			seq = o.Seq
			return err
		})
		return seq, err
	}
	if after != "" {
		q.AfterSeq, err = seqOf(after)
	} else if before != "" {
		q.BeforeSeq, err = seqOf(before)
		q.Ascending = true
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil // a cursor of another account or none at all: an empty page
	}
	if err != nil {
		return nil, false, err
	}
	// The dialect renders each id in its own transaction, so rows are read
	// in batches and judged outside the store's.
	for len(items) <= size {
		var rows []store.Object
		if err := view(func(tx store.Tx) error {
			var err error
			rows, err = tx.ListObjects(ctx, q)
			return err
		}); err != nil {
			return nil, false, err
		}
		for _, r := range rows {
			it, ok, err := fetch(r.ID)
			if err != nil {
				return nil, false, err
			}
			if ok {
				items = append(items, it)
			}
		}
		if len(rows) < q.Limit {
			break
		}
		if last := rows[len(rows)-1].Seq; q.Ascending {
			q.BeforeSeq = last
		} else {
			q.AfterSeq = last
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
