package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Some migrations change what stored documents say, which their SQL cannot:
// objects.data and events.data are compressed (ADR 0011). Such a migration's
// SQL changes the columns, and its rewrite, run by the driver in the same
// transaction right after the SQL, the documents.

// rewrites are the document rewrites of migrations, by version.
var rewrites = map[string]func(ctx context.Context, t *Tx) error{
	"0003_payment_page": rewritePaymentPages,
}

// Rewrite runs the document rewrite of the migration version, if it has
// one, on q, inside the migration's transaction.
func Rewrite(ctx context.Context, q Querier, d *Dialect, version string) error {
	f := rewrites[version]
	if f == nil {
		return nil
	}
	if err := f(ctx, NewTx(q, d)); err != nil {
		return fmt.Errorf("rewrite documents: %w", err)
	}
	return nil
}

// The engine's hosted payment page was stored under Stripe's names: object
// type checkout.session (its column 0003_payment_page.sql renames), the
// key checkout_session of the intents it made, event types
// checkout.session.* (column renamed by the SQL) with the object_type
// checkout.session in their documents, and those event types in webhook
// endpoints' enabled_events. The page's own document names none of them.
const (
	oldPageType, newPageType     = "checkout.session", "payment_page"
	oldPageKey, newPageKey       = "checkout_session", "payment_page"
	oldPageEvents, newPageEvents = "checkout.session.", "payment_page."
)

func rewritePaymentPages(ctx context.Context, t *Tx) error {
	// The intents a page made name it.
	if err := t.rewriteRows(ctx, `SELECT account, id, data FROM objects WHERE type IN ('payment_intent', 'setup_intent')`,
		`UPDATE objects SET data = ? WHERE account = ? AND id = ?`, func(doc []byte) ([]byte, error) {
			return renameKey(doc, oldPageKey, newPageKey)
		}); err != nil {
		return err
	}
	// The default dialect's endpoints subscribe to the page's events.
	if err := t.rewriteRows(ctx, `SELECT account, id, data FROM objects WHERE type = 'webhook_endpoint' AND kind = ''`,
		`UPDATE objects SET data = ? WHERE account = ? AND id = ?`, renamePageSubscriptions); err != nil {
		return err
	}
	// Events of pages and intents hold snapshots of them.
	return t.rewriteRows(ctx, `SELECT account, id, data FROM events WHERE dialect = ''
		AND (type LIKE 'payment\_page.%' ESCAPE '\' OR type LIKE 'payment\_intent.%' ESCAPE '\' OR type LIKE 'setup\_intent.%' ESCAPE '\')`,
		`UPDATE events SET data = ? WHERE account = ? AND id = ?`, renamePageInEvent)
}

// rewriteRows reads each row (account, id, data) of query, passes its
// document through f and, when f changed it, stores the result with update
// (data, account, id).
func (t *Tx) rewriteRows(ctx context.Context, query, update string, f func([]byte) ([]byte, error)) error {
	rows, err := t.q.QueryContext(ctx, t.rebind(query))
	if err != nil {
		return t.err(err)
	}
	type change struct {
		account, id string
		data        []byte
	}
	var changes []change
	for rows.Next() {
		var c change
		var stored []byte
		if err := rows.Scan(&c.account, &c.id, &stored); err != nil {
			rows.Close()
			return t.err(err)
		}
		doc, err := expand(stored)
		if err != nil {
			rows.Close()
			return fmt.Errorf("%s: %w", c.id, err)
		}
		out, err := f(doc)
		if err != nil {
			rows.Close()
			return fmt.Errorf("%s: %w", c.id, err)
		}
		if !bytes.Equal(out, doc) {
			c.data = compact(out)
			changes = append(changes, c)
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return t.err(err)
	}
	rows.Close()
	for _, c := range changes {
		if _, err := t.q.ExecContext(ctx, t.rebind(update), c.data, c.account, c.id); err != nil {
			return t.err(err)
		}
	}
	return nil
}

// renamePageSubscriptions renames the page's event types in an endpoint's
// enabled_events.
func renamePageSubscriptions(doc []byte) ([]byte, error) {
	return editKey(doc, "enabled_events", func(v json.RawMessage) (json.RawMessage, error) {
		var types []string
		if err := json.Unmarshal(v, &types); err != nil {
			return nil, err
		}
		changed := false
		for i, t := range types {
			if rest, ok := strings.CutPrefix(t, oldPageEvents); ok {
				types[i], changed = newPageEvents+rest, true
			}
		}
		if !changed {
			return v, nil
		}
		return json.Marshal(types)
	})
}

// renamePageInEvent renames the page's object type in an event and the
// intents' key in its snapshots (object and previous).
func renamePageInEvent(doc []byte) ([]byte, error) {
	doc, err := editKey(doc, "object_type", func(v json.RawMessage) (json.RawMessage, error) {
		if string(v) == `"`+oldPageType+`"` {
			return json.RawMessage(`"` + newPageType + `"`), nil
		}
		return v, nil
	})
	if err != nil {
		return nil, err
	}
	for _, snapshot := range []string{"object", "previous"} {
		if doc, err = editKey(doc, snapshot, func(v json.RawMessage) (json.RawMessage, error) {
			if string(v) == "null" {
				return v, nil
			}
			return renameKey(v, oldPageKey, newPageKey)
		}); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// renameKey renames the top-level key from of the JSON object doc to to,
// keeping the members' order; doc is returned as it is when it has no
// such key.
func renameKey(doc []byte, from, to string) ([]byte, error) {
	return rewriteMembers(doc, func(k string, v json.RawMessage) (string, json.RawMessage, error) {
		if k == from {
			return to, v, nil
		}
		return k, v, nil
	})
}

// editKey replaces the value of the top-level key of the JSON object doc
// with what f makes of it.
func editKey(doc []byte, key string, f func(json.RawMessage) (json.RawMessage, error)) ([]byte, error) {
	return rewriteMembers(doc, func(k string, v json.RawMessage) (string, json.RawMessage, error) {
		if k != key {
			return k, v, nil
		}
		nv, err := f(v)
		return k, nv, err
	})
}

// rewriteMembers passes each top-level member of the JSON object doc
// through f and writes the object again, in the same order. A document
// that f leaves alone comes back byte for byte.
func rewriteMembers(doc []byte, f func(k string, v json.RawMessage) (string, json.RawMessage, error)) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out bytes.Buffer
	out.WriteByte('{')
	changed := false
	for i := 0; dec.More(); i++ {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		nk, nv, err := f(k, v)
		if err != nil {
			return nil, err
		}
		if nk != k || !bytes.Equal(nv, v) {
			changed = true
		}
		if i > 0 {
			out.WriteByte(',')
		}
		kb, _ := json.Marshal(nk)
		out.Write(kb)
		out.WriteByte(':')
		out.Write(nv)
	}
	if !changed {
		return doc, nil
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}
