package engine

import (
	"crypto/rand"

	"github.com/kontorpay/kontor/clock"
)

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

// idTimeChars is how many leading characters of an id count milliseconds:
// 62^7 milliseconds are 111 years, after which the count starts again
// (which moves where new ids go in an index, nothing else). The other 17
// are random: 101 bits.
const idTimeChars = 7

// NewID returns prefix followed by 24 alphanumerics, the shape of Stripe's
// ids: the wall clock's milliseconds in base 62 (idTimeChars characters, in
// the order of the bytes), then random ones. Ids made later sort after
// earlier ones, so the store adds them at the end of its id indexes instead
// of anywhere in them, which touches fewer pages as the database grows; and
// the ids one group commit makes, a millisecond or two apart, go to the
// same few pages of each index. The milliseconds are no time any rule reads
// (test clocks do not move them): only an order.
func NewID(prefix string) string { return newIDAt(prefix, clock.Wall{}.Now().UnixMilli()) }

// newIDAt is NewID at unix millisecond ms.
func newIDAt(prefix string, ms int64) string {
	b := append(make([]byte, 0, len(prefix)+24), prefix...)
	var t [idTimeChars]byte
	for i := len(t) - 1; i >= 0; i-- {
		t[i] = alnum[ms%int64(len(alnum))]
		ms /= int64(len(alnum))
	}
	return string(appendRandom(append(b, t[:]...), 24-idTimeChars))
}
