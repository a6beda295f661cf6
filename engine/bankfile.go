package engine

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/kontorpay/kontor/bank/iso20022"
	"github.com/kontorpay/kontor/bank/iso20022/xsd"
	"github.com/kontorpay/kontor/sepa"
	"github.com/kontorpay/kontor/store"
)

// Bank connections an account can choose.
const (
	// BankSimulator answers every collection from the documented test
	// values, in-process (the default).
	BankSimulator = "simulator"
	// BankISO20022 exchanges ISO 20022 files with the account's bank.
	BankISO20022 = "iso20022"
)

// CollectionAccount is the account's own bank account, which collections
// credit and refunds debit: the IBAN sealed like every payer's, with its
// holder name and BIC.
type CollectionAccount struct {
	BankAccount
	Name string `json:"name"`
}

// checkNothingHeld refuses to leave the iso20022 connection while
// collections or refunds wait for a bank file: the simulator would never
// send them, and nothing else would either.
func (op *Op) checkNothingHeld() error {
	defer op.allDialects()()
	held, err := List[HeldInstruction](op, ListParams{Status: string(InstructionHeld), Limit: 1})
	if err != nil {
		return err
	}
	if len(held) > 0 {
		return Errorf(KindState, "bank_instructions_held", "bank_connection",
			"Collections or refunds of this account wait for a bank file; export them before leaving bank_connection=iso20022.")
	}
	return nil
}

// BankConnection returns the account's bank connection, BankSimulator
// unless it chose another.
func (s AccountSettings) BankConnectionOrDefault() string {
	if s.BankConnection == "" {
		return BankSimulator
	}
	return s.BankConnection
}

// CollectionAccountParams are the parts of a collection account a request
// sets; empty fields keep what is stored.
type CollectionAccountParams struct {
	IBAN, BIC, Name string
}

// SetCollectionAccount validates p and returns the account's collection
// account with p applied to prev (nil when there is none yet). Errors name
// the parameter: bank_account.iban, bank_account.bic or bank_account.name.
func (op *Op) SetCollectionAccount(prev *CollectionAccount, p CollectionAccountParams) (*CollectionAccount, error) {
	c := &CollectionAccount{}
	if prev != nil {
		*c = *prev
	}
	if p.IBAN != "" {
		iban, err := ParseIBAN(p.IBAN, "invalid_bank_account_iban", "bank_account.iban")
		if err != nil {
			return nil, err
		}
		bic := c.BIC
		c.BankAccount = op.newBankAccount(iban)
		c.BIC = bic
	}
	if p.BIC != "" {
		bic, err := sepa.ParseBIC(p.BIC)
		if err != nil {
			return nil, Invalid("invalid_bic", "bank_account.bic", "The BIC you provided is invalid: %v.", strings.TrimPrefix(err.Error(), "sepa: "))
		}
		c.BIC = bic
	}
	if p.Name != "" {
		name := strings.TrimSpace(p.Name)
		if len(name) > 70 || !sepa.ValidText(sepa.Transliterate(name), 70) {
			return nil, Invalid("invalid_bank_account_name", "bank_account.name", "The account holder's name must have 1 to 70 characters.")
		}
		c.Name = name
	}
	return c, nil
}

// bankFileSettings checks that the account can exchange bank files and
// returns its settings. A missing or invalid setting answers a KindInvalid
// error naming it.
func (op *Op) bankFileSettings() (AccountSettings, error) {
	acct, err := op.Account()
	if err != nil {
		return AccountSettings{}, err
	}
	s := acct.Settings
	switch {
	case s.BankConnectionOrDefault() != BankISO20022:
		return s, Invalid("bank_connection_simulator", "bank_connection",
			"Bank files need bank_connection=iso20022; this account's payments are answered by the simulator.")
	case s.BankAccount == nil || len(s.BankAccount.IBANSealed) == 0:
		return s, Invalid("parameter_missing", "bank_account.iban", "Bank files need the account's bank_account[iban].")
	case s.BankAccount.Name == "":
		return s, Invalid("parameter_missing", "bank_account.name", "Bank files need the account's bank_account[name].")
	}
	if _, err := sepa.ParseCreditorID(s.CreditorID); err != nil {
		return s, Invalid("invalid_creditor_id", "creditor_id", "Bank files need a valid creditor_id: %v", err)
	}
	return s, nil
}

// BankFile is an ISO 20022 file exchanged with the account's bank.
type BankFile struct {
	ID                   string `json:"id"`
	Direction            string `json:"direction"` // outbound, inbound
	Type                 string `json:"type"`
	MessageID            string `json:"message_id"`
	Created              int64  `json:"created"`
	NumberOfTransactions int    `json:"number_of_transactions"`
	// ControlSum is the sum of the file's amounts in cents.
	ControlSum int64 `json:"control_sum"`
	// RequestedDate is the earliest requested collection or execution date
	// of an outbound file (2006-01-02).
	RequestedDate string           `json:"requested_date,omitempty"`
	Summary       *BankFileSummary `json:"summary,omitempty"`
	Status        BankFileStatus   `json:"status"`
}

// BankFileSummary says what an imported file did: entries applied to
// instructions, entries that needed nothing (acceptances, pending entries),
// entries that match no instruction.
type BankFileSummary struct {
	Applied   int `json:"applied"`
	Ignored   int `json:"ignored"`
	Unmatched int `json:"unmatched"`
}

// Bank file directions (their statuses: BankFileStatus).
const (
	BankFileOutbound = "outbound"
	BankFileInbound  = "inbound"
)

