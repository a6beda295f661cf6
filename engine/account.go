package engine

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/kontorpay/kontor/sepa"
	"github.com/kontorpay/kontor/store"
)

// Account is a tenant with its settings.
type Account struct {
	ID       string
	Name     string
	Created  int64
	Settings AccountSettings
}

// AccountSettings are the account's business settings.
type AccountSettings struct {
	Country             string          `json:"country"`
	DefaultCurrency     string          `json:"default_currency"`
	SettlementCurrency  string          `json:"settlement_currency"`
	StatementDescriptor string          `json:"statement_descriptor"`
	BusinessName        string          `json:"business_name"`
	Email               string          `json:"email,omitempty"`
	CreditorID          string          `json:"creditor_id"`
	APIVersion          string          `json:"api_version,omitempty"`
	PaymentMethods      map[string]bool `json:"payment_methods"`
	// Fees overrides DefaultFees per payment method type.
	Fees map[string]Fee `json:"fees,omitempty"`
	// BankConnection is BankSimulator (also when empty) or BankISO20022.
	BankConnection string `json:"bank_connection,omitempty"`
	// BankAccount is the account's own collection account, which bank
	// files need.
	BankAccount *CollectionAccount `json:"bank_account,omitempty"`
}

// PaymentMethodTypes lists the payment method types an account can enable.
var PaymentMethodTypes = []string{"sepa_debit", "sofort", "sepa_credit_transfer"}

// DefaultSettings returns the settings of a new sandbox account: a German
// business with every payment method enabled and the Bundesbank's test
// creditor identifier.
func DefaultSettings(name string) AccountSettings {
	if name == "" {
		name = "Kontor Test Business"
	}
	pm := map[string]bool{}
	for _, t := range PaymentMethodTypes {
		pm[t] = true
	}
	return AccountSettings{
		Country: "DE", DefaultCurrency: "eur", SettlementCurrency: "eur",
		StatementDescriptor: "KONTOR TEST", BusinessName: name,
		CreditorID: "DE98ZZZ09999999999", PaymentMethods: pm,
	}
}

// Validate checks the settings: the creditor identifier must be valid and
// the bank connection known.
func (s AccountSettings) Validate() error {
	if _, err := sepa.ParseCreditorID(s.CreditorID); err != nil {
		return Invalid("invalid_creditor_id", "creditor_id", "Invalid SEPA creditor identifier %q: %v", s.CreditorID, err)
	}
	switch s.BankConnection {
	case "", BankSimulator, BankISO20022:
	default:
		return Invalid("parameter_invalid_enum", "bank_connection", "Invalid bank_connection: must be one of simulator or iso20022")
	}
	return nil
}

// MethodEnabled reports whether the account accepts the payment method type.
func (a *Account) MethodEnabled(t string) bool { return a.Settings.PaymentMethods[t] }

func accountFromRow(r store.Account) (*Account, error) {
	a := &Account{ID: r.ID, Name: r.Name, Created: r.Created}
	if err := json.Unmarshal(r.Settings, &a.Settings); err != nil {
		return nil, err
	}
	return a, nil
}

// accountCacheTTL is how long a read (View) may answer from an account a
// read found before, counted from the start of that read's transaction
// (package leasecache). Writes always read the account in their
// transaction. A change of the settings is acknowledged only once
// accountCacheTTL has passed since its commit (Engine.Update waits; the node
// that made it drops its entry at once): by then every entry made from a
// snapshot before the change has expired on every node, so no read that
// starts after the acknowledgement sees the old settings, on any node of a
// shared database.
const accountCacheTTL = 250 * time.Millisecond

// accountState is what writes derived from an account at one of its
// generations (store.Account.Generation): the account decoded and, once a
// write has listed them, its webhook endpoints. The writes that read the
// same generation share it, read-only; a transaction that changes the
// settings or an endpoint, on any node, gives the account a new generation.
type accountState struct {
	gen   int64
	a     Account
	hooks []*WebhookEndpoint // nil until listed
}

