package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/kontorpay/kontor/engine"
)

// The authorisation page is where a payer approves or refuses a redirect
// payment. What the page shows and does is generic; each kind of object
// (recognised by its id prefix) plugs in how to load it and how to record
// the payer's decision. Today that is Sofort sources (src_); payment and
// setup intents can add their prefix to authorizers.

// payment is what the authorisation page knows about an object that waits for its payer.
type payment struct {
	Title   string   // the page's heading, e.g. "Sofort test payment"
	Details []detail // what the payer is asked to authorise
	// Pending tells whether the payer can still decide; otherwise Outcome says what happened.
	Pending   bool
	Outcome   string
	ReturnURL string
	// Return are the query parameters added to ReturnURL on the way back,
	// replacing parameters of the same name.
	Return url.Values
}

// detail is one labelled line of the request.
type detail struct{ Label, Value string }

// authorizer loads an object for the page and records the payer's decision.
// Both check the client secret; a wrong one answers engine's KindNotFound.
type authorizer struct {
	load   func(ctx context.Context, e *engine.Engine, account, id, secret string) (*payment, error)
	decide func(ctx context.Context, e *engine.Engine, account, id, secret string, approve bool) (*payment, error)
}

// authorizers maps id prefixes to the objects the page can authorise.
var authorizers = map[string]authorizer{
	"src_": {load: loadSourcePayment, decide: decideSourcePayment},
}

func authorizerFor(id string) (authorizer, bool) {
	for prefix, a := range authorizers {
		if strings.HasPrefix(id, prefix) {
			return a, true
		}
	}
	return authorizer{}, false
}

// authorizeView is the data of the authorisation page.
type authorizeView struct {
	*payment
	Action, ClientSecret string
	BackURL              template.URL
}

func (p *Pages) authorizeRoutes() {
	p.mux.HandleFunc("GET "+authorizePath+"{account}/{id}", func(w http.ResponseWriter, r *http.Request) {
		account, id, secret := r.PathValue("account"), r.PathValue("id"), r.URL.Query().Get("client_secret")
		a, ok := authorizerFor(id)
		if !ok || secret == "" {
			p.notFound(w)
			return
		}
		pay, err := a.load(r.Context(), p.e, account, id, secret)
		if err != nil {
			p.fail(w, err)
			return
		}
		p.render(w, http.StatusOK, "authorize", authorizeView{payment: pay, Action: r.URL.Path, ClientSecret: secret,
			BackURL: link(returnURL(pay.ReturnURL, pay.Return))})
	})
	p.mux.HandleFunc("POST "+authorizePath+"{account}/{id}", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			p.render(w, http.StatusBadRequest, "error", errorView{Title: "This request cannot be completed", Message: "The form could not be read."})
			return
		}
		account, id, secret := r.PathValue("account"), r.PathValue("id"), r.PostForm.Get("client_secret")
		if secret == "" {
			// The page's form sends it; a client may also post to the page's own URL.
			secret = r.URL.Query().Get("client_secret")
		}
		a, ok := authorizerFor(id)
		if !ok || secret == "" {
			p.notFound(w)
			return
		}
		var approve bool
		switch r.PostForm.Get("decision") {
		case "authorize":
			approve = true
		case "fail":
		default:
			p.render(w, http.StatusBadRequest, "error", errorView{Title: "This request cannot be completed",
				Message: "Choose “Authorize test payment” or “Fail test payment”."})
			return
		}
		// A second submission (a double click, the back button) changes
		// nothing: the decision is recorded once and the payer returns again.
		pay, err := a.decide(r.Context(), p.e, account, id, secret, approve)
		if err != nil {
			p.fail(w, err)
			return
		}
		http.Redirect(w, r, returnURL(pay.ReturnURL, pay.Return), http.StatusSeeOther)
	})
}

// returnURL adds params to raw, replacing parameters of the same name and
// keeping the others. raw may be an app URI (myapp://done).
func returnURL(raw string, params url.Values) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// sofortOutcomes tell the payer what became of a Sofort source that no longer waits.
var sofortOutcomes = map[string]string{
	"chargeable": "You authorized this test payment. You can return to the merchant.",
	"consumed":   "This test payment has been authorized and completed. You can return to the merchant.",
	"failed":     "This test payment failed. You can return to the merchant.",
	"canceled":   "This payment request has expired. Please return to the merchant and start again.",
}

func loadSourcePayment(ctx context.Context, e *engine.Engine, account, id, secret string) (*payment, error) {
	s, acct, err := e.HostedSource(ctx, account, id, secret)
	if err != nil {
		return nil, err
	}
	return sourcePayment(s, acct)
}

func decideSourcePayment(ctx context.Context, e *engine.Engine, account, id, secret string, approve bool) (*payment, error) {
	s, err := e.HostedAuthorizeSofort(ctx, account, id, secret, approve)
	if err != nil {
		return nil, err
	}
	return sourcePayment(s, nil)
}

// sourcePayment describes a Sofort source for the page; acct supplies the
// default statement descriptor when the source has none.
func sourcePayment(s *engine.Source, acct *engine.Account) (*payment, error) {
	if s.Type != "sofort" || s.Redirect == nil {
		return nil, engine.NotFound("source", "source", s.ID)
	}
	descriptor := ""
	if s.StatementDescriptor != nil {
		descriptor = *s.StatementDescriptor
	} else if acct != nil {
		descriptor = acct.Settings.StatementDescriptor
	}
	var amount int64
	if s.Amount != nil {
		amount = *s.Amount
	}
	cur := "eur"
	if s.Currency != nil {
		cur = *s.Currency
	}
	return &payment{
		Title: "Sofort test payment",
		Details: []detail{
			{"Amount", FormatAmount(amount, cur)},
			{"Statement descriptor", descriptor},
			{"Bank country", countryName(s.Sofort.Country)},
			{"Return URL", s.Redirect.ReturnURL},
		},
		Pending:   s.Status == "pending",
		Outcome:   sofortOutcomes[string(s.Status)],
		ReturnURL: s.Redirect.ReturnURL,
		Return:    url.Values{"source": {s.ID}, "livemode": {"false"}, "client_secret": {s.ClientSecret}},
	}, nil
}
