package dashboard

// kind is one type of object the dashboard lists and shows: where the
// dialect lists and renders it, which fields its table shows and which
// lists hang off its detail page. The table below is the whole of the
// dashboard's knowledge of object types.
type kind struct {
	Name    string // URL segment: /dashboard/{Name}/{id}
	Title   string // plural, for the list page and the menu
	Single  string // singular, for the detail page
	Group   string // menu section
	Dialect dialect
	// List is the dialect's list path; "" means the store's index supplies
	// the ids (see Index) and Detail renders each.
	List string
	// Detail is the dialect's path of one object; {id} is replaced.
	Detail string
	// Index selects the stored objects of this kind, for lists the dialect
	// does not serve and for finding an object's kind by its id.
	Index index
	// Filter names list query parameters the list page passes on (with a
	// search field each), e.g. a customer's e-mail.
	Filter  []string
	Columns []column
	Related []related
	// Events names the dialect whose stored events make up this kind's list,
	// for events the dialect's API does not list (Checkout.com's).
	Events string
	// IDPrefix marks the ids of a kind the store keeps outside its object
	// index (bank files): Find asks the dialect's Detail path about them.
	IDPrefix string
	// OpenJSON shows the JSON view open on the detail page (an event's payload).
	OpenJSON bool
}

// index names stored objects by their type and kind columns.
type index struct{ Type, Kind string }

// column is one column of a list table. Field is a dotted path into the
// object's JSON; Show says how to render it.
type column struct {
	Title string
	Field string
	Show  show
}

type show int

const (
	showText   show = iota
	showID          // the object's own id, linked to its page
	showRef         // another object's id, linked through find
	showMoney       // minor units; the currency is the object's "currency"
	showTime        // unix seconds
	showStatus      // a badge
	showCount       // the length of an array
)

// related is a list shown on a detail page: the objects Path lists with
// Param (when set) naming the shown object's id.
type related struct {
	Title   string
	Kind    string // the kind whose columns render the rows
	Path    string // {id} is replaced by the shown object's id
	Param   string
	Dialect dialect
}

var (
	colID      = column{"ID", "id", showID}
	colAmount  = column{"Amount", "amount", showMoney}
	colStatus  = column{"Status", "status", showStatus}
	colCreated = column{"Created", "created", showTime}
	colCust    = column{"Customer", "customer", showRef}
)

