package iso20022

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"github.com/kontorpay/kontor/bank"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kontorpay/kontor/bank/sim"
	"github.com/kontorpay/kontor/sepa"
)

// An Account is a party of a payment and its bank account. BIC may be empty:
// SEPA payments inside the EEA need only the IBAN.
type Account struct {
	Name string
	IBAN string
	BIC  string
}

// Sequence is the sequence type of a direct debit under its mandate.
type Sequence = bank.Sequence

// Sequence types.
const (
	First     = bank.SequenceFirst
	Recurring = bank.SequenceRecurring
	OneOff    = bank.SequenceOneOff
)

// A Collection is one SEPA Core direct debit.
type Collection struct {
	// EndToEndID ties the debit to its payment; the bank's answers repeat
	// it. At most 35 characters of the SEPA set.
	EndToEndID string
	// Amount in euro cents.
	Amount   int64
	Sequence Sequence
	// Due is the date the debtor was notified of (the date part counts);
	// the requested collection date is the first TARGET day on or after it
	// that the file can still reach (see CollectionDate).
	Due           time.Time
	MandateID     string
	MandateSigned time.Time
	Debtor        Account
	// Remittance is the unstructured remittance information (the statement
	// descriptor); transliterated and cut to 140 characters.
	Remittance string
}

// A DirectDebitInitiation is a pain.008 message: the creditor's collections
// in one file.
type DirectDebitInitiation struct {
	MessageID  string
	Created    time.Time
	Creditor   Account
	CreditorID string
	// Collections may come in any order; the file groups them into one
	// payment block per collection date and sequence type.
	Collections []Collection
}

// A Transfer is one SEPA credit transfer.
type Transfer struct {
	EndToEndID string
	Amount     int64
	Creditor   Account
	// Execution is the requested execution date (a TARGET day is chosen on
	// or after it).
	Execution  time.Time
	Remittance string
}

// A CreditTransferInitiation is a pain.001 message: the debtor's transfers
// (refunds to payers) in one file.
type CreditTransferInitiation struct {
	MessageID string
	Created   time.Time
	Debtor    Account
	Transfers []Transfer
}

// A File is a written message with what it adds up to.
type File struct {
	Type                 string
	MessageID            string
	NumberOfTransactions int
	// ControlSum is the sum of the amounts, in cents.
	ControlSum int64
	// RequestedDate is the earliest requested collection or execution date
	// of its payment blocks.
	RequestedDate time.Time
	Blocks        []Block
	Content       []byte
}

// A Block is one payment block (PmtInf) of a written file.
type Block struct {
	ID            string
	RequestedDate time.Time
	Sequence      Sequence // empty for credit transfers
	EndToEndIDs   []string
	ControlSum    int64
}

// CollectionDate returns the date to request for a collection due at due in
// a file created at created: the first TARGET day that is on or after the
// due date and at least one TARGET day after the file's creation, as SEPA
// Core requires collections to reach the debtor bank by D-1. Dates are
// taken in UTC.
func CollectionDate(due, created time.Time) time.Time {
	d := midnight(due)
	if earliest := sepa.AddTargetDays(midnight(created), 1); d.Before(earliest) {
		d = earliest
	}
	return nextTargetDay(d)
}

// ExecutionDate returns the date to request for a credit transfer asked for
// at requested in a file created at created: the first TARGET day on or
// after both.
func ExecutionDate(requested, created time.Time) time.Time {
	d := midnight(requested)
	if c := midnight(created); d.Before(c) {
		d = c
	}
	return nextTargetDay(d)
}

func midnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func nextTargetDay(d time.Time) time.Time {
	for !sepa.IsTargetDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// maxMessageID leaves room behind a message id for a block number.
const maxMessageID = 30

// checkHeader checks what every initiation's group header needs.
func checkHeader(msgID string, created time.Time, owner Account, role string) error {
	if !sepa.ValidMax35Text(msgID) || len(msgID) > maxMessageID {
		return invalidf("message id %q must be 1 to %d characters of the SEPA set", msgID, maxMessageID)
	}
	if created.IsZero() {
		return invalidf("the creation time is missing")
	}
	return checkAccount(owner, role)
}

func checkAccount(a Account, role string) error {
	if strings.TrimSpace(a.Name) == "" {
		return invalidf("the %s's name is missing", role)
	}
	if _, err := sepa.ParseIBAN(a.IBAN); err != nil && !documentedNationalFailure(a.IBAN, err) {
		return invalidf("the %s's IBAN is invalid: %v", role, err)
	}
	if a.BIC != "" {
		if _, err := sepa.ParseBIC(a.BIC); err != nil {
			return invalidf("the %s's BIC is invalid: %v", role, err)
		}
	}
	return nil
}

// documentedNationalFailure reports whether err only says that the national
// check digits of iban are wrong and iban is one of the providers' published
// test IBANs, which Kontor accepts despite them (see sim.DocumentedIBAN).
func documentedNationalFailure(iban string, err error) bool {
	return errors.Is(err, sepa.ErrIBANNationalCheck) && sim.DocumentedIBAN(sepa.NormalizeIBAN(iban))
}

// checkPayment checks a transaction's end-to-end id, unique among those in
// seen, and amount, and adds the id to seen.
func checkPayment(seen map[string]bool, e2e string, amount int64) error {
	if seen[e2e] {
		return invalidf("end-to-end id %s appears twice", e2e)
	}
	seen[e2e] = true
	if !sepa.ValidMax35Text(e2e) {
		return invalidf("end-to-end id %q must be 1 to 35 characters of the SEPA set", e2e)
	}
	if !sepa.ValidAmount(amount) {
		return invalidf("the amount of %s must be between 0.01 and 999999999.99 EUR", e2e)
	}
	return nil
}

// Text cleaning for names and remittance information.
func name(s string) string       { return clip(sepa.Transliterate(strings.TrimSpace(s)), 70) }
func remittance(s string) string { return clip(sepa.Transliterate(strings.TrimSpace(s)), 140) }

func clip(s string, n int) string {
	if len(s) > n {
		s = strings.TrimRight(s[:n], " ")
	}
	return s
}

func isoDate(t time.Time) string { return t.UTC().Format("2006-01-02") }
func isoDateTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05")
}

// XML returns the pain.008 message of generation g. It returns an error
// wrapping ErrInvalid, naming the first problem, when the initiation breaks
// a rule of the scheme: a missing or malformed identifier, IBAN, BIC or
// amount, an unknown sequence type, or no collections at all.
func (d DirectDebitInitiation) XML(g Generation) (File, error) {
	typ, err := pick(g, Pain008v08, Pain008v02)
	if err != nil {
		return File{}, err
	}
	if err := checkHeader(d.MessageID, d.Created, d.Creditor, "creditor"); err != nil {
		return File{}, err
	}
	if _, err := sepa.ParseCreditorID(d.CreditorID); err != nil {
		return File{}, invalidf("the creditor identifier is invalid: %v", err)
	}
	if len(d.Collections) == 0 {
		return File{}, invalidf("a direct debit file needs at least one collection")
	}
	type key struct {
		date string
		seq  Sequence
	}
	groups := map[key][]Collection{}
	seen := map[string]bool{}
	for _, c := range d.Collections {
		if err := checkPayment(seen, c.EndToEndID, c.Amount); err != nil {
			return File{}, err
		}
		switch c.Sequence {
		case First, Recurring, OneOff:
		default:
			return File{}, invalidf("collection %s has sequence type %q, not FRST, RCUR or OOFF", c.EndToEndID, c.Sequence)
		}
		if !sepa.ValidMax35Text(c.MandateID) {
			return File{}, invalidf("collection %s: mandate reference %q must be 1 to 35 characters of the SEPA set", c.EndToEndID, c.MandateID)
		}
		if c.MandateSigned.IsZero() || c.Due.IsZero() {
			return File{}, invalidf("collection %s needs its due date and the mandate's date of signature", c.EndToEndID)
		}
		if err := checkAccount(c.Debtor, "debtor of "+c.EndToEndID); err != nil {
			return File{}, err
		}
		k := key{isoDate(CollectionDate(c.Due, d.Created)), c.Sequence}
		groups[k] = append(groups[k], c)
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].date != keys[j].date {
			return keys[i].date < keys[j].date
		}
		return seqOrder(keys[i].seq) < seqOrder(keys[j].seq)
	})

	gen19 := g == Gen2019
	f := File{Type: typ, MessageID: d.MessageID}
	doc := ddDocument{Xmlns: namespacePrefix + typ}
	for n, k := range keys {
		cs := groups[k]
		date, _ := time.Parse("2006-01-02", k.date)
		b := Block{ID: d.MessageID + "-" + strconv.Itoa(n+1), RequestedDate: date, Sequence: k.seq}
		pi := ddPmtInf{PmtInfID: b.ID, PmtMtd: "DD", BtchBookg: "true",
			PmtTpInf:     ddPmtTpInf{SvcLvl: code{Cd: "SEPA"}, LclInstrm: code{Cd: "CORE"}, SeqTp: string(k.seq)},
			ReqdColltnDt: k.date, Cdtr: party{Nm: name(d.Creditor.Name)}, CdtrAcct: account(d.Creditor.IBAN),
			CdtrAgt: agent(d.Creditor.BIC, gen19), ChrgBr: "SLEV", CdtrSchmeID: schemeID(d.CreditorID)}
		for _, c := range cs {
			b.EndToEndIDs = append(b.EndToEndIDs, c.EndToEndID)
			b.ControlSum += c.Amount
			tx := ddTx{PmtID: pmtID{EndToEndID: c.EndToEndID}, InstdAmt: amount(c.Amount),
				DrctDbtTx: ddMandate{MndtRltdInf: mandate{MndtID: c.MandateID, DtOfSgntr: isoDate(c.MandateSigned)}},
				DbtrAgt:   agent(c.Debtor.BIC, gen19), Dbtr: party{Nm: name(c.Debtor.Name)}, DbtrAcct: account(c.Debtor.IBAN),
				RmtInf: remittanceInfo(c.Remittance)}
			pi.Txs = append(pi.Txs, tx)
		}
		pi.NbOfTxs, pi.CtrlSum = f.add(b)
		doc.Init.PmtInf = append(doc.Init.PmtInf, pi)
	}
	doc.Init.GrpHdr = f.header(d.Created, d.Creditor.Name)
	return f.marshal(doc)
}

