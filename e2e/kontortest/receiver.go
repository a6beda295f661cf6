package kontortest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

// Delivery is one webhook request the Receiver got.
type Delivery struct {
	At        time.Time
	Header    http.Header
	Payload   []byte
	Signature string // the Stripe-Signature or Cko-Signature header
	// Status is what the receiver answered.
	Status int
	// Event is the verified Stripe event, Cko the Checkout.com event; Err
	// is why verification failed.
	Event stripe.Event
	Cko   CkoEvent
	Err   error
	// Type is the event's type and ObjectID the id of the object it is about.
	Type, ObjectID string
}

// CkoEvent is an event as Checkout.com delivers it.
type CkoEvent struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Version   string         `json:"version"`
	CreatedOn string         `json:"created_on"`
	Data      map[string]any `json:"data"`
	Links     map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
}

// Receiver is a local webhook endpoint of either dialect. It verifies
// every delivery (Stripe-Signature with stripe-go's webhook.ConstructEvent
// and the secret given to SetSecret; Cko-Signature, the hex HMAC-SHA256 of
// the raw body keyed with the account's secret key), answers 200 for a
// verified event (or what Fail/Down ask for), and records everything it got.
type Receiver struct {
	// URL is where to point a webhook endpoint.
	URL string

	srv     *httptest.Server
	verify  func(d *Delivery, secret string)
	mu      sync.Mutex
	secret  string
	fail    int // answer 500 to this many more verified deliveries
	down    bool
	hold    chan struct{} // while non-nil, requests wait for it to close
	held    int           // requests that waited on hold so far
	got     []Delivery
	changed chan struct{}
}

// NewReceiver starts a receiver of Stripe webhooks that is closed when the test ends.
func NewReceiver(t testing.TB) *Receiver {
	return newReceiver(t, "/webhooks", "", verifyStripe)
}

// NewCkoReceiver starts a receiver of Checkout.com webhooks signed with
// key, the account's secret key; it is closed when the test ends.
func NewCkoReceiver(t testing.TB, key string) *Receiver {
	return newReceiver(t, "/cko-webhooks", key, verifyCko)
}

func newReceiver(t testing.TB, path, secret string, verify func(*Delivery, string)) *Receiver {
	r := &Receiver{changed: make(chan struct{}), secret: secret, verify: verify}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.srv.URL + path
	t.Cleanup(r.srv.Close)
	return r
}

func verifyStripe(d *Delivery, secret string) {
	d.Signature = d.Header.Get("Stripe-Signature")
	d.Event, d.Err = webhook.ConstructEvent(d.Payload, d.Signature, secret)
	d.Type, d.ObjectID = string(d.Event.Type), objectID(d.Event)
}

func verifyCko(d *Delivery, key string) {
	d.Signature = d.Header.Get("Cko-Signature")
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(d.Payload)
	if !hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(d.Signature)) {
		d.Err = errors.New("kontortest: Cko-Signature does not match the body")
	}
	json.Unmarshal(d.Payload, &d.Cko)
	d.Type = d.Cko.Type
	d.ObjectID, _ = d.Cko.Data["id"].(string)
}

// SetSecret sets the whsec_ secret deliveries are verified with.
func (r *Receiver) SetSecret(secret string) {
	r.mu.Lock()
	r.secret = secret
	r.mu.Unlock()
}

// Fail makes the receiver answer 500 to the next n deliveries.
func (r *Receiver) Fail(n int) {
	r.mu.Lock()
	r.fail = n
	r.mu.Unlock()
}

// Down makes the receiver answer 503 to everything until Up.
func (r *Receiver) Down() { r.mu.Lock(); r.down = true; r.mu.Unlock() }

// Up ends Down.
func (r *Receiver) Up() { r.mu.Lock(); r.down = false; r.mu.Unlock() }