// Account returns the op's account, loading it once. The account of a
// read-only op may come from the engine's cache (accountCacheTTL); it must
// not be modified. A write reads the account in its transaction and decodes
// it only when its generation is not the one it saw last.
func (op *Op) Account() (*Account, error) {
	if op.acct != nil {
		return op.acct, nil
	}
	if !op.write {
		if a, ok := op.e.accounts.Get(op.account); ok {
			op.acct = a
			return a, nil
		}
	}
	r, err := op.tx.GetAccount(op.ctx, op.account)
	if err != nil {
		return nil, err
	}
	if op.write {
		if v, ok := op.e.states.Load(op.account); ok && v.(*accountState).gen == r.Generation {
			st := v.(*accountState)
			a := st.a // the op's own copy: a write may change its settings
			op.acct, op.state = &a, st
			return op.acct, nil
		}
	}
	a, err := accountFromRow(r)
	if err != nil {
		return nil, err
	}
	op.acct = a
	if op.write {
		op.state = &accountState{gen: r.Generation, a: *a}
		op.e.states.Store(op.account, op.state)
	} else {
		op.e.accounts.Put(op.account, a, op.started)
	}
	return a, nil
}

// endpointsChanged records in the op's transaction that it changed one of
// its account's webhook endpoints: the account's generation moves on, and
// the op lists the endpoints again when it next needs them.
func (op *Op) endpointsChanged() error {
	op.hooks, op.hooksOK, op.state = nil, false, nil
	return op.tx.TouchAccount(op.ctx, op.account)
}

// UpdateAccountSettings replaces the op's account settings after validating them.
func (op *Op) UpdateAccountSettings(s AccountSettings) (*Account, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	a, err := op.Account()
	if err != nil {
		return nil, err
	}
	if a.Settings.BankConnectionOrDefault() == BankISO20022 && s.BankConnectionOrDefault() != BankISO20022 {
		if err := op.checkNothingHeld(); err != nil {
			return nil, err
		}
	}
	data, _ := json.Marshal(s)
	if err := op.tx.UpdateAccount(op.ctx, store.Account{ID: a.ID, Name: a.Name, Settings: data}); err != nil {
		return nil, err
	}
	// This node's reads load the account again once this commits, and the
	// change is acknowledged when the other nodes' entries have expired
	// (Engine.Update); writes see its new generation.
	op.accountChanged, op.state = true, nil
	a.Settings = s
	return a, nil
}

// KeyKind tells what a presented API key may do.
type KeyKind string

// Key kinds.
const (
	SecretKey      KeyKind = "secret"
	PublishableKey KeyKind = "publishable"
)

// Credentials are the outcome of authenticating an API key.
type Credentials struct {
	Account string
	Kind    KeyKind
}

type keyInfo struct {
	account string
	kind    KeyKind
}

// The key shapes accepted: test and sandbox keys of letters, digits, _ and -,
// and the current sandbox shape of the second dialect, whose underscore after "sbox"
// may be missing and whose check character may be *, #, $ or =.
var (
	secretKeyPattern      = regexp.MustCompile(`^(sk_(test|sbox)_[A-Za-z0-9_\-]{1,200}|sk_sbox_?[a-z2-7]{26}[a-z2-7*#$=])$`)
	publishableKeyPattern = regexp.MustCompile(`^(pk_(test|sbox)_[A-Za-z0-9_\-]{1,200}|pk_sbox_?[a-z2-7]{26}[a-z2-7*#$=])$`)
)

// WellFormedKey reports whether key has the shape of a secret or publishable key.
func WellFormedKey(key string) bool {
	return secretKeyPattern.MatchString(key) || publishableKeyPattern.MatchString(key)
}

