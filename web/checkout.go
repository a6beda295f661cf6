package web

import (
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kontorpay/kontor/engine"
)

// The hosted Checkout page: the payer picks one of the session's payment
// methods, enters the bank country (Sofort) or the IBAN (SEPA Direct Debit)
// and the account holder's name, and submits. SEPA Direct Debit completes
// at once and returns to the success URL; Sofort continues to the
// authorisation page, which comes back to the page's return handler. The
// page needs no JavaScript: every check happens on the server, which renders
// the form again with the problem named next to its field.

func init() {
	pages["checkout"] = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/checkout.html"))
}

// methodLabels name the payment methods as payers know them.
var methodLabels = map[string]string{"sepa_debit": "SEPA Direct Debit", "sofort": "Sofort"}

// checkoutView is the data of the Checkout page.
type checkoutView struct {
	Merchant  string
	Amount    string // empty in setup mode
	Lines     []lineView
	Action    string
	Methods   []methodView
	Countries []countryOption
	Name      string
	Email     string
	IBAN      string
	AskEmail  bool
	// Mandate is the SEPA mandate text, shown when a payment method of the
	// session creates a SEPA Direct Debit mandate.
	Mandate     string
	MandateNote string
	SubmitLabel string
	CancelURL   template.URL
	// Errors maps a field (payment_method, country, iban, name, email) to
	// what is wrong with it; Problem is a message for the whole form.
	Errors  map[string]string
	Problem string
	// Closed is set when the session no longer takes a payment: the page
	// then says so and links to where the payer goes next.
	Closed               *closedView
	HasSofort, HasSEPADD bool
}

type lineView struct{ Name, Description, Quantity, Amount string }

type methodView struct {
	Type, Label string
	Checked     bool
}

type countryOption struct {
	Code, Name string
	Selected   bool
}

type closedView struct {
	Title, Message string
	URL            template.URL
	Link           string
}

func (p *Pages) checkoutRoutes() {
	page := checkoutPath + "{account}/{id}"
	p.mux.HandleFunc("GET "+page, func(w http.ResponseWriter, r *http.Request) {
		p.showCheckout(w, r, checkoutForm{}, nil, "")
	})
	p.mux.HandleFunc("POST "+page, p.submitCheckout)
	// The Sofort authorisation page returns here with redirect_status.
	p.mux.HandleFunc("GET "+page+"/return", func(w http.ResponseWriter, r *http.Request) {
		account, id := r.PathValue("account"), r.PathValue("id")
		s, _, err := p.loadCheckout(r, account, id)
		if err != nil {
			p.fail(w, err)
			return
		}
		if s.Status == "complete" {
			http.Redirect(w, r, successURL(s), http.StatusSeeOther)
			return
		}
		problem := ""
		if s.Status == "open" {
			problem = "Your bank did not authorise the payment, so nothing was charged. Choose a payment method to try again."
		}
		p.showCheckout(w, r, checkoutForm{}, nil, problem)
	})
}

// checkoutForm is what the payer submitted.
type checkoutForm struct {
	Method, Country, IBAN, Name, Email string
}

// loadCheckout loads the session and the account's settings.
func (p *Pages) loadCheckout(r *http.Request, account, id string) (*engine.PaymentPage, *checkoutView, error) {
	var (
		s *engine.PaymentPage
		v *checkoutView
	)
	err := p.e.View(r.Context(), account, func(op *engine.Op) error {
		var err error
		if s, err = op.GetPaymentPage(id); err != nil {
			return err
		}
		acct, err := op.Account()
		if err != nil {
			return err
		}
		v = newCheckoutView(op, s, acct)
		return nil
	})
	return s, v, err
}

// showCheckout renders the page for the session, filled with form and
// marked with the problems found.
func (p *Pages) showCheckout(w http.ResponseWriter, r *http.Request, form checkoutForm, errs map[string]string, problem string) {
	account, id := r.PathValue("account"), r.PathValue("id")
	_, v, err := p.loadCheckout(r, account, id)
	if err != nil {
		p.fail(w, err)
		return
	}
	v.Action = checkoutPath + url.PathEscape(account) + "/" + url.PathEscape(id)
	v.fill(form)
	v.Errors, v.Problem = errs, problem
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	p.render(w, status, "checkout", v)
}

