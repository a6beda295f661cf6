// Package webhook delivers events to registered endpoints: it claims due
// deliveries from the store's outbox, renders each event in its dialect,
// signs it, POSTs it and records every attempt, retrying with backoff.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// StripeSignature returns the Stripe-Signature header value for payload signed at unix time t.
func StripeSignature(secret string, t int64, payload []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	ts := strconv.FormatInt(t, 10)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(payload)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// CkoSignature returns the Cko-Signature header value: the lowercase hex HMAC-SHA256 of the body.
func CkoSignature(key string, payload []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(payload)
	return hex.EncodeToString(m.Sum(nil))
}