// Authenticate resolves an API key to its account. A well-formed secret key
// seen for the first time provisions a fresh account (with its publishable
// twin) unless the engine runs with strict keys. Unknown keys answer a
// KindAuth error.
func (e *Engine) Authenticate(ctx context.Context, key string) (Credentials, error) {
	// The cache is keyed by the key itself: a key found there was
	// well-formed and known when it was stored, and hashing it on every
	// request cost more than the rest of the lookup.
	if v, ok := e.keyCache.Load(key); ok {
		ki := v.(*keyInfo)
		return Credentials{Account: ki.account, Kind: ki.kind}, nil
	}
	if !WellFormedKey(key) {
		return Credentials{}, invalidKey(key)
	}
	h := hashKey(key)
	var k store.APIKey
	err := e.store.View(ctx, func(tx store.Tx) error {
		var err error
		k, err = tx.GetAPIKey(ctx, h)
		return err
	})
	if errors.Is(err, store.ErrNotFound) && !e.strict && secretKeyPattern.MatchString(key) {
		if _, perr := e.provision(ctx, "", key); perr != nil && !errors.Is(perr, store.ErrConflict) {
			return Credentials{}, perr
		}
		err = e.store.View(ctx, func(tx store.Tx) error {
			var err error
			k, err = tx.GetAPIKey(ctx, h)
			return err
		})
	}
	if errors.Is(err, store.ErrNotFound) {
		return Credentials{}, invalidKey(key)
	}
	if err != nil {
		return Credentials{}, err
	}
	ki := &keyInfo{account: k.Account, kind: KeyKind(k.Kind)}
	e.keyCache.Store(key, ki)
	return Credentials{Account: ki.account, Kind: ki.kind}, nil
}

// invalidKey is the error of a key that is malformed or unknown.
func invalidKey(key string) error {
	return &Error{Kind: KindAuth, Code: "api_key_invalid", Message: "Invalid API Key provided: " + RedactKey(key)}
}

// RedactKey shows the start and the last four characters of a key, as Stripe does in errors.
func RedactKey(key string) string {
	if len(key) <= 12 {
		return strings.Repeat("*", len(key))
	}
	return key[:8] + strings.Repeat("*", len(key)-12) + key[len(key)-4:]
}

// NewAccount is what CreateAccount returns: the account and its keys in clear, shown once.
type NewAccount struct {
	Account        *Account
	SecretKey      string
	PublishableKey string
}

// CreateAccount creates an account with fresh keys.
func (e *Engine) CreateAccount(ctx context.Context, name string) (*NewAccount, error) {
	return e.provision(ctx, name, "sk_test_"+RandomString(40))
}

// provision creates an account whose secret key is secret and whose
// publishable key is pk_ with the same suffix.
func (e *Engine) provision(ctx context.Context, name, secret string) (*NewAccount, error) {
	rest := strings.TrimPrefix(secret, "sk_")
	pk := "pk_" + rest
	now := e.clock.Now().Unix()
	a := &Account{ID: NewID("acct_")[:21], Name: name, Created: now, Settings: DefaultSettings(name)}
	if a.Name == "" {
		a.Name = a.Settings.BusinessName
	}
	data, _ := json.Marshal(a.Settings)
	err := e.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertAccount(ctx, store.Account{ID: a.ID, Name: a.Name, Created: now, Settings: data}); err != nil {
			return err
		}
		if err := tx.InsertAPIKey(ctx, store.APIKey{Hash: hashKey(secret), Account: a.ID, Kind: string(SecretKey),
			Prefix: secret[:min(len(secret), 12)], Sealed: e.keys.seal(secret), Created: now}); err != nil {
			return err
		}
		return tx.InsertAPIKey(ctx, store.APIKey{Hash: hashKey(pk), Account: a.ID, Kind: string(PublishableKey),
			Prefix: pk[:min(len(pk), 12)], Created: now})
	})
	if err != nil {
		return nil, err
	}
	e.log.Info("account provisioned", "account", a.ID, "key_prefix", secret[:min(len(secret), 8)])
	return &NewAccount{Account: a, SecretKey: secret, PublishableKey: pk}, nil
}

// ListAccounts returns every account.
func (e *Engine) ListAccounts(ctx context.Context) ([]*Account, error) {
	var out []*Account
	err := e.store.View(ctx, func(tx store.Tx) error {
		rows, err := tx.ListAccounts(ctx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			a, err := accountFromRow(r)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// AccountSecretKey returns the account's first secret key in clear (a
// dialect may sign its webhooks with it).
func (op *Op) AccountSecretKey() (string, error) {
	keys, err := op.tx.ListAPIKeys(op.ctx, op.account)
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		if k.Kind == string(SecretKey) && k.Sealed != nil {
			return op.e.keys.open(k.Sealed)
		}
	}
	return "", errors.New("engine: account has no secret key")
}
