package engine

import (
	"bytes"
	"encoding/json"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// decodeOptions make jsonv2 read a document into a new value exactly as
// encoding/json.Unmarshal would (names matched without regard to case,
// invalid UTF-8 and repeated names accepted), at about half its cost: the
// stored documents of every write are decoded inside its transaction.
var decodeOptions = jsonv2.JoinOptions(jsonv2.MatchCaseInsensitiveNames(true),
	jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))

// unmarshal decodes the JSON document data into v, which must point to a
// zero value (the two decoders differ on merging into a value already set).
func unmarshal(data []byte, v any) error {
	return jsonv2.Unmarshal(data, v, decodeOptions)
}

// appendQuoted appends s as a JSON string, quoted as encoding/json quotes it.
// A string of printable ASCII that encoding/json leaves as it is (no quote,
// backslash or HTML character) is copied; any other goes through json.Marshal.
func appendQuoted(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}

// appendRaw appends the JSON text raw, or null for none, as encoding/json
// writes a json.RawMessage that is already compact.
func appendRaw(b []byte, raw json.RawMessage) []byte {
	if raw == nil {
		return append(b, "null"...)
	}
	return append(b, raw...)
}
