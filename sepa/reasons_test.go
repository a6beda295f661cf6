package sepa

import (
	"strings"
	"testing"
)

func TestReasonText(t *testing.T) {
	codes := strings.Fields(`AC01 AC04 AC06 AC13 AG01 AG02 AM04 AM05 BE05 CNOR DNOR FF01 MD01 MD02 MD06 MD07
		MS02 MS03 RC01 RR01 RR02 RR03 RR04 SL01 DUPL TECH FRAD FOCR`)
	for _, code := range codes {
		text, ok := ReasonText(code)
		if !ok || text == "" {
			t.Errorf("ReasonText(%q) = %q, %v", code, text, ok)
		}
	}
	if len(reasonTexts) != len(codes) {
		t.Errorf("table has %d codes, want %d", len(reasonTexts), len(codes))
	}
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
