package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
