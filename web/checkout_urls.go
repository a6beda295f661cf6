package web

import "net/url"

const checkoutPath = "/hosted/checkout/"

// CheckoutURL returns the URL of the hosted Checkout page of session id of
// account. The session id itself is the page's secret, as at Stripe: it is
// long and random, and only the merchant and the payer see it.
func CheckoutURL(base, account, id string) string {
	return base + checkoutPath + url.PathEscape(account) + "/" + url.PathEscape(id)
}