func newCheckoutView(op *engine.Op, s *engine.PaymentPage, acct *engine.Account) *checkoutView {
	merchant := acct.Settings.BusinessName
	v := &checkoutView{Merchant: merchant, CancelURL: link(deref(s.CancelURL))}
	switch s.Status {
	case "complete":
		v.Closed = &closedView{Title: "Payment details received", Message: "This checkout is complete.", URL: link(successURL(s)), Link: "Continue to " + merchant}
		return v
	case "expired":
		v.Closed = &closedView{Title: "This checkout has expired", Message: "The payment page is no longer valid. Nothing was charged."}
		if v.CancelURL != "" {
			v.Closed.URL, v.Closed.Link = v.CancelURL, "Return to "+merchant
		}
		return v
	}
	for _, t := range s.PaymentMethodTypes {
		label := methodLabels[t]
		if label == "" {
			label = t
		}
		v.Methods = append(v.Methods, methodView{Type: t, Label: label})
		v.HasSofort = v.HasSofort || t == "sofort"
		v.HasSEPADD = v.HasSEPADD || t == "sepa_debit"
	}
	if s.Mode == "payment" && s.AmountTotal != nil {
		v.Amount = FormatAmount(*s.AmountTotal, deref(s.Currency))
		v.SubmitLabel = "Pay " + v.Amount
		for _, li := range s.LineItems {
			v.Lines = append(v.Lines, lineView{Name: li.Name, Description: li.Description, Quantity: strconv.FormatInt(li.Quantity, 10),
				Amount: FormatAmount(li.UnitAmount*li.Quantity, li.Currency)})
		}
	} else {
		v.SubmitLabel = "Save payment details"
	}
	// A SEPA Direct Debit payment always runs under a mandate; in setup mode
	// Sofort creates one too, for the SEPA Direct Debit it sets up.
	switch {
	case s.Mode == "setup" && v.HasSofort && v.HasSEPADD:
		v.Mandate, v.MandateNote = MandateText(merchant), "With either payment method you set up SEPA Direct Debit payments to "+merchant+"."
	case s.Mode == "setup" && v.HasSofort:
		v.Mandate, v.MandateNote = MandateText(merchant), "Sofort takes a 1 EUR test payment to confirm your bank account, refunds it at once and sets up SEPA Direct Debit payments to "+merchant+" from that account."
	case v.HasSEPADD:
		v.Mandate, v.MandateNote = MandateText(merchant), "Applies when you pay by SEPA Direct Debit."
	}
	v.AskEmail = s.CustomerEmail == nil
	if s.Customer != "" {
		if c, err := op.GetCustomer(s.Customer); err == nil && c.Email != nil {
			v.AskEmail = false
		}
	}
	for _, c := range engine.SofortCountries {
		v.Countries = append(v.Countries, countryOption{Code: c, Name: countryName(c)})
	}
	slices.SortFunc(v.Countries, func(a, b countryOption) int { return strings.Compare(a.Name, b.Name) })
	return v
}

// fill puts what the payer entered back into the form; the first method is
// chosen when none was.
func (v *checkoutView) fill(f checkoutForm) {
	v.Name, v.Email, v.IBAN = f.Name, f.Email, f.IBAN
	for i := range v.Methods {
		v.Methods[i].Checked = v.Methods[i].Type == f.Method
	}
	if f.Method == "" && len(v.Methods) > 0 {
		v.Methods[0].Checked = true
	}
	country := f.Country
	if country == "" {
		country = "DE"
	}
	for i := range v.Countries {
		v.Countries[i].Selected = v.Countries[i].Code == country
	}
}

// checkoutFields maps the engine's parameter names to the page's fields.
var checkoutFields = map[string]string{
	"payment_method": "payment_method", "iban": "iban", "sepa_debit.iban": "iban", "name": "name",
	"sofort.country": "country", "email": "email", "billing_details.email": "email",
}

