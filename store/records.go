package store

// Account is a tenant. Settings is a JSON document owned by the engine.
type Account struct {
	ID       string
	Name     string
	Created  int64
	Settings []byte
	// Generation is set by the store: a new value, one the account never
	// had before, on InsertAccount, on every UpdateAccount and on every
	// TouchAccount. What a node derived from an account at one generation
	// (its decoded settings, its webhook endpoints) holds for as long as a
	// transaction reads the same generation, on every node.
	Generation int64
}

// APIKey maps the SHA-256 hash of a key to its account. Secret holds the key
// sealed with the server's data key where the engine needs it later (the
// Checkout.com dialect signs webhooks with the account's secret key).
type APIKey struct {
	Hash    string
	Account string
	Kind    string // "secret", "publishable"
	Prefix  string // the first characters, for listings
	Sealed  []byte
	Created int64
}

// Object is one stored engine object. Data is the engine's JSON document; the
// other fields are real columns that queries filter and sort on.
type Object struct {
	Account  string
	ID       string
	Type     string
	Kind     string
	Customer string
	Parent   string
	Status   string
	ClockID  string
	Lookup   string
	Created  int64
	Seq      int64 // assigned by InsertObject; orders lists, newest first
	Version  int64 // incremented by UpdateObject; an UpdateObject with a stale Version fails with ErrConflict
	Data     []byte
}

// Columns is a set of an object's filter columns, the ones UpdateObject
// writes besides the document: Kind, Customer, Parent, Status, ClockID and
// Lookup.
type Columns uint8

// The filter columns.
const (
	ColumnKind Columns = 1 << iota
	ColumnCustomer
	ColumnParent
	ColumnStatus
	ColumnClock
	ColumnLookup

	// AllColumns are every filter column.
	AllColumns = ColumnKind | ColumnCustomer | ColumnParent | ColumnStatus | ColumnClock | ColumnLookup
)

// Changed returns the filter columns whose values differ between o and old.
func (o *Object) Changed(old *Object) Columns {
	var c Columns
	for _, f := range [...]struct {
		col      Columns
		now, was string
	}{{ColumnKind, o.Kind, old.Kind}, {ColumnCustomer, o.Customer, old.Customer}, {ColumnParent, o.Parent, old.Parent},
		{ColumnStatus, o.Status, old.Status}, {ColumnClock, o.ClockID, old.ClockID}, {ColumnLookup, o.Lookup, old.Lookup}} {
		if f.now != f.was {
			c |= f.col
		}
	}
	return c
}

// GetObjectParams selects one object. Type, when set, must match.
// ForUpdate locks the row until the transaction ends where the driver has row locks.
type GetObjectParams struct {
	Account   string
	ID        string
	Type      string
	ForUpdate bool
	// Scope, when set, finds the object only if its Kind is *Scope ("" too):
	// the engine keeps a dialect's objects out of another dialect's reach.
	Scope *string
}

// Finds reports whether p finds o, the object of its account and id: o is
// of p's type and in its scope. A cache that holds o answers p by it.
func (p GetObjectParams) Finds(o Object) bool {
	return (p.Type == "" || o.Type == p.Type) && (p.Scope == nil || o.Kind == *p.Scope)
}

// ListObjectsParams filters objects of one type in one account. Empty filter
// fields are ignored. Results are ordered by Seq descending unless Ascending.
// AfterSeq and BeforeSeq are exclusive Seq bounds (0: unbounded).
type ListObjectsParams struct {
	Account string
	Type    string
	Kind    string
	// Scope, when set, lists only objects whose Kind is *Scope ("" too).
	Scope      *string
	Customer   string
	Parent     string
	Status     string
	ClockID    string
	Lookup     string
	CreatedGTE *int64
	CreatedLTE *int64
	AfterSeq   int64 // Seq < AfterSeq (the next page, newest first)
	BeforeSeq  int64 // Seq > BeforeSeq (the previous page)
	Ascending  bool
	Limit      int
}

// Event is one stored event. Dialect is "" for events in the engine's own
// vocabulary (served by the Stripe dialect) and a dialect name for events a
// dialect derived (for example "cko"). Data holds the snapshot document.
// ObjectID is the object an event is listed by (ListEventsParams.ObjectID);
// an event that is never looked up by its object leaves it empty, and so
// adds no entry to the index of events by object.
type Event struct {
	Account         string
	ID              string
	Dialect         string
	Type            string
	ObjectID        string
	Created         int64
	Seq             int64
	PendingWebhooks int
	Data            []byte
}

