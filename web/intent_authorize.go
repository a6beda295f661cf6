package web

import (
	"context"
	"net/url"
	"strings"

	"github.com/kontorpay/kontor/engine"
)

// The authorisation page also serves Sofort PaymentIntents (pi_) and
// SetupIntents (seti_). A SetupIntent asks the payer to authorise the 1 EUR
// verification payment Stripe takes to capture the bank details; it is
// refunded at once.
func init() {
	authorizers["pi_"] = authorizer{load: loadIntentPayment, decide: decideIntentPayment}
	authorizers["seti_"] = authorizer{load: loadIntentPayment, decide: decideIntentPayment}
}

// intentOutcomes tell the payer what became of an intent that no longer waits.
var intentOutcomes = map[string]string{
	"processing":              "You authorized this test payment. You can return to the merchant.",
	"succeeded":               "This test payment has been authorized and completed. You can return to the merchant.",
	"requires_payment_method": "This test payment failed. You can return to the merchant and choose another way to pay.",
	"canceled":                "This payment request was canceled. Please return to the merchant and start again.",
}

func loadIntentPayment(ctx context.Context, e *engine.Engine, account, id, secret string) (*payment, error) {
	var (
		r    *engine.SofortRequest
		acct *engine.Account
	)
	err := e.View(ctx, account, func(op *engine.Op) error {
		var err error
		if r, err = op.SofortRequestFor(id, secret); err != nil {
			return err
		}
		acct, err = op.Account()
		return err
	})
	if err != nil {
		return nil, err
	}
	return intentPayment(r, acct), nil
}

// decideIntentPayment records the payer's answer. An intent that no longer
// waits is left as it is, so a second submission changes nothing.
func decideIntentPayment(ctx context.Context, e *engine.Engine, account, id, secret string, approve bool) (*payment, error) {
	var (
		r    *engine.SofortRequest
		acct *engine.Account
	)
	err := e.Update(ctx, account, engine.RequestInfo{}, func(op *engine.Op) error {
		var err error
		if r, err = op.SofortRequestFor(id, secret); err != nil {
			return err
		}
		if r.Pending {
			if err := op.AnswerSofortRequest(id, approve); err != nil {
				return err
			}
			if r, err = op.SofortRequestFor(id, secret); err != nil {
				return err
			}
		}
		acct, err = op.Account()
		return err
	})
	if err != nil {
		return nil, err
	}
	return intentPayment(r, acct), nil
}

// intentPayment describes an intent's Sofort request for the page. The way
// back carries what Stripe.js redirects carry: the intent, its client
// secret and redirect_status.
func intentPayment(r *engine.SofortRequest, acct *engine.Account) *payment {
	title, kind, secretName := "Sofort test payment", "payment_intent", "payment_intent_client_secret"
	amountLabel := "Amount"
	if strings.HasPrefix(r.ObjectID, "seti_") {
		title, kind, secretName = "Sofort test payment to set up SEPA Direct Debit", "setup_intent", "setup_intent_client_secret"
		amountLabel = "Amount (refunded at once)"
	}
	details := []detail{{amountLabel, FormatAmount(r.Amount, r.Currency)}}
	if acct != nil {
		details = append(details, detail{"Merchant", acct.Settings.BusinessName})
	}
	details = append(details, detail{"Statement descriptor", r.Descriptor}, detail{"Bank country", countryName(r.Country)})
	if r.ReturnURL != "" && r.PaymentPage == "" {
		details = append(details, detail{"Return URL", r.ReturnURL})
	}
	status := "failed"
	switch r.Status {
	case "processing", "succeeded":
		status = "succeeded"
	case "requires_action":
		status = ""
	}
	ret := url.Values{kind: {r.ObjectID}, secretName: {r.ClientSecret}}
	if status != "" {
		ret.Set("redirect_status", status)
	}
	return &payment{Title: title, Details: details, Pending: r.Pending, Outcome: intentOutcomes[string(r.Status)],
		ReturnURL: r.ReturnURL, Return: ret}
}