func bankFileFromRow(r store.BankFile) (*BankFile, error) {
	f := &BankFile{}
	if err := json.Unmarshal(r.Data, f); err != nil {
		return nil, err
	}
	f.ID, f.Direction, f.Type, f.MessageID, f.Created = r.ID, r.Direction, r.Type, r.MessageID, r.Created
	return f, nil
}

// GetBankFile returns one of the account's bank files.
func (op *Op) GetBankFile(id string) (*BankFile, error) {
	r, err := op.tx.GetBankFile(op.ctx, op.account, id)
	if isNotFound(err) {
		return nil, NotFound("id", "bank_file", id)
	}
	if err != nil {
		return nil, err
	}
	return bankFileFromRow(r)
}

// BankFileContent returns the XML of one of the account's bank files.
func (op *Op) BankFileContent(id string) ([]byte, error) {
	r, err := op.tx.GetBankFile(op.ctx, op.account, id)
	if isNotFound(err) {
		return nil, NotFound("id", "bank_file", id)
	}
	return r.Content, err
}

// BankFileFilter selects bank files: by direction and message type; the
// cursors are bank file ids, as in every list.
type BankFileFilter struct {
	Direction     string
	Type          string
	StartingAfter string
	EndingBefore  string
	Limit         int
}

// ListBankFiles returns a page of the account's bank files, newest first,
// and whether more follow.
func (op *Op) ListBankFiles(f BankFileFilter) ([]*BankFile, bool, error) {
	switch f.Direction {
	case "", BankFileOutbound, BankFileInbound:
	default:
		return nil, false, Invalid("parameter_invalid_enum", "direction", "Invalid direction: must be one of outbound or inbound")
	}
	p := store.ListBankFilesParams{Account: op.account, Direction: f.Direction, Type: f.Type, Limit: f.Limit + 1}
	for _, c := range []struct {
		id    string
		param string
		seq   *int64
	}{{f.StartingAfter, "starting_after", &p.AfterSeq}, {f.EndingBefore, "ending_before", &p.BeforeSeq}} {
		if c.id == "" {
			continue
		}
		r, err := op.tx.GetBankFile(op.ctx, op.account, c.id)
		if isNotFound(err) {
			return nil, false, NotFound(c.param, "bank_file", c.id)
		}
		if err != nil {
			return nil, false, err
		}
		*c.seq = r.Seq
	}
	p.Ascending = f.EndingBefore != "" && f.StartingAfter == ""
	rows, err := op.tx.ListBankFiles(op.ctx, p)
	if err != nil {
		return nil, false, err
	}
	more := len(rows) > f.Limit
	if more {
		rows = rows[:f.Limit]
	}
	if p.Ascending {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	out := make([]*BankFile, 0, len(rows))
	for _, r := range rows {
		bf, err := bankFileFromRow(r)
		if err != nil {
			return nil, false, err
		}
		out = append(out, bf)
	}
	return out, more, nil
}

// ImportBankFile reads a file from the account's bank, applies what it
// says to the instructions of the account's outbound files and records it
// as an inbound bank file with what it did (see applyBankAnswers). A file
// that is not well-formed, breaks its schema or is of a type Kontor does not
// import answers a KindInvalid error with code bank_file_invalid naming the
// first problem; so does an entry whose amount differs from the instruction
// it names, and a message imported before (naming the earlier file). None
// of them changes anything.
func (op *Op) ImportBankFile(content []byte) (*BankFile, error) {
	defer op.allDialects()()
	s, err := op.bankFileSettings()
	if err != nil {
		return nil, err
	}
	r, err := iso20022.Read(content)
	if err != nil {
		return nil, Invalid("bank_file_invalid", "", "%s", strings.TrimPrefix(err.Error(), iso20022.ErrInvalid.Error()+": "))
	}
	if op.e.xsd != nil {
		var bad *xsd.Invalid
		switch err := op.e.xsd.Validate(r.Type, content); {
		case errors.As(err, &bad):
			return nil, Invalid("bank_file_invalid", "", "The %s breaks its schema: %s", r.Type, bad.Problem)
		case err != nil:
			return nil, err
		}
	}
	prev, err := op.tx.GetBankFileByMessage(op.ctx, op.account, BankFileInbound, r.MessageID)
	switch {
	case err == nil:
		return nil, Invalid("bank_file_invalid", "", "Message %s was imported before as %s; nothing was applied again.", r.MessageID, prev.ID)
	case !isNotFound(err):
		return nil, err
	}
	f := &BankFile{ID: NewID("bkf_"), Direction: BankFileInbound, Type: r.Type, MessageID: r.MessageID,
		Created: op.Now("").Unix(), Status: BankFileProcessed, Summary: &BankFileSummary{}}
	own, err := op.IBAN(s.BankAccount.BankAccount)
	if err != nil {
		return nil, err
	}
	if err := op.applyBankAnswers(r, f, string(own)); err != nil {
		return nil, err
	}
	data, _ := json.Marshal(f)
	row := store.BankFile{Account: op.account, ID: f.ID, Direction: f.Direction, Type: f.Type, MessageID: f.MessageID,
		Created: f.Created, Data: data, Content: content}
	if err := op.tx.InsertBankFile(op.ctx, &row); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, Invalid("bank_file_invalid", "", "Message %s was imported before; nothing was applied again.", r.MessageID)
		}
		return nil, err
	}
	return f, nil
}
