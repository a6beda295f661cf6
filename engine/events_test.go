package engine

import (
	"encoding/json"

	"github.com/kontorpay/kontor/store"
)

// eventsAbout returns the account's events of typ (of any type if empty)
// about the object id, newest first. The default dialect's events are not
// listed by their object (store.Event.ObjectID), so it reads the object's id
// in each event's document.
func eventsAbout(op *Op, typ, id string) ([]store.Event, error) {
	rows, err := op.ListEvents(store.ListEventsParams{Type: typ, Limit: 1000})
	if err != nil {
		return nil, err
	}
	var out []store.Event
	for _, r := range rows {
		ev, err := DecodeEvent(r)
		if err != nil {
			return nil, err
		}
		var o struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(ev.Object, &o); err != nil {
			return nil, err
		}
		if o.ID == id {
			out = append(out, r)
		}
	}
	return out, nil
}
