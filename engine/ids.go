package engine

import (
	"crypto/rand"
	"math/big"
)

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// RandomString returns n characters drawn uniformly from [0-9A-Za-z] by a CSPRNG.
func RandomString(n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alnum)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("engine: crypto/rand failed: " + err.Error())
		}
		b[i] = alnum[v.Int64()]
	}
	return string(b)
}

// NewID returns prefix followed by 24 random alphanumerics, the shape of Stripe's ids.
func NewID(prefix string) string { return prefix + RandomString(24) }
