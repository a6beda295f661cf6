package stripeapi

import (
	"cmp"
	"slices"

	"github.com/kontorpay/kontor/engine"
)

func (a *API) routes() {
	a.accountRoutes()
	a.customerRoutes()
	a.eventRoutes()
	a.webhookEndpointRoutes()
	a.testClockRoutes()
	a.paymentMethodRoutes()
	a.paymentIntentRoutes()
	a.setupIntentRoutes()
	a.mandateRoutes()
	a.checkoutSessionRoutes()
	a.sourceRoutes()
	a.customerSourceRoutes()
	a.chargeRoutes()
	a.refundRoutes()
	a.disputeRoutes()
	a.balanceRoutes()
	a.testHelperRoutes()
}

// sortBySeq orders objects newest first (or oldest first when ascending).
func sortBySeq[T engine.Object](items []T, ascending bool) {
	slices.SortFunc(items, func(x, y T) int {
		c := cmp.Compare(seqOf(x), seqOf(y))
		if ascending {
			return c
		}
		return -c
	})
}

func seqOf(o engine.Object) int64 {
	if s, ok := o.(interface{ Seq() int64 }); ok {
		return s.Seq()
	}
	return 0
}
