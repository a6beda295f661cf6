package bank

// TestValues are the documented test values of a sandbox that are no bank
// answer: e-mail addresses that make a simulated payer act at once. bank/sim
// holds them; the engine asks, and never reads a test value itself.
type TestValues interface {
	// SofortSourceAuthorized reports whether the payer of a Sofort source
	// whose owner has ownerEmail authorises it without being redirected
	// (Stripe's xxx_chargeable@example.com).
	SofortSourceAuthorized(ownerEmail string) bool
	// IncomingTransfer returns the transfer a credit transfer source
	// receives when it is created with, or updated to, an owner with
	// ownerEmail (Stripe's amount_X and reference_Y addresses). For ""
	// it returns the default transfer, whose SenderIBAN is also the sender
	// of transfers delivered without one.
	IncomingTransfer(ownerEmail string) Transfer
	// SofortPayer returns the account a Sofort payer in country authorises
	// from: Sofort's banks are simulated whatever the network is.
	SofortPayer(country, ownerName string) Payer
	// TestToken resolves a test payment method token (pm_success_de, …) to
	// its account and the billing details of the payment method it makes.
	TestToken(token string) (TestAccount, bool)
}

// TestAccount is the account and holder a test token stands for.
type TestAccount struct {
	IBAN  string
	Name  string
	Email string
}

// Transfer is a credit transfer a payer sends.
type Transfer struct {
	Amount     int64
	Reference  string
	SenderIBAN string
}
