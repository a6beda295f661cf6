package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
)

// BenchmarkGetObject reads one object by id and type in a read
// transaction, as a GET of it does.
func BenchmarkGetObject(b *testing.B) {
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "kontor.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	err = s.Update(b.Context(), func(tx store.Tx) error {
		return tx.InsertObject(b.Context(), &store.Object{Account: "acct_a", ID: "cus_1", Type: "customer", Created: 1, Data: []byte(`{"id":"cus_1"}`)})
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		err := s.View(b.Context(), func(tx store.Tx) error {
			_, err := tx.GetObject(b.Context(), store.GetObjectParams{Account: "acct_a", ID: "cus_1", Type: "customer"})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
