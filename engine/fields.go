package engine

import "maps"

// Opt is an optional parameter of an update: Set says it was given, Null that
// it was given empty (which clears the field).
type Opt[T any] struct {
	Set  bool
	Null bool
	V    T
}

// Some returns a set Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{Set: true, V: v} }

// applyPtr applies o to a nullable field.
func applyPtr[T any](dst **T, o Opt[T]) {
	switch {
	case !o.Set:
	case o.Null:
		*dst = nil
	default:
		v := o.V
		*dst = &v
	}
}

// MetadataUpdate is a metadata parameter: Clear drops every key first (metadata=""),
// then each key of Set is written, an empty value deleting the key.
type MetadataUpdate struct {
	Clear bool
	Set   map[string]string
}

// apply returns m updated.
func (u MetadataUpdate) apply(m map[string]string) map[string]string {
	out := map[string]string{}
	if !u.Clear {
		maps.Copy(out, m)
	}
	for k, v := range u.Set {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// Address is a postal address.
type Address struct {
	City       *string `json:"city"`
	Country    *string `json:"country"`
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	PostalCode *string `json:"postal_code"`
	State      *string `json:"state"`
}

// AddressUpdate holds the address parameters given in a request.
type AddressUpdate struct {
	City, Country, Line1, Line2, PostalCode, State Opt[string]
}

// applyAddress updates dst (allocating it if needed) with u; Null clears the whole address.
func applyAddress(dst **Address, u Opt[AddressUpdate]) {
	if !u.Set {
		return
	}
	if u.Null {
		*dst = nil
		return
	}
	a := &Address{}
	if *dst != nil {
		c := **dst
		a = &c
	}
	applyPtr(&a.City, u.V.City)
	applyPtr(&a.Country, u.V.Country)
	applyPtr(&a.Line1, u.V.Line1)
	applyPtr(&a.Line2, u.V.Line2)
	applyPtr(&a.PostalCode, u.V.PostalCode)
	applyPtr(&a.State, u.V.State)
	*dst = a
}
