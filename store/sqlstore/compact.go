package sqlstore

import (
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// The documents a store keeps (objects, events, idempotent responses) are
// small JSON texts that repeat the same keys and values row after row, so
// they are stored compressed with a preset dictionary of such text: a
// charge of ~800 bytes becomes ~200. The first byte of a stored value says
// how to read it back:
//
//	0x02        an S2 block with dictionary 2 follows (objects, events: cheap to write and read)
//	0x03        a zstd frame with dictionary 2 follows (idempotent responses written before they were S2)
//	0x01        a zstd frame with dictionary 1 follows (written before dictionary 2)
//	0x00        the value follows as given (a value that begins with one of these bytes)
//	anything    the value as given (short values, values that do not shrink)
//
// A dictionary never changes: a new one gets new first bytes. Values
// written before 0x02 and 0x03 were tags are JSON texts or begin with 0x00.
const (
	tagRaw   = 0x00
	tagZstd1 = 0x01
	tagS2    = 0x02
	tagZstd2 = 0x03
	// minCompact is the size below which a value is stored as given.
	minCompact = 96
)

// dict1 is text typical of the stored documents, a raw zstd dictionary: the
// compressor finds its strings as if they preceded every value. The most frequent strings come last.
var dict1 = []byte(`{"object_type":"test_helpers.test_clock","object":{"id":"clock_","name":null,"frozen_time":1796173642,"status":"ready","deletes_after":1798765642}}` +
	`{"id":"acct_","object":"account","business_profile":{"name":null},"country":"DE","default_currency":"eur","email":null}` +
	`{"id":"pm_","object":"payment_method","type":"sepa_debit","billing_details":{"address":null,"email":null,"name":"Jenny Rosen","phone":null},"sepa_debit":{"bank_code":"37040044","branch_code":"","country":"DE","fingerprint":"","generated_from":null,"last4":"3000"}}` +
	`{"id":"pi_","object":"payment_intent","amount":1999,"amount_capturable":0,"amount_received":0,"capture_method":"automatic","client_secret":"pi_secret_","confirmation_method":"automatic","latest_charge":null,"next_action":null,"payment_method_types":["sepa_debit"],"status":"requires_payment_method","setup_future_usage":null}` +
	`{"object_type":"mandate","object":{"id":"mandate_","created":1796173642,"source":"src_","customer":"cus_","status":"active","type":"multi_use","reference":"","uses":1,"last_used":1796173642,"lapses_at":1796173642},"previous":{"id":"mandate_","created":1796173642,"status":"active"}` +
	`{"object_type":"customer","object":{"id":"cus_","created":1796173642,"email":null,"name":"Jenny Rosen","description":null,"phone":null,"metadata":{},"default_source":"src_","invoice_prefix":"","balance":0,"delinquent":false,"livemode":false,"address":null,"shipping":null,"test_clock":null}}` +
	`{"object_type":"source","object":{"id":"src_","created":1796173642,"type":"sepa_debit","status":"chargeable","usage":"reusable","flow":"none","currency":"eur","amount":null,"customer":"cus_","client_secret":"src_client_secret_","owner":{"name":"Jenny Rosen","email":null,"phone":null,"address":null},"sepa_debit":{"bank_code":"37040044","branch_code":"","country":"DE","fingerprint":"","last4":"3000","mandate_reference":"","mandate_url":"http://127.0.0.1/hosted/mandates/acct_/src_?client_secret=src_client_secret_"},"metadata":{}}}` +
	`{"object_type":"source_mandate_notification","object":{"id":"srcmn_","created":1796173642,"source":"src_","charge":"py_","amount":1999,"reason":"debit_initiated","status":"submitted","creditor_identifier":"DE98ZZZ09999999999","last4":"3000","mandate_reference":"","debit_date":1796173642},"request":{"ID":"req_","IdempotencyKey":""}}` +
	`{"id":"py_","object":"charge","amount":1999,"amount_captured":1999,"amount_refunded":0,"application":null,"application_fee":null,"application_fee_amount":null,"balance_transaction":null,"billing_details":{"address":null,"email":null,"name":"Jenny Rosen","phone":null,"tax_id":null},"calculated_statement_descriptor":"KONTOR TEST","captured":true,"created":1796173642,"currency":"eur","customer":"cus_","description":null,"disputed":false,"failure_balance_transaction":null,"failure_code":null,"failure_message":null,"fraud_details":{},"livemode":false,"metadata":{},"on_behalf_of":null,"outcome":{"advice_code":null,"network_advice_code":null,"network_decline_code":null,"network_status":"approved_by_network","reason":null,"risk_level":"not_assessed","seller_message":"The payment is pending: the payer's bank has not confirmed it yet.","type":"authorized"},"paid":false,"payment_intent":null,"payment_method":"src_","payment_method_details":{"sepa_debit":{"bank_code":"37040044","branch_code":null,"country":"DE","expected_debit_date":"2026-12-02","fingerprint":"","last4":"3000","mandate":"mandate_"},"type":"sepa_debit"},"receipt_email":null,"receipt_number":null,"receipt_url":null,"refunded":false,"review":null,"shipping":null,"source":{"id":"src_","object":"source","allow_redisplay":null,"amount":null,"client_secret":"src_client_secret_","created":1796173642,"currency":"eur","customer":"cus_","flow":"none","livemode":false,"metadata":{},"owner":{"address":null,"email":null,"name":"Jenny Rosen","phone":null,"verified_address":null,"verified_email":null,"verified_name":null,"verified_phone":null},"sepa_debit":{"bank_code":"37040044","branch_code":null,"country":"DE","fingerprint":"","last4":"3000","mandate_reference":"","mandate_url":"http://127.0.0.1/hosted/mandates/acct_/src_?client_secret=src_client_secret_"},"statement_descriptor":null,"status":"chargeable","type":"sepa_debit","usage":"reusable"},"source_transfer":null,"statement_descriptor":null,"statement_descriptor_suffix":null,"status":"pending","transfer_data":null,"transfer_group":null}` +
	`{"object_type":"charge","object":{"id":"py_","created":1796173642,"amount":1999,"currency":"eur","amount_refunded":0,"status":"pending","method":{"type":"sepa_debit","sepa_debit":{"bank_code":"37040044","branch_code":"","country":"DE","fingerprint":"","last4":"3000","mandate":"","mandate_reference":"","expected_debit_date":1796173642}},"customer":"cus_","source":"src_","mandate":"mandate_","description":null,"metadata":{},"statement_descriptor":null,"receipt_email":null,"billing":{"name":"Jenny Rosen","email":null,"phone":null,"address":null},"failure_code":null,"failure_message":null,"disputed":false,"balance_transaction":null,"plan":{"Outcome":"succeeds","Delayed":false,"FailureCode":"","ReturnReason":"","Chargeback":null},"settle_at":1796173642},"request":{"ID":"req_","IdempotencyKey":""}}`)

// dict2 is dict1 with the documents of a charge as they are written now
// (the mandate, the notification's event, the charge's event and its
// answer); S2 and zstd both read it as raw text preceding every value.
var dict2 = []byte(`{"object_type":"test_helpers.test_clock","object":{"id":"clock_","name":null,"frozen_time":1796173642,"status":"ready","deletes_after":1798765642}}` +
	`{"id":"acct_","object":"account","business_profile":{"name":null},"country":"DE","default_currency":"eur","email":null}` +
	`{"id":"pm_","object":"payment_method","type":"sepa_debit","billing_details":{"address":null,"email":null,"name":"Jenny Rosen","phone":null},"sepa_debit":{"bank_code":"37040044","branch_code":"","country":"DE","fingerprint":"","generated_from":null,"last4":"3000"}}` +
	`{"id":"pi_","object":"payment_intent","amount":1999,"amount_capturable":0,"amount_received":0,"capture_method":"automatic","client_secret":"pi_secret_","confirmation_method":"automatic","latest_charge":null,"next_action":null,"payment_method_types":["sepa_debit"],"status":"requires_payment_method","setup_future_usage":null}` +
	`{"object_type":"mandate","object":{"id":"mandate_","created":1796173642,"source":"src_","customer":"cus_","status":"active","type":"multi_use","reference":"","uses":1,"last_used":1796173642,"lapses_at":1796173642},"previous":{"id":"mandate_","created":1796173642,"status":"active"}` +
	`{"object_type":"customer","object":{"id":"cus_","created":1796173642,"email":null,"name":"Jenny Rosen","description":null,"phone":null,"metadata":{},"default_source":"src_","invoice_prefix":"","balance":0,"delinquent":false,"livemode":false,"address":null,"shipping":null,"test_clock":null}}` +
	`{"object_type":"source","object":{"id":"src_","created":1796173642,"type":"sepa_debit","status":"chargeable","usage":"reusable","flow":"none","currency":"eur","amount":null,"customer":"cus_","client_secret":"src_client_secret_","owner":{"name":"Jenny Rosen","email":null,"phone":null,"address":null},"sepa_debit":{"bank_code":"37040044","branch_code":"","country":"DE","fingerprint":"","last4":"3000","mandate_reference":"","mandate_url":"http://127.0.0.1/hosted/mandates/acct_/src_?client_secret=src_client_secret_"},"metadata":{}}}` +
	`{"object_type":"mandate","object":{"id":"mandate_","created":1796173642,"reference":"","status":"active","type":"multi_use","account":{"iban_sealed":"","fingerprint":"","last4":"3000","country":"DE","bank_code":"37040044","branch_code":""},"holder_name":"Jenny Rosen","source":"src_","creditor_id":"DE98ZZZ09999999999","creditor_name":"Kontor Test Business","acceptance":{"type":"online","accepted_at":1796173642},"collections":1,"last_collection":1796173642,"client_secret":""}}` +
	`{"object_type":"source_mandate_notification","object":{"id":"srcmn_","created":1796173642,"source":"src_","charge":"py_","amount":1999,"reason":"debit_initiated","status":"submitted","creditor_identifier":"DE98ZZZ09999999999","last4":"3000","mandate_reference":"","debit_date":1796173642},"request":{"ID":"req_","IdempotencyKey":""}}` +
	`{"id":"py_","object":"charge","amount":1999,"amount_captured":1999,"amount_refunded":0,"application":null,"application_fee":null,"application_fee_amount":null,"balance_transaction":null,"billing_details":{"address":null,"email":null,"name":"Jenny Rosen","phone":null,"tax_id":null},"calculated_statement_descriptor":"KONTOR TEST","captured":true,"created":1796173642,"currency":"eur","customer":"cus_","description":null,"disputed":false,"failure_balance_transaction":null,"failure_code":null,"failure_message":null,"fraud_details":{},"livemode":false,"metadata":{},"on_behalf_of":null,"outcome":{"advice_code":null,"network_advice_code":null,"network_decline_code":null,"network_status":"approved_by_network","reason":null,"risk_level":"not_assessed","seller_message":"The payment is pending: the payer's bank has not confirmed it yet.","type":"authorized"},"paid":false,"payment_intent":null,"payment_method":"src_","payment_method_details":{"sepa_debit":{"bank_code":"37040044","branch_code":null,"country":"DE","expected_debit_date":"2026-12-02","fingerprint":"","last4":"3000","mandate":"mandate_"},"type":"sepa_debit"},"receipt_email":null,"receipt_number":null,"receipt_url":null,"refunded":false,"review":null,"shipping":null,"source":{"id":"src_","object":"source","allow_redisplay":null,"amount":null,"client_secret":"src_client_secret_","created":1796173642,"currency":"eur","customer":"cus_","flow":"none","livemode":false,"metadata":{},"owner":{"address":null,"email":null,"name":"Jenny Rosen","phone":null,"verified_address":null,"verified_email":null,"verified_name":null,"verified_phone":null},"sepa_debit":{"bank_code":"37040044","branch_code":null,"country":"DE","fingerprint":"","last4":"3000","mandate_reference":"","mandate_url":"http://127.0.0.1/hosted/mandates/acct_/src_?client_secret=src_client_secret_"},"statement_descriptor":null,"status":"chargeable","type":"sepa_debit","usage":"reusable"},"source_transfer":null,"statement_descriptor":null,"statement_descriptor_suffix":null,"status":"pending","transfer_data":null,"transfer_group":null}` +
	`{"object_type":"charge","object":{"id":"py_","created":1796173642,"amount":1999,"currency":"eur","amount_refunded":0,"status":"pending","method":{"type":"sepa_debit","sepa_debit":{"bank_code":"37040044","branch_code":"","country":"DE","fingerprint":"","last4":"3000","mandate":"mandate_","mandate_reference":"","expected_debit_date":1796173642}},"customer":"cus_","source":"src_","mandate":"mandate_","description":null,"metadata":{},"statement_descriptor":null,"receipt_email":null,"transfer_group":null,"billing":{"name":"Jenny Rosen","email":null,"phone":null,"address":null},"failure_code":null,"failure_message":null,"disputed":false,"balance_transaction":null,"settle_at":1796173642},"request":{"ID":"req_","IdempotencyKey":""}}`)

var (
	decoder = mustDecoder()
	s2dict  = s2.MakeDict(dict2, []byte(`{"object_type":"`))
)

func mustDecoder() *zstd.Decoder {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderDictRaw(1, dict1), zstd.WithDecoderDictRaw(2, dict2))
	if err != nil {
		panic(err)
	}
	return d
}

