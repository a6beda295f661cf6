package stripeapi

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
	a.searchRoutes()
	a.bankFileRoutes()
}