func (p *Pages) submitCheckout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		p.render(w, http.StatusBadRequest, "error", errorView{Title: "This request cannot be completed", Message: "The form could not be read."})
		return
	}
	account, id := r.PathValue("account"), r.PathValue("id")
	f := checkoutForm{Method: r.PostForm.Get("payment_method"), Country: r.PostForm.Get("country"), IBAN: strings.TrimSpace(r.PostForm.Get("iban")),
		Name: strings.TrimSpace(r.PostForm.Get("name")), Email: strings.TrimSpace(r.PostForm.Get("email"))}
	if errs := checkForm(f); len(errs) > 0 {
		p.showCheckout(w, r, f, errs, "")
		return
	}
	sub := engine.PageSubmission{Method: f.Method, Name: f.Name, Email: f.Email, UserAgent: r.UserAgent(),
		ReturnURL: p.public.For(r) + checkoutPath + url.PathEscape(account) + "/" + url.PathEscape(id) + "/return"}
	sub.IPAddress, _, _ = net.SplitHostPort(r.RemoteAddr)
	switch f.Method {
	case "sepa_debit":
		sub.IBAN = f.IBAN
	case "sofort":
		sub.Country = f.Country
	}
	var (
		s        *engine.PaymentPage
		next     string
		redirect string
	)
	err := p.e.Update(r.Context(), account, engine.RequestInfo{}, func(op *engine.Op) error {
		var err error
		if s, next, err = op.SubmitPaymentPage(id, sub); err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(next, "pi_"):
			pi, err := engine.Get[engine.PaymentIntent](op, next)
			if err != nil {
				return err
			}
			redirect = AuthorizeURL("", account, pi.ID, pi.ClientSecret)
		case strings.HasPrefix(next, "seti_"):
			si, err := engine.Get[engine.SetupIntent](op, next)
			if err != nil {
				return err
			}
			redirect = AuthorizeURL("", account, si.ID, si.ClientSecret)
		}
		return nil
	})
	if err != nil {
		e, ok := engine.AsError(err)
		if !ok || e.Kind == engine.KindNotFound {
			p.fail(w, err)
			return
		}
		if field := checkoutFields[e.Param]; field != "" {
			p.showCheckout(w, r, f, map[string]string{field: e.Message}, "")
			return
		}
		problem := e.Message
		if e.Code == "payment_page_not_open" {
			problem = "This Checkout Session is " + e.Data["status"] + "."
		}
		p.showCheckout(w, r, f, nil, problem)
		return
	}
	if redirect == "" {
		redirect = successURL(s)
	}
	http.Redirect(w, r, redirect, http.StatusSeeOther)
}

// checkForm finds what is wrong with the form before anything is tried, so
// that the payer learns of every problem at once. The engine checks the
// submission again, against the session.
func checkForm(f checkoutForm) map[string]string {
	errs := map[string]string{}
	switch f.Method {
	case "":
		errs["payment_method"] = "Choose a payment method."
	case "sepa_debit":
		if f.IBAN == "" {
			errs["iban"] = "Enter your IBAN, for example DE89 3704 0044 0532 0130 00."
		} else if _, err := engine.ParseIBAN(f.IBAN, "invalid_bank_account_iban", "iban"); err != nil {
			e, _ := engine.AsError(err)
			errs["iban"] = e.Message + " Check it against your bank card or statement."
		}
	}
	if f.Name == "" {
		errs["name"] = "Enter the account holder's name."
	}
	if f.Email != "" && (!strings.Contains(f.Email, "@") || strings.ContainsAny(f.Email, " \t")) {
		errs["email"] = "Enter an e-mail address such as jenny@example.com."
	}
	return errs
}

// successURL returns the session's success URL with {CHECKOUT_SESSION_ID}
// replaced by the session's id, as Stripe does.
func successURL(s *engine.PaymentPage) string {
	return strings.ReplaceAll(deref(s.SuccessURL), "{CHECKOUT_SESSION_ID}", s.ID)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