var kinds = []*kind{
	{Name: "charges", Title: "Charges", Single: "Charge", Group: "Payments", List: "/v1/charges", Detail: "/v1/charges/{id}",
		Index:   index{Type: "charge"},
		Columns: []column{colID, colAmount, colStatus, {"Method", "payment_method_details.type", showText}, colCust, colCreated},
		Related: []related{
			{Title: "Refunds", Kind: "refunds", Path: "/v1/refunds", Param: "charge"},
			{Title: "Disputes", Kind: "disputes", Path: "/v1/disputes", Param: "charge"},
			{Title: "Balance transactions", Kind: "balance_transactions", Path: "/v1/balance_transactions", Param: "source"},
		}},
	{Name: "refunds", Title: "Refunds", Single: "Refund", Group: "Payments", List: "/v1/refunds", Detail: "/v1/refunds/{id}",
		Index:   index{Type: "refund"},
		Columns: []column{colID, colAmount, colStatus, {"Charge", "charge", showRef}, {"Reason", "reason", showText}, colCreated}},
	{Name: "disputes", Title: "Disputes", Single: "Dispute", Group: "Payments", List: "/v1/disputes", Detail: "/v1/disputes/{id}",
		Index:   index{Type: "dispute"},
		Columns: []column{colID, colAmount, colStatus, {"Reason", "reason", showText}, {"Charge", "charge", showRef}, colCreated}},
	{Name: "payment_intents", Title: "Payment intents", Single: "Payment intent", Group: "Payments", List: "/v1/payment_intents",
		Detail: "/v1/payment_intents/{id}", Index: index{Type: "payment_intent"},
		Columns: []column{colID, colAmount, colStatus, colCust, colCreated},
		Related: []related{{Title: "Charges", Kind: "charges", Path: "/v1/charges", Param: "payment_intent"}}},
	{Name: "setup_intents", Title: "Setup intents", Single: "Setup intent", Group: "Payments", List: "/v1/setup_intents",
		Detail: "/v1/setup_intents/{id}", Index: index{Type: "setup_intent"},
		Columns: []column{colID, colStatus, colCust, {"Payment method", "payment_method", showRef}, colCreated},
		Related: []related{{Title: "Setup attempts", Kind: "setup_attempts", Path: "/v1/setup_attempts", Param: "setup_intent"}}},
	{Name: "checkout_sessions", Title: "Checkout sessions", Single: "Checkout session", Group: "Payments",
		List: "/v1/checkout/sessions", Detail: "/v1/checkout/sessions/{id}", Index: index{Type: "payment_page"},
		Columns: []column{colID, {"Amount", "amount_total", showMoney}, colStatus, {"Payment", "payment_status", showStatus},
			{"Mode", "mode", showText}, colCust, colCreated}},

	{Name: "customers", Title: "Customers", Single: "Customer", Group: "Customers", List: "/v1/customers", Detail: "/v1/customers/{id}",
		Index: index{Type: "customer"}, Filter: []string{"email"},
		Columns: []column{colID, {"E-mail", "email", showText}, {"Name", "name", showText}, colCreated},
		Related: []related{
			{Title: "Charges", Kind: "charges", Path: "/v1/charges", Param: "customer"},
			{Title: "Payment intents", Kind: "payment_intents", Path: "/v1/payment_intents", Param: "customer"},
			{Title: "Payment methods", Kind: "payment_methods", Path: "/v1/customers/{id}/payment_methods"},
			{Title: "Sources", Kind: "sources", Path: "/v1/customers/{id}/sources"},
		}},
	{Name: "payment_methods", Title: "Payment methods", Single: "Payment method", Group: "Customers", List: "/v1/payment_methods",
		Detail: "/v1/payment_methods/{id}", Index: index{Type: "payment_method"},
		Columns: []column{colID, {"Type", "type", showText}, {"Last 4", "sepa_debit.last4", showText}, colCust, colCreated}},
	{Name: "sources", Title: "Sources", Single: "Source", Group: "Customers", Detail: "/v1/sources/{id}", Index: index{Type: "source"},
		Columns: []column{colID, {"Type", "type", showText}, colAmount, colStatus, colCust, colCreated}},
	{Name: "mandates", Title: "Mandates", Single: "Mandate", Group: "Customers", Detail: "/v1/mandates/{id}", Index: index{Type: "mandate"},
		Columns: []column{colID, {"Type", "type", showText}, colStatus, {"Payment method", "payment_method", showRef},
			{"Reference", "payment_method_details.sepa_debit.reference", showText}}},

	{Name: "balance_transactions", Title: "Balance transactions", Single: "Balance transaction", Group: "Balance",
		List: "/v1/balance_transactions", Detail: "/v1/balance_transactions/{id}", Index: index{Type: "balance_transaction"},
		Columns: []column{colID, colAmount, {"Fee", "fee", showMoney}, {"Net", "net", showMoney}, {"Type", "type", showText}, colStatus,
			{"Source", "source", showRef}, {"Available on", "available_on", showTime}}},
	{Name: "bank_files", Title: "Bank files", Single: "Bank file", Group: "Balance", List: "/v1/bank_files", Detail: "/v1/bank_files/{id}",
		IDPrefix: "bkf_", Filter: []string{"direction"},
		Columns: []column{colID, {"Direction", "direction", showText}, {"Type", "type", showText}, {"Message", "message_id", showText},
			{"Transactions", "number_of_transactions", showText}, {"Control sum", "control_sum", showMoney}, colStatus, colCreated}},

	{Name: "cko_payments", Title: "Payments", Single: "Checkout.com payment", Group: "Checkout.com", Dialect: checkoutDialect,
		Detail: "/payments/{id}", Index: index{Type: "charge", Kind: "cko"},
		Columns: []column{colID, colAmount, colStatus, {"Reference", "reference", showText}, {"Requested", "requested_on", showText}},
		Related: []related{{Title: "Actions", Kind: "cko_actions", Path: "/payments/{id}/actions", Dialect: checkoutDialect}}},
	{Name: "cko_webhooks", Title: "Webhooks", Single: "Checkout.com webhook", Group: "Checkout.com", Dialect: checkoutDialect,
		List: "/webhooks", Detail: "/webhooks/{id}", Index: index{Type: "webhook_endpoint", Kind: "cko"},
		Columns: []column{colID, {"URL", "url", showText}, {"Active", "active", showText}, {"Events", "event_types", showCount}}},
	{Name: "cko_events", Title: "Events", Single: "Checkout.com event", Group: "Checkout.com", Dialect: checkoutDialect,
		Detail: "/events/{id}", Events: "cko", OpenJSON: true,
		Columns: []column{colID, {"Type", "type", showText}, {"Object", "data.id", showRef}, {"Created", "created_on", showText}}},
	{Name: "cko_customers", Title: "Customers", Single: "Checkout.com customer", Group: "Checkout.com", Dialect: checkoutDialect,
		Detail: "/customers/{id}", Index: index{Type: "customer", Kind: "cko"},
		Columns: []column{colID, {"E-mail", "email", showText}, {"Name", "name", showText}}},
	{Name: "cko_mandates", Title: "SEPA mandates", Single: "Checkout.com SEPA mandate", Group: "Checkout.com", Dialect: checkoutDialect,
		Detail: "/sepa/mandates/{id}", Index: index{Type: "mandate", Kind: "cko"},
		Columns: []column{colID, {"Reference", "mandate_reference", showText}, {"Name", "last_name", showText},
			{"IBAN", "masked_account_iban", showText}, {"State", "mandate_state", showStatus}, {"Type", "mandate_type", showText}}},

	{Name: "events", Title: "Events", Single: "Event", Group: "Developers", List: "/v1/events", Detail: "/v1/events/{id}",
		Filter: []string{"type"}, OpenJSON: true,
		Columns: []column{colID, {"Type", "type", showText}, {"Object", "data.object.id", showRef}, {"Pending webhooks", "pending_webhooks", showText}, colCreated}},
	{Name: "webhook_endpoints", Title: "Webhook endpoints", Single: "Webhook endpoint", Group: "Developers",
		List: "/v1/webhook_endpoints", Detail: "/v1/webhook_endpoints/{id}", Index: index{Type: "webhook_endpoint"},
		Columns: []column{colID, {"URL", "url", showText}, colStatus, {"Events", "enabled_events", showCount}, colCreated}},
	{Name: "test_clocks", Title: "Test clocks", Single: "Test clock", Group: "Developers", List: "/v1/test_helpers/test_clocks",
		Detail: "/v1/test_helpers/test_clocks/{id}", Index: index{Type: "test_helpers.test_clock"},
		Columns: []column{colID, {"Name", "name", showText}, colStatus, {"Frozen time", "frozen_time", showTime}, colCreated},
		Related: []related{{Title: "Customers", Kind: "customers", Path: "/v1/customers", Param: "test_clock"}}},
}