// Hold makes the receiver keep every request open, unanswered, until
// release is called (it is called when the test ends at the latest): a
// receiver as slow as the delivery timeout.
func (r *Receiver) Hold(t testing.TB) (release func()) {
	ch := make(chan struct{})
	r.mu.Lock()
	r.hold = ch
	r.mu.Unlock()
	var once sync.Once
	release = func() {
		once.Do(func() {
			r.mu.Lock()
			r.hold = nil
			r.mu.Unlock()
			close(ch)
		})
	}
	t.Cleanup(release)
	return release
}

// Held returns how many requests Hold has held so far.
func (r *Receiver) Held() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.held
}

// WaitHeld waits until at least n requests have been held by Hold.
func (r *Receiver) WaitHeld(t testing.TB, n int) {
	t.Helper()
	timeout := time.After(WaitTimeout)
	for {
		r.mu.Lock()
		held, changed := r.held, r.changed
		r.mu.Unlock()
		if held >= n {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("kontortest: timed out after %s waiting for %d held webhook requests (got %d)", WaitTimeout, n, held)
		}
	}
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	if hold := r.hold; hold != nil {
		r.held++
		r.notify()
		r.mu.Unlock()
		select {
		case <-hold:
		case <-req.Context().Done():
			return // the sender gave up
		}
		r.mu.Lock()
	}
	d := Delivery{At: time.Now(), Header: req.Header, Payload: body}
	defer r.mu.Unlock()
	r.verify(&d, r.secret)
	switch {
	case r.down:
		d.Status = http.StatusServiceUnavailable
	case d.Err != nil:
		d.Status = http.StatusBadRequest
	case r.fail > 0:
		r.fail--
		d.Status = http.StatusInternalServerError
	default:
		d.Status = http.StatusOK
	}
	r.got = append(r.got, d)
	r.notify()
	w.WriteHeader(d.Status)
}

// notify wakes the waiters; r.mu must be held.
func (r *Receiver) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// Deliveries returns every request received so far.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}

// Wait waits until a delivery satisfying match has arrived and returns it;
// it fails the test after WaitTimeout.
func (r *Receiver) Wait(t testing.TB, what string, match func(Delivery) bool) Delivery {
	t.Helper()
	timeout := time.After(WaitTimeout)
	seen := 0
	for {
		r.mu.Lock()
		got, changed := r.got, r.changed
		r.mu.Unlock()
		for ; seen < len(got); seen++ {
			if match(got[seen]) {
				return got[seen]
			}
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("kontortest: timed out after %s waiting for webhook %s (got %d deliveries%s)", WaitTimeout, what, len(got), lastRefusal(got))
		}
	}
}

// WaitAccepted waits for a verified, acknowledged delivery of event type
// typ about object id ("" for any) and returns it.
func (r *Receiver) WaitAccepted(t testing.TB, typ, id string) Delivery {
	t.Helper()
	return r.Wait(t, typ+" "+id, func(d Delivery) bool { return d.accepted() && d.Type == typ && (id == "" || d.ObjectID == id) })
}

// WaitEvent is WaitAccepted for a Stripe event.
func (r *Receiver) WaitEvent(t testing.TB, typ, id string) stripe.Event {
	t.Helper()
	return r.WaitAccepted(t, typ, id).Event
}

// Types lists the types of the accepted deliveries about object id, in
// arrival order.
func (r *Receiver) Types(id string) []string {
	var out []string
	for _, d := range r.Deliveries() {
		if d.accepted() && d.ObjectID == id {
			out = append(out, d.Type)
		}
	}
	return out
}

// Unverified counts the deliveries whose signature did not verify.
func (r *Receiver) Unverified() int {
	n := 0
	for _, d := range r.Deliveries() {
		if d.Err != nil {
			n++
		}
	}
	return n
}

// lastRefusal names why the last unverified delivery was refused, if any.
func lastRefusal(got []Delivery) string {
	for i := len(got) - 1; i >= 0; i-- {
		if got[i].Err != nil {
			return "; the last unverified one: " + got[i].Err.Error()
		}
	}
	return ""
}

func (d Delivery) accepted() bool { return d.Err == nil && d.Status == http.StatusOK }

func objectID(ev stripe.Event) string {
	if ev.Data == nil {
		return ""
	}
	s, _ := ev.Data.Object["id"].(string)
	return s
}
