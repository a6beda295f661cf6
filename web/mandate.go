package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/kontorpay/kontor/engine"
)

// MandateText is the authorisation a SEPA Direct Debit payer accepts, naming
// the creditor. Payment pages show it next to the confirmation button; the
// mandate page shows it as part of the mandate.
func MandateText(creditor string) string {
	return "By providing your payment information and confirming this payment, you authorise (A) " + creditor +
		" and its payment service provider to send instructions to your bank to debit your account and (B) your bank to debit your account in accordance with those instructions. " +
		"As part of your rights, you are entitled to a refund from your bank under the terms and conditions of your agreement with your bank. " +
		"A refund must be claimed within eight weeks starting from the date on which your account was debited. " +
		"Your rights are explained in a statement that you can obtain from your bank."
}

// mandateView is the data of the mandate page.
type mandateView struct {
	CreditorName, CreditorID, Reference string
	DebtorName, IBAN, IBANLabel         string
	Type, Status, AcceptedOn, Accepted  string
	Text                                string
}

// maskedIBAN shows only the country and the last four characters of an account.
func maskedIBAN(a engine.BankAccount) string {
	return a.Country + "•• •••• •••• " + a.Last4
}

func (p *Pages) mandateRoutes() {
	p.mux.HandleFunc("GET "+mandatePath+"{account}/{id}", func(w http.ResponseWriter, r *http.Request) {
		account, id, secret := r.PathValue("account"), r.PathValue("id"), r.URL.Query().Get("client_secret")
		var (
			m   *engine.Mandate
			err error
		)
		switch {
		case secret == "":
			p.notFound(w)
			return
		case strings.HasPrefix(id, "src_"):
			m, _, err = p.e.HostedSourceMandate(r.Context(), account, id, secret)
		case strings.HasPrefix(id, "mandate_"):
			// The Mandate of a SEPA Direct Debit PaymentMethod.
			m, err = p.e.HostedMandate(r.Context(), account, id, secret)
		default:
			p.notFound(w)
			return
		}
		if err != nil {
			p.fail(w, err)
			return
		}
		p.render(w, http.StatusOK, "mandate", newMandateView(m))
	})
}

func newMandateView(m *engine.Mandate) mandateView {
	v := mandateView{CreditorName: m.CreditorName, CreditorID: m.CreditorID, Reference: m.Reference,
		DebtorName: m.HolderName, IBAN: maskedIBAN(m.Account), IBANLabel: "IBAN ending in " + m.Account.Last4,
		Type: "Recurring payments (multi-use)", Status: "Active", Text: MandateText(m.CreditorName)}
	if m.Type == "single_use" {
		v.Type = "One-off payment (single use)"
	}
	if !m.Active() {
		v.Status = "No longer active"
	}
	accepted := time.Unix(m.Acceptance.AcceptedAt, 0).UTC()
	v.AcceptedOn = accepted.Format("2 January 2006")
	v.Accepted = accepted.Format(time.RFC3339)
	return v
}