// rowKinds render rows of related lists only; they have no pages of their own.
var rowKinds = map[string][]column{
	"setup_attempts": {{"ID", "id", showText}, colStatus, {"Payment method", "payment_method", showRef}, colCreated},
	"cko_actions": {{"ID", "id", showText}, {"Type", "type", showText}, colAmount, {"Approved", "approved", showText},
		{"Response", "response_summary", showText}, {"Processed", "processed_on", showText}},
}

// kindNamed returns the kind with the URL segment name, or nil.
func kindNamed(name string) *kind {
	for _, k := range kinds {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// columnsOf returns the columns that render rows of the named kind.
func columnsOf(name string) []column {
	if k := kindNamed(name); k != nil {
		return k.Columns
	}
	return rowKinds[name]
}

// kindOfStored returns the kind of a stored object by its type and kind
// columns: a kind whose index names both first, else one naming the type
// with any kind.
func kindOfStored(typ, kindCol string) *kind {
	var loose *kind
	for _, k := range kinds {
		switch {
		case k.Index.Type != typ:
		case k.Index.Kind == kindCol:
			return k
		case k.Index.Kind == "" && loose == nil:
			loose = k
		}
	}
	if loose != nil && kindCol != "" && kindCol != "cko" {
		return loose // e.g. a source's kind is its type (sofort, sepa_debit)
	}
	if kindCol == "" {
		return loose
	}
	return nil
}
