package engine

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestBalanceTransactionDocumentAsEncodingJSON checks a balance
// transaction's own encoder against json.Marshal, for transactions whose
// every field is filled at random (no clock, no fee details, no
// description, no exchange rate a third of the time; strings with escapes,
// HTML characters and text outside ASCII).
func TestBalanceTransactionDocumentAsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 1000 {
		var b BalanceTransaction
		fill(r, reflect.ValueOf(&b).Elem(), 0)
		want, err := json.Marshal(&b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := document(&b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("balance transaction %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
