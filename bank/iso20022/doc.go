// Package iso20022 writes and reads the ISO 20022 files a SEPA bank
// exchanges with its customers: pain.008 direct debit and pain.001 credit
// transfer initiations out, pain.002 status reports and camt.054 and
// camt.053 account notifications and statements in. It knows the files'
// structure and the content rules of the SEPA schemes (one payment block per
// collection date and sequence type, TARGET days, the SEPA character set,
// consistent counts and sums); what an answer means for a payment is decided
// elsewhere.
//
// Every file comes in two generations of the schemas: 2019 (pain.008.001.08,
// pain.001.001.09, pain.002.001.10, camt.05x.001.08) and 2009
// (pain.008.001.02, pain.001.001.03, pain.002.001.03, camt.05x.001.02), the
// latter for banks that have not moved on.
package iso20022

import "errors"

// Generation chooses the schema versions of written files.
type Generation string

// Schema generations.
const (
	Gen2019 Generation = "2019"
	Gen2009 Generation = "2009"
)

// Message types, named as the schemas name them.
const (
	Pain008v08 = "pain.008.001.08"
	Pain008v02 = "pain.008.001.02"
	Pain001v09 = "pain.001.001.09"
	Pain001v03 = "pain.001.001.03"
	Pain002v10 = "pain.002.001.10"
	Pain002v03 = "pain.002.001.03"
	Camt054v08 = "camt.054.001.08"
	Camt054v02 = "camt.054.001.02"
	Camt053v08 = "camt.053.001.08"
	Camt053v02 = "camt.053.001.02"
)

// namespacePrefix starts the XML namespace of every message type.
const namespacePrefix = "urn:iso:std:iso:20022:tech:xsd:"

// ErrInvalid is wrapped by every error about a file's content: not
// well-formed, not of an accepted type, or breaking its schema or the SEPA
// rules. The message names the first problem.
var ErrInvalid = errors.New("iso20022: invalid file")
