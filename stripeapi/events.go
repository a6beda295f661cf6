package stripeapi

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
)

// renderEvent renders a stored event as Stripe's Event object with the given
// API version, its data in that version too.
func (a *API) renderEvent(c *call, op *engine.Op, r store.Event, version string) (*Obj, error) {
	in := *c
	in.version, in.w = version, nil
	c = &in
	ev, err := engine.DecodeEvent(r)
	if err != nil {
		return nil, err
	}
	o, err := engine.Decode(ev.ObjectType, ev.Object)
	if err != nil {
		return nil, err
	}
	cur, err := c.render(op, o)
	if err != nil {
		return nil, err
	}
	data := &Obj{}
	data.Set("object", cur)
	if len(ev.Previous) > 0 {
		po, err := engine.Decode(ev.ObjectType, ev.Previous)
		if err != nil {
			return nil, err
		}
		prev, err := c.render(op, po)
		if err != nil {
			return nil, err
		}
		if diff := previousAttributes(prev, cur); diff != nil {
			data.Set("previous_attributes", diff)
		}
	}
	req := &Obj{}
	req.Set("id", strOrNull(ev.Request.ID)).Set("idempotency_key", strOrNull(ev.Request.IdempotencyKey))
	return newObj(ev.ID, "event").
		Set("api_version", version).
		Set("created", ev.Created).
		Set("data", data).
		Set("livemode", false).
		Set("pending_webhooks", r.PendingWebhooks).
		Set("request", req).
		Set("type", WireEventType(ev.Type)), nil
}

// previousAttributes returns the old values of the fields that changed between
// prev and cur, recursing into nested hashes; fields new in cur are null.
func previousAttributes(prev, cur *Obj) map[string]any {
	var p, n map[string]any
	pb, _ := json.Marshal(prev)
	nb, _ := json.Marshal(cur)
	json.Unmarshal(pb, &p)
	json.Unmarshal(nb, &n)
	return diffMaps(p, n)
}

func diffMaps(p, n map[string]any) map[string]any {
	out := map[string]any{}
	for k, pv := range p {
		nv, ok := n[k]
		if ok && reflect.DeepEqual(pv, nv) {
			continue
		}
		pm, pIsMap := pv.(map[string]any)
		nm, nIsMap := nv.(map[string]any)
		if pIsMap && nIsMap {
			if d := diffMaps(pm, nm); d != nil {
				out[k] = d
			}
			continue
		}
		out[k] = pv
	}
	for k := range n {
		if _, ok := p[k]; !ok {
			out[k] = nil
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (a *API) eventRoutes() {
	a.handle("GET /v1/events/{id}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		id := c.r.PathValue("id")
		_, r, err := op.GetEvent("", id)
		if err != nil {
			return nil, engine.NotFoundOr(err, "id", "event", id)
		}
		return a.renderEvent(c, op, r, c.apiVersion(op))
	}})
	a.handle("GET /v1/events", route{specs: listSpecs(pStr("type"), pArr("types", pStr("")), pBool("delivery_success")),
		h: func(c *call, op *engine.Op) (any, error) {
			var q store.ListEventsParams
			pg, err := c.page()
			if err != nil {
				return nil, err
			}
			q.Limit = pg.limit + 1
			q.CreatedGTE, q.CreatedLTE = c.p.Range("created")
			if t := c.p.String("type"); t != "" {
				if strings.Contains(t, "*") {
					if !strings.HasSuffix(t, "*") || strings.Count(t, "*") > 1 {
						return nil, engine.Invalid("parameter_invalid_string", "type", "Invalid type: the * wildcard may only end the type (for example charge.*).")
					}
					eventTypePrefix(&q, strings.TrimSuffix(t, "*"))
				} else {
					q.Type = queryEvent(t)
				}
			}
			if c.p.Has("types") {
				if c.p.Has("type") {
					return nil, engine.Invalid("parameters_exclusive", "types", "You may only specify one of these parameters: type, types.")
				}
				for _, t := range c.p.Strings("types") {
					q.Types = append(q.Types, queryEvent(t))
				}
				if len(q.Types) > 20 {
					return nil, engine.Invalid("parameter_invalid_array", "types", "Invalid types: at most 20 event types may be given.")
				}
			}
			if pg.startingAfter != "" {
				if q.AfterSeq, err = op.EventSeq("", pg.startingAfter); err != nil {
					return nil, engine.NotFoundOr(err, "starting_after", "event", pg.startingAfter)
				}
			}
			if pg.endingBefore != "" {
				if q.BeforeSeq, err = op.EventSeq("", pg.endingBefore); err != nil {
					return nil, engine.NotFoundOr(err, "ending_before", "event", pg.endingBefore)
				}
				q.Ascending = true
			}
			rows, err := op.ListEvents(q)
			if err != nil {
				return nil, err
			}
			version := c.apiVersion(op)
			return listObj(c, op, rows, pg, "/v1/events", func(r store.Event) (*Obj, error) { return a.renderEvent(c, op, r, version) })
		}})
}
