package stripeapi

import (
	"github.com/kontorpay/kontor/engine"
)

func init() { registerRenderer("test_helpers.test_clock", renderTestClock) }

func renderTestClock(c *call, op *engine.Op, o engine.Object) (*Obj, error) {
	tc := o.(*engine.TestClock)
	if tc.Deleted {
		return newObj(tc.ID, "test_helpers.test_clock").Set("deleted", true), nil
	}
	details := &Obj{}
	if tc.Status == "advancing" {
		adv := &Obj{}
		details.Set("advancing", adv.Set("target_frozen_time", tc.TargetTime))
	}
	out := newObj(tc.ID, "test_helpers.test_clock").
		Set("created", tc.Created).
		Set("deletes_after", tc.DeletesAfter).
		Set("frozen_time", tc.FrozenTime).
		Set("livemode", false).
		Set("name", str(tc.Name)).
		Set("status", tc.Status).
		Set("status_details", details)
	// Kontor's extension: how far the latest advance has got, in timers.
	p, ok, err := op.AdvanceProgress(tc)
	if err != nil || !ok {
		return out, err
	}
	adv := &Obj{}
	return out.Set("kontor_advance", adv.Set("target_frozen_time", p.Target).Set("timers_due", p.Due).Set("timers_fired", p.Fired)), nil
}

func (a *API) testClockRoutes() {
	a.handle("POST /v1/test_helpers/test_clocks", route{specs: []spec{pTime("frozen_time").req(), pStr("name").maxlen(300), pExpand()}, write: true,
		h: func(c *call, op *engine.Op) (any, error) {
			ft, _ := c.p.Int("frozen_time")
			tc, err := op.CreateTestClock(ft, c.p.Str("name"))
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, tc)
		}})
	a.handle("GET /v1/test_helpers/test_clocks/{id}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		tc, err := op.GetTestClock(c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.renderExpanded(op, tc)
	}})
	a.handle("DELETE /v1/test_helpers/test_clocks/{id}", route{write: true, h: func(c *call, op *engine.Op) (any, error) {
		tc, err := op.DeleteTestClock(c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return c.render(op, tc)
	}})
	a.handle("POST /v1/test_helpers/test_clocks/{id}/advance", route{specs: []spec{pTime("frozen_time").req(), pExpand()}, write: true,
		h: func(c *call, op *engine.Op) (any, error) {
			ft, _ := c.p.Int("frozen_time")
			tc, err := op.AdvanceTestClock(c.r.PathValue("id"), ft)
			if err != nil {
				return nil, err
			}
			return c.renderExpanded(op, tc)
		}})
	a.handle("GET /v1/test_helpers/test_clocks", route{specs: listSpecs(), h: func(c *call, op *engine.Op) (any, error) {
		return listOfWhere(c, op, "/v1/test_helpers/test_clocks", "test clock", nil, func(tc *engine.TestClock) bool { return !tc.Deleted })
	}})
}