// ListEventsParams filters events. TypePrefix matches types that start with it
// (the `*` wildcard); Types matches any of the listed types.
type ListEventsParams struct {
	Account    string
	Dialect    string
	Type       string
	TypePrefix string
	Types      []string
	ObjectID   string
	CreatedGTE *int64
	CreatedLTE *int64
	AfterSeq   int64
	BeforeSeq  int64
	Ascending  bool
	Limit      int
}

// Delivery is one event on its way to one webhook endpoint.
type Delivery struct {
	ID            string
	Account       string
	EventID       string
	EndpointID    string
	Status        string // "pending", "succeeded", "failed"
	Attempts      int
	NextAttemptAt int64 // unix milliseconds
	LeaseUntil    int64 // unix milliseconds; a claimed delivery is not claimed again before
	Created       int64
}

// ClaimDeliveriesParams claims up to Limit pending deliveries due at Now
// (milliseconds) whose lease has expired, leasing them until LeaseUntil.
//
// The claim is fair across endpoints: an endpoint's first due delivery is
// claimed before any endpoint's second, and so on, so that one endpoint's
// backlog never fills a claim meant for all of them. When PerEndpoint is
// set, at most PerEndpoint minus Held[endpoint] deliveries of one endpoint
// are claimed (a dispatcher passes the deliveries it already holds for each
// endpoint), and endpoints without room are skipped.
type ClaimDeliveriesParams struct {
	Now         int64
	LeaseUntil  int64
	Limit       int
	PerEndpoint int
	Held        map[string]int
}

// ListDeliveriesParams lists deliveries of one event or one endpoint.
type ListDeliveriesParams struct {
	Account    string
	EventID    string
	EndpointID string
	Limit      int
}

// DeliveryAttempt records one HTTP attempt of a delivery.
type DeliveryAttempt struct {
	DeliveryID string
	Account    string
	At         int64 // unix milliseconds
	StatusCode int
	DurationMS int64
	Error      string
	// Response is the start of the receiver's answer (at most
	// MaxResponseExcerpt bytes of valid UTF-8), for the dashboard.
	Response string
}

// MaxResponseExcerpt bounds DeliveryAttempt.Response.
const MaxResponseExcerpt = 1024

// Timer is a durable future transition. ClockID is "" for wall-clock timers
// and a test clock id for timers that fire when that clock advances. Due is in
// unix milliseconds.
type Timer struct {
	ID       int64
	Account  string
	ClockID  string
	Due      int64
	Kind     string
	ObjectID string
	Payload  []byte
	Attempts int
}

// ClaimTimersParams selects due timers of one clock in due order. Drivers with
// row locks lock the returned rows (skipping rows locked by others) until the
// transaction ends, so a timer fires in exactly one transaction.
type ClaimTimersParams struct {
	ClockID string
	DueLTE  int64
	Limit   int
	// After, when set, selects only the timers after it in due order.
	After *Timer
	// Peek reads the timers without locking them, as a read-only
	// transaction can: they are not claimed.
	Peek bool
}

// CancelTimersParams deletes the pending timers of an object, optionally of one kind.
type CancelTimersParams struct {
	Account  string
	ObjectID string
	Kind     string
}

// Idempotency is the stored outcome of a request made with an idempotency key.
type Idempotency struct {
	Account     string
	Key         string
	RequestHash string
	Method      string
	Path        string
	StatusCode  int
	Body        []byte
	Created     int64 // unix seconds, wall clock
}

// BankFile is one ISO 20022 file exchanged with the account's bank, outbound
// (exported) or inbound (imported). Data is the engine's JSON document (counts,
// sums, dates, summary); Content the file itself. MessageID is unique per
// account and direction, so a file is never imported or exported twice.
type BankFile struct {
	Account   string
	ID        string
	Direction string // "outbound", "inbound"
	Type      string // the message type and version, pain.008.001.08, …
	MessageID string
	Created   int64
	Seq       int64 // assigned by InsertBankFile; orders lists, newest first
	Data      []byte
	Content   []byte
}

// ListBankFilesParams filters an account's bank files, newest first. Empty
// filter fields are ignored; AfterSeq and BeforeSeq are exclusive Seq bounds.
type ListBankFilesParams struct {
	Account   string
	Direction string
	Type      string
	AfterSeq  int64
	BeforeSeq int64
	Ascending bool
	Limit     int
}