// add appends b to the file's blocks and totals, and returns the block's
// NbOfTxs and CtrlSum.
func (f *File) add(b Block) (string, string) {
	f.Blocks = append(f.Blocks, b)
	f.NumberOfTransactions += len(b.EndToEndIDs)
	f.ControlSum += b.ControlSum
	if f.RequestedDate.IsZero() || b.RequestedDate.Before(f.RequestedDate) {
		f.RequestedDate = b.RequestedDate
	}
	return strconv.Itoa(len(b.EndToEndIDs)), sepa.FormatAmount(b.ControlSum)
}

// header returns the group header of the file's totals.
func (f *File) header(created time.Time, initiator string) grpHdr {
	return grpHdr{MsgID: f.MessageID, CreDtTm: isoDateTime(created), NbOfTxs: strconv.Itoa(f.NumberOfTransactions),
		CtrlSum: sepa.FormatAmount(f.ControlSum), InitgPty: party{Nm: name(initiator)}}
}

func (f File) marshal(doc any) (File, error) {
	content, err := marshal(doc)
	f.Content = content
	return f, err
}

func seqOrder(s Sequence) int {
	return strings.Index("FRST RCUR OOFF", string(s))
}

// XML returns the pain.001 message of generation g. It returns an error
// wrapping ErrInvalid, naming the first problem, when the initiation breaks
// a rule of the scheme.
func (c CreditTransferInitiation) XML(g Generation) (File, error) {
	typ, err := pick(g, Pain001v09, Pain001v03)
	if err != nil {
		return File{}, err
	}
	if err := checkHeader(c.MessageID, c.Created, c.Debtor, "debtor"); err != nil {
		return File{}, err
	}
	if len(c.Transfers) == 0 {
		return File{}, invalidf("a credit transfer file needs at least one transfer")
	}
	groups := map[string][]Transfer{}
	seen := map[string]bool{}
	for _, t := range c.Transfers {
		if err := checkPayment(seen, t.EndToEndID, t.Amount); err != nil {
			return File{}, err
		}
		if err := checkAccount(t.Creditor, "creditor of "+t.EndToEndID); err != nil {
			return File{}, err
		}
		k := isoDate(ExecutionDate(t.Execution, c.Created))
		groups[k] = append(groups[k], t)
	}
	dates := make([]string, 0, len(groups))
	for k := range groups {
		dates = append(dates, k)
	}
	sort.Strings(dates)
	gen19 := g == Gen2019
	f := File{Type: typ, MessageID: c.MessageID}
	doc := ctDocument{Xmlns: namespacePrefix + typ}
	for n, k := range dates {
		ts := groups[k]
		date, _ := time.Parse("2006-01-02", k)
		b := Block{ID: c.MessageID + "-" + strconv.Itoa(n+1), RequestedDate: date}
		pi := ctPmtInf{PmtInfID: b.ID, PmtMtd: "TRF", BtchBookg: "true", PmtTpInf: ctPmtTpInf{SvcLvl: code{Cd: "SEPA"}},
			Dbtr: party{Nm: name(c.Debtor.Name)}, DbtrAcct: account(c.Debtor.IBAN), DbtrAgt: agent(c.Debtor.BIC, gen19), ChrgBr: "SLEV"}
		if gen19 {
			pi.ReqdExctnDt = dateChoice{Dt: k}
		} else {
			pi.ReqdExctnDt = k
		}
		for _, t := range ts {
			b.EndToEndIDs = append(b.EndToEndIDs, t.EndToEndID)
			b.ControlSum += t.Amount
			tx := ctTx{PmtID: pmtID{EndToEndID: t.EndToEndID}, Amt: ctAmt{InstdAmt: amount(t.Amount)},
				Cdtr: party{Nm: name(t.Creditor.Name)}, CdtrAcct: account(t.Creditor.IBAN), RmtInf: remittanceInfo(t.Remittance)}
			if t.Creditor.BIC != "" {
				a := agent(t.Creditor.BIC, gen19)
				tx.CdtrAgt = &a
			}
			pi.Txs = append(pi.Txs, tx)
		}
		pi.NbOfTxs, pi.CtrlSum = f.add(b)
		doc.Init.PmtInf = append(doc.Init.PmtInf, pi)
	}
	doc.Init.GrpHdr = f.header(c.Created, c.Debtor.Name)
	return f.marshal(doc)
}

