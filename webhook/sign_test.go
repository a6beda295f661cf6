package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	stripewebhook "github.com/stripe/stripe-go/v85/webhook"
)

func TestStripeSignatureVerifiesWithStripeGo(t *testing.T) {
	payload := []byte(`{"id":"evt_1","object":"event","api_version":"2026-03-25.dahlia","type":"customer.created","data":{"object":{"id":"cus_1","object":"customer"}}}`)
	secret := "whsec_test_secret"
	now := time.Now()
	header := StripeSignature(secret, now.Unix(), payload)
	if err := stripewebhook.ValidatePayload(payload, header, secret); err != nil {
		t.Fatalf("stripe-go rejects the signature %q: %v", header, err)
	}
	if err := stripewebhook.ValidatePayload(payload, header, "whsec_other"); err == nil {
		t.Fatal("a signature made with another secret verifies")
	}
	tampered := append([]byte(nil), payload...)
	tampered[10] ^= 1
	if err := stripewebhook.ValidatePayload(tampered, header, secret); err == nil {
		t.Fatal("a tampered payload verifies")
	}
	old := StripeSignature(secret, now.Add(-time.Hour).Unix(), payload)
	if err := stripewebhook.ValidatePayload(payload, old, secret); err == nil {
		t.Fatal("an hour-old signature verifies within stripe-go's 5-minute tolerance")
	}
}

func TestCkoSignature(t *testing.T) {
	body := []byte(`{"id":"evt_x","type":"payment_paid"}`)
	key := "sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808"
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	if got, want := CkoSignature(key, body), hex.EncodeToString(m.Sum(nil)); got != want {
		t.Fatalf("CkoSignature = %s, want %s", got, want)
	}
	if CkoSignature(key, body) == CkoSignature(key+"x", body) {
		t.Fatal("the signature does not depend on the key")
	}
}

// FuzzStripeSignature: for any secret, time and payload, stripe-go verifies
// the header Kontor signs, and refuses it for a changed payload; a header
// made up by the fuzzer verifies only if it carries the real signature.
func FuzzStripeSignature(f *testing.F) {
	f.Add("whsec_test_secret", int64(1767225600), []byte(`{"id":"evt_1","object":"event"}`), "t=1767225600,v1=00")
	f.Add("", int64(0), []byte{}, "")
	f.Add("whsec_\x00\xff", int64(-1), []byte("\xff\xfe"), "t=1,v1=,v0=x,,=")
	f.Fuzz(func(t *testing.T, secret string, ts int64, payload []byte, forged string) {
		header := StripeSignature(secret, ts, payload)
		if err := stripewebhook.ValidatePayloadIgnoringTolerance(payload, header, secret); err != nil {
			t.Fatalf("stripe-go refuses %q for secret %q: %v", header, secret, err)
		}
		if len(payload) > 0 {
			changed := append([]byte(nil), payload...)
			changed[len(changed)/2] ^= 0x80
			if stripewebhook.ValidatePayloadIgnoringTolerance(changed, header, secret) == nil {
				t.Fatalf("a changed payload verifies with %q", header)
			}
		}
		sig := header[strings.Index(header, ",v1=")+len(",v1="):]
		if stripewebhook.ValidatePayloadIgnoringTolerance(payload, forged, secret) == nil && !strings.Contains(forged, sig) {
			t.Fatalf("the made-up header %q verifies without the signature %s", forged, sig)
		}
	})
}

// FuzzCkoSignature: the header is 64 lowercase hex digits, the HMAC of
// exactly the body: a changed body or key gives another one.
func FuzzCkoSignature(f *testing.F) {
	f.Add("sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808", []byte(`{"id":"evt_x","type":"payment_paid"}`))
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, key string, body []byte) {
		sig := CkoSignature(key, body)
		if len(sig) != 64 || strings.Trim(sig, "0123456789abcdef") != "" {
			t.Fatalf("signature %q is not 64 lowercase hex digits", sig)
		}
		if CkoSignature(key+"x", body) == sig || CkoSignature(key, append(body[:len(body):len(body)], 'x')) == sig {
			t.Fatal("the signature does not depend on the key and the whole body")
		}
	})
}
