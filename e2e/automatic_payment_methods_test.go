package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// TestAutomaticPaymentMethods creates PaymentIntents and SetupIntents with
// automatic_payment_methods: they take the account's enabled methods among
// sepa_debit and sofort (without Sofort's redirect when allow_redirects is
// never), exclude an explicit list, and are the default since 2023-08-16
// when no list is given.
func TestAutomaticPaymentMethods(t *testing.T) {
	e := newEnv(t, envOptions{})
	pi := func(form url.Values, h map[string]string) map[string]any {
		form.Set("amount", "1099")
		form.Set("currency", "eur")
		return jsonObj(t, e.acct.Do(t, "POST", "/v1/payment_intents", form.Encode(), h))
	}
	si := func(form url.Values, h map[string]string) map[string]any {
		return jsonObj(t, e.acct.Do(t, "POST", "/v1/setup_intents", form.Encode(), h))
	}
	check := func(what string, o map[string]any, types []string, redirects string) {
		t.Helper()
		var got []string
		for _, v := range o["payment_method_types"].([]any) {
			got = append(got, v.(string))
		}
		if !slices.Equal(got, types) {
			t.Errorf("%s: payment_method_types = %v, want %v", what, got, types)
		}
		apm, _ := o["automatic_payment_methods"].(map[string]any)
		switch {
		case redirects == "" && o["automatic_payment_methods"] != nil:
			t.Errorf("%s: automatic_payment_methods = %v, want null", what, o["automatic_payment_methods"])
		case redirects != "" && (apm["enabled"] != true || apm["allow_redirects"] != redirects):
			t.Errorf("%s: automatic_payment_methods = %v, want enabled, allow_redirects %s", what, o["automatic_payment_methods"], redirects)
		}
	}
	both := []string{"sepa_debit", "sofort"}
	for name, create := range map[string]func(url.Values, map[string]string) map[string]any{"PaymentIntent": pi, "SetupIntent": si} {
		check(name+" enabled", create(url.Values{"automatic_payment_methods[enabled]": {"true"}}, nil), both, "always")
		check(name+" without redirects", create(url.Values{"automatic_payment_methods[enabled]": {"True"},
			"automatic_payment_methods[allow_redirects]": {"never"}}, nil), []string{"sepa_debit"}, "never")
		check(name+" by default", create(url.Values{}, nil), both, "always")
		check(name+" before 2023-08-16", create(url.Values{}, map[string]string{"Stripe-Version": "2022-11-15"}), both, "")
		check(name+" disabled", create(url.Values{"automatic_payment_methods[enabled]": {"false"}}, nil), both, "")
		check(name+" with a list", create(url.Values{"payment_method_types[]": {"sepa_debit"}}, nil), []string{"sepa_debit"}, "")
	}
	for _, path := range []string{"/v1/payment_intents", "/v1/setup_intents"} {
		form := url.Values{"amount": {"1099"}, "currency": {"eur"}, "automatic_payment_methods[enabled]": {"true"}, "payment_method_types[]": {"sofort"}}
		if path == "/v1/setup_intents" {
			form.Del("amount")
			form.Del("currency")
		}
		e.unchanged(func() {
			apiErr(t, e.post(path, form), http.StatusBadRequest, "parameters_exclusive", "automatic_payment_methods")
		})
		apiErr(t, e.post(path, url.Values{"automatic_payment_methods[allow_redirects]": {"never"}}), http.StatusBadRequest,
			"parameter_missing", "automatic_payment_methods[enabled]")
	}

	// The account's enabled methods decide.
	e.setAccount(url.Values{"payment_methods[sofort]": {"false"}})
	check("sofort disabled", pi(url.Values{"automatic_payment_methods[enabled]": {"true"}}, nil), []string{"sepa_debit"}, "always")
	e.setAccount(url.Values{"payment_methods[sofort]": {"true"}, "payment_methods[sepa_debit]": {"false"}})
	apiErr(t, e.post("/v1/payment_intents", url.Values{"amount": {"1099"}, "currency": {"eur"},
		"automatic_payment_methods[enabled]": {"true"}, "automatic_payment_methods[allow_redirects]": {"never"}}),
		http.StatusBadRequest, "parameter_invalid_enum", "automatic_payment_methods[allow_redirects]")
	e.setAccount(url.Values{"payment_methods[sepa_debit]": {"true"}})

	// An intent with automatic payment methods is paid as any other.
	paid := pi(url.Values{"automatic_payment_methods[enabled]": {"true"}, "confirm": {"true"},
		"payment_method_data[type]": {"sepa_debit"}, "payment_method_data[sepa_debit][iban]": {"DE89370400440532013000"},
		"payment_method_data[billing_details][name]": {"Jenny Rosen"}, "mandate_data[customer_acceptance][type]": {"offline"}}, nil)
	if paid["status"] != "processing" {
		t.Errorf("confirmed PaymentIntent status = %v, want processing", paid["status"])
	}
}
