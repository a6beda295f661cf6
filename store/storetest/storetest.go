// Package storetest is the conformance suite every store driver runs
// unchanged. A driver's test calls Exercise with a function that opens a
// fresh, empty store; every subtest opens its own.
//
// The suite checks the contract written in package store: the rows every
// Tx method writes and reads back, account scoping (another account's row
// answers store.ErrNotFound), the conflicts (unique ids and stale versions
// answer store.ErrConflict), the order of every list and claim, and the
// transaction semantics of Update and View under concurrency.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// Exercise runs the conformance suite. open must return a fresh, empty store
// and arrange for its files or database to be removed when t ends; the suite
// closes the store itself when each subtest ends (Close must therefore
// tolerate a second call). Subtests run in parallel.
func Exercise(t *testing.T, open func(t *testing.T) store.Store) {
	for _, g := range []struct {
		name  string
		tests []test
	}{
		{"Accounts", accountTests},
		{"Objects", objectTests},
		{"Events", eventTests},
		{"Deliveries", deliveryTests},
		{"Timers", timerTests},
		{"Held", heldTests},
		{"Backlog", backlogTests},
		{"Idempotency", idempotencyTests},
		{"Settings", settingTests},
		{"BankFiles", bankFileTests},
		{"Tx", txTests},
		{"Later", laterTests},
		{"Concurrency", concurrencyTests},
	} {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					s := open(t)
					t.Cleanup(func() {
						if err := s.Close(); err != nil {
							t.Errorf("Close: %v", err)
						}
					})
					tc.fn(t, s)
				})
			}
		})
	}
}

// test is one conformance check on a fresh store.
type test struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

// update runs fn in s.Update and fails the test on error.
func update(t *testing.T, s store.Store, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	ctx := t.Context()
	if err := s.Update(ctx, func(tx store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in s.View and fails the test on error.
func view(t *testing.T, s store.Store, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	ctx := t.Context()
	if err := s.View(ctx, func(tx store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// wantErr fails the test unless errors.Is(err, want).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// must fails the test when err is not nil.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// equal fails the test unless got and want are deeply equal once empty byte
// slices are normalised to nil: a driver may hand back an empty blob either way.
func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	g, w := normalize(got), normalize(want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got  %s\n want %s", what, show(got), show(want))
	}
}

func normalize(v any) any {
	switch x := v.(type) {
	case store.Account:
		x.Settings = blob(x.Settings)
		return x
	case store.APIKey:
		x.Sealed = blob(x.Sealed)
		return x
	case store.Object:
		x.Data = blob(x.Data)
		return x
	case store.Event:
		x.Data = blob(x.Data)
		return x
	case store.Timer:
		x.Payload = blob(x.Payload)
		return x
	case store.Idempotency:
		x.Body = blob(x.Body)
		return x
	case []byte:
		return blob(x)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8 {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out
	}
	return v
}

func blob(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func show(v any) string {
	if b, ok := v.([]byte); ok {
		return fmt.Sprintf("%q", b)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice {
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "%d items:", rv.Len())
		for i := 0; i < rv.Len(); i++ {
			fmt.Fprintf(&buf, "\n   %+v", rv.Index(i).Interface())
		}
		return buf.String()
	}
	return fmt.Sprintf("%+v", v)
}

func ptr(v int64) *int64 { return &v }

func ptrTo(v string) *string { return &v }

// mkAccount inserts an account with the given id.
func mkAccount(ctx context.Context, tx store.Tx, id string) error {
	return tx.InsertAccount(ctx, store.Account{ID: id, Name: id, Created: 1, Settings: []byte(`{}`)})
}