// compact returns the stored form of v, compressed with S2: about as small
// as zstd for documents of this size, and several times cheaper to write and
// to read (zstd's fastest encoder copies its 256 KiB dictionary tables on
// every call).
//
// S2 needs room for a value that does not shrink; it encodes into a buffer
// kept for the next call, and the stored form (about a quarter of the room)
// is copied out of it.
func compact(v []byte) []byte {
	if len(v) >= minCompact {
		bp := scratch.Get().(*[]byte)
		defer scratch.Put(bp)
		n := s2.MaxEncodedLen(len(v))
		if cap(*bp) < n {
			*bp = make([]byte, n)
		}
		if out := s2dict.Encode((*bp)[:n], v); 1+len(out) < len(v) {
			return append(append(make([]byte, 0, 1+len(out)), tagS2), out...)
		}
	}
	return asGiven(v)
}

// scratch holds compact's encoding buffers.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// asGiven returns v stored uncompressed.
func asGiven(v []byte) []byte {
	if len(v) > 0 && v[0] <= tagZstd2 {
		return append([]byte{tagRaw}, v...)
	}
	return v
}

// expand returns the value whose stored form is v.
func expand(v []byte) ([]byte, error) {
	if len(v) == 0 {
		return v, nil
	}
	switch v[0] {
	case tagRaw:
		return v[1:], nil
	case tagZstd1, tagZstd2:
		return decoder.DecodeAll(v[1:], make([]byte, 0, 3*len(v)))
	case tagS2:
		return s2dict.Decode(nil, v[1:])
	}
	return v, nil
}
