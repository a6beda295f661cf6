package stripeapi

import (
	_ "embed"
	"slices"
	"strings"

	"github.com/kontorpay/kontor/engine"
)

// apiVersionList holds every Stripe API version, oldest first, one a line.
//
//go:embed api_versions.txt
var apiVersionList string

var apiVersions = strings.Fields(apiVersionList)

// knownAPIVersion reports whether v names a Stripe API version.
func knownAPIVersion(v string) bool { return slices.Contains(apiVersions, v) }

// checkAPIVersion refuses a version Stripe does not know, naming param
// ("" for the Stripe-Version header).
func checkAPIVersion(v, param string) error {
	if knownAPIVersion(v) {
		return nil
	}
	return engine.Invalid("api_version_invalid", param, "Invalid Stripe API version: %s", v)
}

// checkVersionParam refuses an api_version parameter Stripe does not know.
func checkVersionParam(p Params) error {
	if v := p.String("api_version"); v != "" {
		return checkAPIVersion(v, "api_version")
	}
	return nil
}

// versionBefore reports whether version v is older than the version released on date cutoff.
func versionBefore(v, cutoff string) bool {
	date, _, _ := strings.Cut(v, ".")
	return date < cutoff
}

// useVersion settles the version the call renders in: the Stripe-Version
// header, else the account's default, else DefaultAPIVersion; and answers
// with it in the Stripe-Version response header.
func (c *call) useVersion(op *engine.Op) {
	if c.version == "" {
		c.version = c.apiVersion(op)
	}
	if c.w != nil {
		c.w.Header().Set("Stripe-Version", c.version)
	}
}

// versionChange is one difference between API versions in how an object
// renders: versions before the change render through old.
type versionChange struct {
	object  string // the Stripe object it touches
	version string // the date of the version that made the change
	old     func(c *call, op *engine.Op, o *Obj) error
}

// versionChanges are the differences that touch the objects Kontor serves
// (docs/api-versions.md lists them). They are set in init, since rendering
// the old shapes renders objects again.
var versionChanges []versionChange

func init() {
	versionChanges = []versionChange{
		// 2020-08-27: customer.sources is no longer included by default.
		{"customer", "2020-08-27", includeVirtual("sources")},
		// 2022-11-15: charge.refunds is no longer included by default.
		{"charge", "2022-11-15", includeVirtual("refunds")},
		// 2022-11-15: payment_intent.charges is replaced by latest_charge.
		{"payment_intent", "2022-11-15", paymentIntentCharges},
	}
}

// inVersion rewrites obj, rendered in the current version, into c's version.
func (c *call) inVersion(op *engine.Op, obj *Obj) error {
	if c.version == "" {
		return nil
	}
	for _, ch := range versionChanges {
		if ch.object == obj.Type() && versionBefore(c.version, ch.version) {
			if err := ch.old(c, op, obj); err != nil {
				return err
			}
		}
	}
	return nil
}

// includeVirtual renders a field that newer versions show only when expanded.
func includeVirtual(field string) func(c *call, op *engine.Op, o *Obj) error {
	return func(c *call, op *engine.Op, o *Obj) error {
		v, err := virtuals[o.Type()][field](c, op, o)
		if err != nil {
			return err
		}
		o.Set(field, v)
		return nil
	}
}

// paymentIntentCharges renders the charges list that payment intents had
// before latest_charge.
func paymentIntentCharges(c *call, op *engine.Op, o *Obj) error {
	v, _ := o.Get("id")
	id, _ := v.(string)
	chs, err := engine.ListWhere[engine.Charge](op, engine.ChargeFilter{PaymentIntent: id}, engine.ListParams{Limit: embeddedListSize + 1})
	if err != nil {
		return err
	}
	l, err := embeddedList(c, op, chs, "/v1/charges?payment_intent="+id)
	if err != nil {
		return err
	}
	o.Delete("latest_charge")
	o.Set("charges", l)
	return nil
}
