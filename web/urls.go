package web

import "net/url"

// The hosted pages' URLs are built here, in one place, so that the dialects
// that hand them out and the handlers that serve them agree. A URL names the
// account and the object (hosted pages have no API key) and carries the
// object's client secret, which the page checks.
const (
	authorizePath = "/hosted/authorize/"
	mandatePath   = "/hosted/mandates/"
	staticPath    = "/hosted/static/"
)

// AuthorizeURL returns the URL of the page where the payer authorises (or
// fails) the payment id of account: a Sofort source today, and later any
// object whose id prefix the page knows. base is the server's public URL.
func AuthorizeURL(base, account, id, clientSecret string) string {
	return hostedURL(base, authorizePath, account, id, clientSecret)
}

// MandateURL returns the URL of the page that shows the SEPA Direct Debit
// mandate behind id of account (a sepa_debit source).
func MandateURL(base, account, id, clientSecret string) string {
	return hostedURL(base, mandatePath, account, id, clientSecret)
}

func hostedURL(base, path, account, id, secret string) string {
	return base + path + url.PathEscape(account) + "/" + url.PathEscape(id) + "?" + url.Values{"client_secret": {secret}}.Encode()
}
