package sqlstore

import (
	"bytes"
	"strings"
	"testing"
)

func TestCompactRoundTrip(t *testing.T) {
	charge := []byte(`{"id":"py_8EU6Ub7hdutuhBdtr5Hsq2bI","created":1796173642,"amount":1999,"currency":"eur","amount_refunded":0,"status":"pending","method":{"type":"sepa_debit","sepa_debit":{"bank_code":"37040044","branch_code":"","country":"DE","fingerprint":"GaAXuN3tLAyIDd3X","last4":"3000","mandate":"","mandate_reference":"RO7CXZIWJQM6YFLX","expected_debit_date":1796177242}},"customer":"cus_eGjFOuZfDOKFtD","source":"src_BaFnXrL7VmaTI8DppuJC1hnp","mandate":"mandate_1ExHQm4VWSDVWr3ISDhgrsvK","description":null,"metadata":{},"statement_descriptor":null,"receipt_email":null,"billing":{"name":"Jenny Rosen","email":null,"phone":null,"address":null},"failure_code":null,"failure_message":null,"disputed":false,"balance_transaction":null,"plan":{"Outcome":"succeeds","Delayed":false,"FailureCode":"","ReturnReason":"","Chargeback":null},"settle_at":1796177242}`)
	random := make([]byte, 300)
	for i := range random {
		random[i] = byte(i*7919 + i*i*31)
	}
	for _, v := range [][]byte{
		nil, {}, {0}, {1}, {0, 0xff}, {1, 2, 3}, []byte(`{}`), []byte(strings.Repeat("x", minCompact-1)),
		append([]byte{tagZstd1}, charge...), append([]byte{tagRaw}, charge...), random, charge,
		[]byte(strings.Repeat(`{"a":1}`, 2000)),
	} {
		stored := compact(v)
		got, err := expand(stored)
		if err != nil {
			t.Fatalf("expand(compact(%.20q)): %v", v, err)
		}
		if !bytes.Equal(got, v) {
			t.Fatalf("expand(compact(%.20q)) = %.20q", v, got)
		}
	}
	if n := len(compact(charge)); n >= len(charge)/2 {
		t.Errorf("a charge of %d bytes is stored in %d bytes, want less than half", len(charge), n)
	}
	if got := compact([]byte(`{"id":"x"}`)); string(got) != `{"id":"x"}` {
		t.Errorf("a short value is stored as %q, want it as given", got)
	}
}

func BenchmarkCompact(b *testing.B) {
	v := []byte(dict1[len(dict1)-2000:])
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		compact(v)
	}
	b.ReportMetric(float64(len(compact(v))), "stored-bytes")
}

func BenchmarkExpand(b *testing.B) {
	s := compact([]byte(dict1[len(dict1)-2000:]))
	for b.Loop() {
		expand(s)
	}
}
