package engine

import "crypto/rand"

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// unbiased is the number of byte values that map onto alnum evenly (62×4):
// a random byte below it picks alnum[b%62] with equal chances; one above it
// is drawn again.
const unbiased = len(alnum) * (256 / len(alnum))

// RandomString returns n characters drawn uniformly from [0-9A-Za-z] by a
// CSPRNG. It reads the random bytes in one call: ids are made inside write
// transactions, several per request.
func RandomString(n int) string {
	return string(appendRandom(make([]byte, 0, n), n))
}

// appendRandom appends n characters drawn as RandomString draws them to b.
func appendRandom(b []byte, n int) []byte {
	var buf [64]byte
	for n > 0 {
		// A few more bytes than needed: about 1 in 32 is drawn again.
		r := buf[:min(len(buf), n+n/16+2)]
		rand.Read(r) // never fails: it crashes the program instead
		for _, c := range r {
			if int(c) < unbiased && n > 0 {
				b = append(b, alnum[int(c)%len(alnum)])
				n--
			}
		}
	}
	return b
}

// NewID returns prefix followed by 24 random alphanumerics, the shape of Stripe's ids.
func NewID(prefix string) string {
	return string(appendRandom(append(make([]byte, 0, len(prefix)+24), prefix...), 24))
}
