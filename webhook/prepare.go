package webhook

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store"
)

// job is a claimed delivery made ready to send: rendered and signed, or
// with its outcome settled already when there is nothing to send.
type job struct {
	dl      store.Delivery
	ep      *engine.WebhookEndpoint
	dialect Dialect
	evType  string
	out     Rendered
	settled *outcome
}

const (
	// chunk bounds the deliveries of one account rendered in one read
	// transaction, and renderers the transactions rendering at once.
	chunk     = 16
	renderers = 4
)

// prepare renders the claimed deliveries ds: those of one account a chunk
// at a time in one read transaction, which reads each endpoint and the
// account once for all of them, and several chunks at once.
func (d *Dispatcher) prepare(ctx context.Context, ds []store.Delivery) []job {
	js := make([]job, len(ds))
	byAccount := map[string][]int{}
	var accounts []string
	for i, dl := range ds {
		js[i].dl = dl
		if _, ok := byAccount[dl.Account]; !ok {
			accounts = append(accounts, dl.Account)
		}
		byAccount[dl.Account] = append(byAccount[dl.Account], i)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, renderers)
	for _, acct := range accounts {
		idx := byAccount[acct]
		for len(idx) > 0 {
			n := min(chunk, len(idx))
			part := idx[:n]
			idx = idx[n:]
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				d.render(ctx, acct, js, part)
			}()
		}
	}
	wg.Wait()
	return js
}

// render prepares js[i] for every i of part, deliveries of account, in one
// read transaction.
func (d *Dispatcher) render(ctx context.Context, account string, js []job, part []int) {
	now := d.e.WallNow()
	err := d.e.View(ctx, account, func(op *engine.Op) error {
		eps := map[string]*engine.WebhookEndpoint{} // nil: deleted or disabled
		for _, i := range part {
			j := &js[i]
			ev, err := op.Tx().GetEvent(ctx, account, j.dl.EventID)
			if err != nil {
				j.settled = d.unprepared(j.dl, err)
				continue
			}
			j.evType = ev.Type
			ep, seen := eps[j.dl.EndpointID]
			if !seen {
				ep, err = engine.Get[engine.WebhookEndpoint](op, j.dl.EndpointID)
				if errors.Is(err, store.ErrNotFound) || (err == nil && ep.Status != "enabled") {
					ep, err = nil, nil
				}
				if err != nil {
					j.settled = d.unprepared(j.dl, err)
					continue
				}
				eps[j.dl.EndpointID] = ep
			}
			if ep == nil {
				j.settled = &outcome{dl: j.dl, att: &store.DeliveryAttempt{Error: "endpoint deleted or disabled"}, at: now}
				continue
			}
			j.ep = ep
			dialect, ok := d.dialects[ep.Dialect]
			if !ok {
				err = fmt.Errorf("%w %s", errNoDialect, ep.Dialect)
			} else {
				j.dialect = dialect
				j.out, err = dialect.Render(op, ev, ep, now)
			}
			if err != nil {
				d.log.Error("render webhook", "delivery", j.dl.ID, "event", j.dl.EventID, "err", err)
				j.settled = &outcome{dl: j.dl, att: &store.DeliveryAttempt{Error: "render: " + err.Error()}, retries: dialect.Retries, at: now}
			}
		}
		return nil
	})
	if err != nil {
		// The read transaction itself failed: nothing of it is trusted.
		for _, i := range part {
			js[i].settled = d.unprepared(js[i].dl, err)
		}
	}
}

// unprepared is the outcome of a delivery the store failed to prepare
// before there was anything to send (a lost connection, a database
// restarting, shutdown): not an attempt. The delivery is handed back, due a
// second later; recorded as a failure without its dialect's schedule, it
// would have been abandoned.
func (d *Dispatcher) unprepared(dl store.Delivery, err error) *outcome {
	if !errors.Is(err, context.Canceled) {
		d.log.Warn("prepare webhook", "delivery", dl.ID, "event", dl.EventID, "err", err)
	}
	return &outcome{dl: dl, retryAt: d.e.WallNow().Add(time.Second).UnixMilli()}
}
