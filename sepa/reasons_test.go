package sepa

import (
	"regexp"
	"strings"
	"testing"
)

// epcReasons are the reason codes of the EPC's SDD and SCT R-transactions.
var epcReasons = strings.Fields(`AC01 AC03 AC04 AC06 AC13 AG01 AG02 AM04 AM05 AM09 ARDT BE05 CNOR CUST DNOR DUPL ED05 FF01
	FOCR FRAD LEGL MD01 MD02 MD06 MD07 MS02 MS03 NOAS NOOR RC01 RR01 RR02 RR03 RR04 SL01 SL11 SL12 SL13 SL14 TECH`)

func TestReasonTableCoversEveryEPCCode(t *testing.T) {
	isoCode := regexp.MustCompile(`^[A-Z]{2}[A-Z0-9]{2}$`)
	ckoCode := regexp.MustCompile(`^20\d{3}$`)
	tokens := map[string]bool{"": true, "RFND": true, "ACT": true, "NSF": true, "OTHR": true, "FRM": true}
	for _, code := range epcReasons {
		r, ok := LookupReason(code)
		if !ok {
			t.Errorf("%s is missing", code)
			continue
		}
		if r.Code != code || r.Text == "" || r.Kinds == 0 || r.Proprietary {
			t.Errorf("%s: %+v", code, r)
		}
		if r.StripeFailureMessage() == "" {
			t.Errorf("%s: failure code %q has no message", code, r.StripeFailure)
		}
		if !ckoCode.MatchString(r.CkoResponse) || r.CkoSummary == "" || !tokens[r.CkoToken] {
			t.Errorf("%s: Checkout.com %q %q token %q", code, r.CkoResponse, r.CkoSummary, r.CkoToken)
		}
		// A reason that can end a settled debit says what it is for both dialects.
		if (r.Kinds.Has(Return) || r.Kinds.Has(Refund) || r.Kinds.Has(Reversal)) && (r.StripeDispute == "" || r.CkoToken == "") {
			t.Errorf("%s ends settled debits but has dispute reason %q, token %q", code, r.StripeDispute, r.CkoToken)
		}
	}
	epc := 0
	for _, r := range Reasons() {
		if r.Proprietary {
			if isoCode.MatchString(r.Code) {
				t.Errorf("proprietary %s looks like an ISO code", r.Code)
			}
			continue
		}
		epc++
	}
	if epc != len(epcReasons) {
		t.Errorf("table has %d ISO codes, want %d", epc, len(epcReasons))
	}
}

// Seed 003 documents what each Checkout.com chargeback token means.
func TestCheckoutTokensFollowTheirMeaning(t *testing.T) {
	tests := []struct{ code, token string }{
		{"MD06", "ACT"},  // the customer disputes the debit with their bank
		{"MD01", "ACT"},  // … also when they say they never authorised it
		{"MS02", "RFND"}, // the money goes back at the merchant's request (a reversal)
		{"AM05", "RFND"},
		{"AM04", "NSF"},  // insufficient funds
		{"AC04", "OTHR"}, // other reasons: no account …
		{"AG01", "OTHR"}, // … or the wrong kind of account
		{"FF01", "FRM"},  // format errors
	}
	for _, tc := range tests {
		if r, _ := LookupReason(tc.code); r.CkoToken != tc.token {
			t.Errorf("%s: token %q, want %s", tc.code, r.CkoToken, tc.token)
		}
	}
	if r, _ := LookupReason("MS02"); !r.Kinds.Has(Reversal) {
		t.Error("MS02 is no reversal")
	}
	if r, _ := LookupReason("MD06"); r.Kinds != Refund {
		t.Errorf("MD06 kinds %b, want only a refund", r.Kinds)
	}
}

func TestStripeFailureCodesRoundTrip(t *testing.T) {
	for code := range stripeFailureMessages {
		r, ok := ReasonForStripeFailure(code)
		if !ok || r.StripeFailure != code {
			t.Errorf("ReasonForStripeFailure(%s) = %+v, %v", code, r, ok)
		}
	}
	want := map[string]string{"account_closed": "AC04", "insufficient_funds": "AM04", "generic_decline": ReasonNotSpecified,
		"debit_canceled": ReasonCanceled, "payment_not_confirmed": ReasonNotConfirmed,
		"charge_exceeds_source_limit": ReasonVolumeLimit, "charge_exceeds_weekly_limit": ReasonTransactionLimit}
	for failure, code := range want {
		if r, _ := ReasonForStripeFailure(failure); r.Code != code {
			t.Errorf("ReasonForStripeFailure(%s) = %s, want %s", failure, r.Code, code)
		}
	}
	if _, ok := ReasonForStripeFailure("card_declined"); ok {
		t.Error("an unknown failure code has a reason")
	}
	if r := ReasonOrUnspecified("XXXX"); r.Code != ReasonNotSpecified {
		t.Errorf("ReasonOrUnspecified(XXXX) = %s", r.Code)
	}
}

func TestReasonText(t *testing.T) {
	tests := []struct{ code, contains string }{
		{"AM04", "Insufficient funds"},
		{"MD06", "Refund"},
		{"MD01", "No mandate"},
		{"FOCR", "cancellation"},
	}
	for _, tc := range tests {
		if text, _ := ReasonText(tc.code); !strings.Contains(text, tc.contains) {
			t.Errorf("ReasonText(%q) = %q, want it to mention %q", tc.code, text, tc.contains)
		}
	}
	for _, code := range []string{"", "am04", "XXXX", "AM04 "} {
		if text, ok := ReasonText(code); ok || text != "" {
			t.Errorf("ReasonText(%q) = %q, %v; want unknown", code, text, ok)
		}
	}
}

// TestReturnsMoney: a return after settlement takes the money back for every
// reason but the negative answers to a recall.
func TestReturnsMoney(t *testing.T) {
	keep := map[string]bool{"ARDT": true, "CUST": true, "LEGL": true, "NOAS": true, "NOOR": true}
	for _, r := range Reasons() {
		if r.Proprietary {
			continue
		}
		if got := r.ReturnsMoney(); got == keep[r.Code] {
			t.Errorf("%s: ReturnsMoney = %v", r.Code, got)
		}
		if r.Kinds&(Return|Refund|Reversal) != 0 && !r.ReturnsMoney() {
			t.Errorf("%s is a return, refund or reversal reason but returns no money", r.Code)
		}
	}
}
