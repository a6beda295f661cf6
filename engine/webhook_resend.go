package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/kontorpay/kontor/store"
)

// ResendEvent queues one more delivery of the account's event eventID to its
// webhook endpoint endpointID, whatever became of the earlier ones (the
// dashboard's Resend button). The endpoint must be of the event's dialect
// and not deleted; an event or endpoint the account does not have answers an
// error wrapping store.ErrNotFound. The new delivery counts in the event's
// pending_webhooks until it succeeds or is given up.
func (e *Engine) ResendEvent(ctx context.Context, account, eventID, endpointID string) error {
	return e.Update(ctx, account, RequestInfo{}, func(op *Op) error { return op.ResendEvent(eventID, endpointID) })
}

// ResendEvent is Engine.ResendEvent inside op's transaction.
func (op *Op) ResendEvent(eventID, endpointID string) error {
	ev, err := op.tx.GetEvent(op.ctx, op.account, eventID)
	if err != nil {
		return fmt.Errorf("engine: resend event %s: %w", eventID, err)
	}
	h, err := Get[WebhookEndpoint](op, endpointID)
	if errors.Is(err, store.ErrNotFound) || err == nil && (h.Deleted || h.Dialect != ev.Dialect) {
		return fmt.Errorf("engine: resend to webhook endpoint %s: %w", endpointID, store.ErrNotFound)
	}
	if err != nil {
		return err
	}
	now := op.e.clock.Now()
	d := &store.Delivery{ID: NewID("whdel_"), Account: op.account, EventID: ev.ID, EndpointID: h.ID,
		Status: "pending", NextAttemptAt: now.UnixMilli(), Created: now.Unix()}
	if err := op.tx.InsertDelivery(op.ctx, d); err != nil {
		return err
	}
	op.wake.deliveries = true
	return op.tx.AdjustPendingWebhooks(op.ctx, op.account, ev.ID, 1)
}