func pick(g Generation, v2019, v2009 string) (string, error) {
	switch g {
	case Gen2019:
		return v2019, nil
	case Gen2009:
		return v2009, nil
	}
	return "", fmt.Errorf("%w: unknown schema generation %q (2019 or 2009)", ErrInvalid, g)
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func marshal(doc any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// The element structures of the initiations. Field order is element order.

type ddDocument struct {
	XMLName xml.Name `xml:"Document"`
	Xmlns   string   `xml:"xmlns,attr"`
	Init    struct {
		GrpHdr grpHdr     `xml:"GrpHdr"`
		PmtInf []ddPmtInf `xml:"PmtInf"`
	} `xml:"CstmrDrctDbtInitn"`
}

type ctDocument struct {
	XMLName xml.Name `xml:"Document"`
	Xmlns   string   `xml:"xmlns,attr"`
	Init    struct {
		GrpHdr grpHdr     `xml:"GrpHdr"`
		PmtInf []ctPmtInf `xml:"PmtInf"`
	} `xml:"CstmrCdtTrfInitn"`
}

type grpHdr struct {
	MsgID    string `xml:"MsgId"`
	CreDtTm  string `xml:"CreDtTm"`
	NbOfTxs  string `xml:"NbOfTxs"`
	CtrlSum  string `xml:"CtrlSum"`
	InitgPty party  `xml:"InitgPty"`
}

type ddPmtInf struct {
	PmtInfID     string     `xml:"PmtInfId"`
	PmtMtd       string     `xml:"PmtMtd"`
	BtchBookg    string     `xml:"BtchBookg"`
	NbOfTxs      string     `xml:"NbOfTxs"`
	CtrlSum      string     `xml:"CtrlSum"`
	PmtTpInf     ddPmtTpInf `xml:"PmtTpInf"`
	ReqdColltnDt string     `xml:"ReqdColltnDt"`
	Cdtr         party      `xml:"Cdtr"`
	CdtrAcct     cashAcct   `xml:"CdtrAcct"`
	CdtrAgt      finAgent   `xml:"CdtrAgt"`
	ChrgBr       string     `xml:"ChrgBr"`
	CdtrSchmeID  schemePty  `xml:"CdtrSchmeId"`
	Txs          []ddTx     `xml:"DrctDbtTxInf"`
}

type ddPmtTpInf struct {
	SvcLvl    code   `xml:"SvcLvl"`
	LclInstrm code   `xml:"LclInstrm"`
	SeqTp     string `xml:"SeqTp"`
}

type ctPmtTpInf struct {
	SvcLvl code `xml:"SvcLvl"`
}

type ddTx struct {
	PmtID     pmtID     `xml:"PmtId"`
	InstdAmt  amt       `xml:"InstdAmt"`
	DrctDbtTx ddMandate `xml:"DrctDbtTx"`
	DbtrAgt   finAgent  `xml:"DbtrAgt"`
	Dbtr      party     `xml:"Dbtr"`
	DbtrAcct  cashAcct  `xml:"DbtrAcct"`
	RmtInf    *rmtInf   `xml:"RmtInf,omitempty"`
}

type ddMandate struct {
	MndtRltdInf mandate `xml:"MndtRltdInf"`
}

type mandate struct {
	MndtID    string `xml:"MndtId"`
	DtOfSgntr string `xml:"DtOfSgntr"`
}

type ctPmtInf struct {
	PmtInfID    string     `xml:"PmtInfId"`
	PmtMtd      string     `xml:"PmtMtd"`
	BtchBookg   string     `xml:"BtchBookg"`
	NbOfTxs     string     `xml:"NbOfTxs"`
	CtrlSum     string     `xml:"CtrlSum"`
	PmtTpInf    ctPmtTpInf `xml:"PmtTpInf"`
	ReqdExctnDt any        `xml:"ReqdExctnDt"` // a date (2009) or a date choice (2019)
	Dbtr        party      `xml:"Dbtr"`
	DbtrAcct    cashAcct   `xml:"DbtrAcct"`
	DbtrAgt     finAgent   `xml:"DbtrAgt"`
	ChrgBr      string     `xml:"ChrgBr"`
	Txs         []ctTx     `xml:"CdtTrfTxInf"`
}

type dateChoice struct {
	Dt string `xml:"Dt"`
}

type ctTx struct {
	PmtID    pmtID     `xml:"PmtId"`
	Amt      ctAmt     `xml:"Amt"`
	CdtrAgt  *finAgent `xml:"CdtrAgt,omitempty"`
	Cdtr     party     `xml:"Cdtr"`
	CdtrAcct cashAcct  `xml:"CdtrAcct"`
	RmtInf   *rmtInf   `xml:"RmtInf,omitempty"`
}

type ctAmt struct {
	InstdAmt amt `xml:"InstdAmt"`
}

type pmtID struct {
	EndToEndID string `xml:"EndToEndId"`
}

type amt struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

func amount(cents int64) amt { return amt{Ccy: "EUR", Value: sepa.FormatAmount(cents)} }

type party struct {
	Nm string `xml:"Nm"`
}

type cashAcct struct {
	ID struct {
		IBAN string `xml:"IBAN"`
	} `xml:"Id"`
}

func account(iban string) cashAcct {
	var a cashAcct
	a.ID.IBAN = sepa.NormalizeIBAN(iban)
	return a
}

type finAgent struct {
	FinInstnID struct {
		BICFI string `xml:"BICFI,omitempty"`
		BIC   string `xml:"BIC,omitempty"`
		Othr  *struct {
			ID string `xml:"Id"`
		} `xml:"Othr,omitempty"`
	} `xml:"FinInstnId"`
}

// agent identifies a bank by its BIC, or as NOTPROVIDED when the BIC is
// unknown (IBAN-only payments).
func agent(bic string, gen19 bool) finAgent {
	var a finAgent
	bic, _ = sepa.ParseBIC(bic)
	switch {
	case bic == "":
		a.FinInstnID.Othr = &struct {
			ID string `xml:"Id"`
		}{ID: "NOTPROVIDED"}
	case gen19:
		a.FinInstnID.BICFI = bic
	default:
		a.FinInstnID.BIC = bic
	}
	return a
}

type code struct {
	Cd string `xml:"Cd"`
}

type rmtInf struct {
	Ustrd string `xml:"Ustrd"`
}

// remittanceInfo returns the unstructured remittance information of s, or
// nil for none.
func remittanceInfo(s string) *rmtInf {
	if r := remittance(s); r != "" {
		return &rmtInf{Ustrd: r}
	}
	return nil
}

// schemePty carries the creditor identifier as SEPA's private scheme id.
type schemePty struct {
	ID struct {
		PrvtID struct {
			Othr struct {
				ID      string `xml:"Id"`
				SchmeNm struct {
					Prtry string `xml:"Prtry"`
				} `xml:"SchmeNm"`
			} `xml:"Othr"`
		} `xml:"PrvtId"`
	} `xml:"Id"`
}

func schemeID(ci string) schemePty {
	var s schemePty
	s.ID.PrvtID.Othr.ID = strings.ToUpper(strings.ReplaceAll(ci, " ", ""))
	s.ID.PrvtID.Othr.SchmeNm.Prtry = "SEPA"
	return s
}
