package sqlstore

import (
	"bytes"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

var testCharge = []byte(`{"id":"py_8EU6Ub7hdutuhBdtr5Hsq2bI","created":1796173642,"amount":1999,"currency":"eur","amount_refunded":0,"status":"pending","method":{"type":"sepa_debit","sepa_debit":{"bank_code":"37040044","branch_code":"","country":"DE","fingerprint":"GaAXuN3tLAyIDd3X","last4":"3000","mandate":"mandate_1ExHQm4VWSDVWr3ISDhgrsvK","mandate_reference":"RO7CXZIWJQM6YFLX","expected_debit_date":1796177242}},"customer":"cus_eGjFOuZfDOKFtD","source":"src_BaFnXrL7VmaTI8DppuJC1hnp","mandate":"mandate_1ExHQm4VWSDVWr3ISDhgrsvK","description":null,"metadata":{},"statement_descriptor":null,"receipt_email":null,"transfer_group":null,"billing":{"name":"Jenny Rosen","email":null,"phone":null,"address":null},"failure_code":null,"failure_message":null,"disputed":false,"balance_transaction":null,"settle_at":1796177242}`)

func TestCompactRoundTrip(t *testing.T) {
	random := make([]byte, 300)
	for i := range random {
		random[i] = byte(i*7919 + i*i*31)
	}
	for _, v := range [][]byte{
		nil, {}, {0}, {1}, {2}, {3}, {0, 0xff}, {1, 2, 3}, {3, 2, 1}, []byte(`{}`), []byte(strings.Repeat("x", minCompact-1)),
		append([]byte{tagZstd1}, testCharge...), append([]byte{tagRaw}, testCharge...), append([]byte{tagS2}, testCharge...),
		append([]byte{tagZstd2}, testCharge...), random, testCharge,
		[]byte(strings.Repeat(`{"a":1}`, 2000)),
	} {
		for name, f := range map[string]func([]byte) []byte{"compact": compact, "compactDense": compactDense} {
			stored := f(v)
			got, err := expand(stored)
			if err != nil {
				t.Fatalf("expand(%s(%.20q)): %v", name, v, err)
			}
			if !bytes.Equal(got, v) {
				t.Fatalf("expand(%s(%.20q)) = %.20q", name, v, got)
			}
		}
	}
	for name, f := range map[string]func([]byte) []byte{"compact": compact, "compactDense": compactDense} {
		if n := len(f(testCharge)); n >= len(testCharge)/3 {
			t.Errorf("%s: a charge of %d bytes is stored in %d bytes, want less than a third", name, len(testCharge), n)
		}
		if got := f([]byte(`{"id":"x"}`)); string(got) != `{"id":"x"}` {
			t.Errorf("%s: a short value is stored as %q, want it as given", name, got)
		}
	}
	if got := compact(testCharge)[0]; got != tagS2 {
		t.Errorf("compact tags a charge %#x, want %#x", got, tagS2)
	}
	if got := compactDense(testCharge)[0]; got != tagZstd2 {
		t.Errorf("compactDense tags a charge %#x, want %#x", got, tagZstd2)
	}
}

// TestExpandDictionary1 reads values written with dictionary 1, before dictionary 2.
func TestExpandDictionary1(t *testing.T) {
	e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(false), zstd.WithEncoderDictRaw(1, dict1), zstd.WithLowerEncoderMem(true))
	if err != nil {
		t.Fatal(err)
	}
	stored := e.EncodeAll(testCharge, []byte{tagZstd1})
	got, err := expand(stored)
	if err != nil || !bytes.Equal(got, testCharge) {
		t.Fatalf("expand of a dictionary 1 value: %.40q, %v", got, err)
	}
}

func BenchmarkCompact(b *testing.B) {
	b.SetBytes(int64(len(testCharge)))
	for b.Loop() {
		compact(testCharge)
	}
	b.ReportMetric(float64(len(compact(testCharge))), "stored-bytes")
}

func BenchmarkCompactDense(b *testing.B) {
	b.SetBytes(int64(len(testCharge)))
	for b.Loop() {
		compactDense(testCharge)
	}
	b.ReportMetric(float64(len(compactDense(testCharge))), "stored-bytes")
}

func BenchmarkExpand(b *testing.B) {
	for _, c := range []struct {
		name   string
		stored []byte
	}{{"s2", compact(testCharge)}, {"zstd", compactDense(testCharge)}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				expand(c.stored)
			}
		})
	}
}

// compactDense writes v as idempotent responses were written before they
// were S2: a zstd frame with dictionary 2 (tag 0x03), which expand reads.
func compactDense(v []byte) []byte {
	if len(v) >= minCompact {
		out := encoder.EncodeAll(v, append(make([]byte, 0, len(v)/2+32), tagZstd2))
		if len(out) < len(v) {
			return out
		}
	}
	return asGiven(v)
}

var encoder = func() *zstd.Encoder {
	e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(false), zstd.WithEncoderDictRaw(2, dict2), zstd.WithLowerEncoderMem(true))
	if err != nil {
		panic(err)
	}
	return e
}()
