package ckoapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
)

// idEncoding is lowercase base32 without padding, the alphabet of
// Checkout.com's identifiers.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns prefix followed by 26 random lowercase base32 characters,
// the shape of Checkout.com's identifiers (pay_…, src_…, cus_…, act_…).
// The engine stores the objects under the ids the dialect chooses.
func newID(prefix string) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("ckoapi: crypto/rand failed: " + err.Error())
	}
	return prefix + idEncoding.EncodeToString(b)
}

// derivedID returns prefix followed by 26 lowercase base32 characters
// derived from seed: the same seed always gives the same id. The dialect
// names the actions it derives from a payment's history this way, so that
// they need no storage of their own.
func derivedID(prefix, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return prefix + idEncoding.EncodeToString(sum[:16])
}
