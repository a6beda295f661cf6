package iso20022

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kontorpay/kontor/sepa"
)

// A Report is what an imported file says: the statuses of a pain.002, or
// the account movements of a camt.054 or camt.053.
type Report struct {
	Type      string
	MessageID string
	Created   time.Time
	Statuses  []Status
	Movements []Movement
}

// A Status is one status of a pain.002: of a whole original message (no
// block, no end-to-end id), of one payment block (no end-to-end id), or of
// one transaction.
type Status struct {
	OriginalMessageID string
	OriginalBlockID   string
	EndToEndID        string
	// Code is the ISO status code: RJCT, ACCP, ACSC, ACTC, PDNG, PART, …
	Code string
	// Reason is the first status reason code (Cd, else Prtry), if any.
	Reason string
	// Amount is the original transaction's amount in cents when the report
	// repeats it (OrgnlTxRef), else 0.
	Amount int64
}

// Rejected reports whether the status rejects what it is about.
func (s Status) Rejected() bool { return s.Code == "RJCT" }

// A Movement is one transaction of an entry on the account a camt.054
// notifies or a camt.053 states (an entry without transaction details is
// one movement).
type Movement struct {
	// Account is the IBAN of the notified or stated account.
	Account string
	// Credit is true for money in (CRDT), false for money out (DBIT).
	Credit bool
	// Booked is true for booked entries (status BOOK); pending and
	// information-only entries move no money.
	Booked   bool
	Reversal bool
	// Amount in cents of Currency.
	Amount       int64
	Currency     string
	BookingDate  time.Time
	ValueDate    time.Time
	EntryRef     string
	EndToEndID   string
	MandateID    string
	ReturnReason string
	// Counterparty is the debtor of a credit and the creditor of a debit.
	Counterparty Account
	// CreditorIBAN is the account credited, when the transaction names it
	// (a credit transfer to a virtual receiver account).
	CreditorIBAN string
	Remittance   string
}

// Returned reports whether the movement returns an earlier payment.
func (m Movement) Returned() bool { return m.ReturnReason != "" }

// messages maps every accepted message type to its message element.
var messages = map[string]string{
	Pain002v10: "CstmrPmtStsRpt", Pain002v03: "CstmrPmtStsRpt",
	Camt054v08: "BkToCstmrDbtCdtNtfctn", Camt054v02: "BkToCstmrDbtCdtNtfctn",
	Camt053v08: "BkToCstmrStmt", Camt053v02: "BkToCstmrStmt",
}

// Read reads an imported file. It returns an error wrapping ErrInvalid and
// naming the first problem when the file is not well-formed XML, is not a
// pain.002, camt.054 or camt.053 in a version Kontor reads, or lacks or
// garbles an element its schema requires (with the element's path).
func Read(data []byte) (*Report, error) {
	typ, err := wellFormed(data)
	if err != nil {
		return nil, err
	}
	r := &Report{Type: typ}
	switch typ[:4] {
	case "pain":
		var doc statusDoc
		if err := xml.Unmarshal(data, &doc); err != nil {
			return nil, invalidf("%v", err)
		}
		if err := doc.report(r); err != nil {
			return nil, err
		}
		return r, nil
	default:
		var doc accountDoc
		if err := xml.Unmarshal(data, &doc); err != nil {
			return nil, invalidf("%v", err)
		}
		if err := doc.report(r, strings.HasPrefix(typ, "camt.053")); err != nil {
			return nil, err
		}
		return r, nil
	}
}

// wellFormed reads every token of data and returns the message type of its
// Document element.
func wellFormed(data []byte) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	depth, typ, roots := 0, "", 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, _ := dec.InputPos()
			return "", invalidf("not well-formed XML (line %d): %v", line, unwrapSyntax(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch depth {
			case 0:
				roots++
				if roots > 1 {
					return "", invalidf("not well-formed XML: more than one root element")
				}
				if t.Name.Local != "Document" {
					return "", invalidf("the root element is %s, not an ISO 20022 Document", t.Name.Local)
				}
				typ = strings.TrimPrefix(t.Name.Space, namespacePrefix)
				if t.Name.Space == typ {
					return "", invalidf("the Document's namespace %q is not an ISO 20022 message", t.Name.Space)
				}
				if _, ok := messages[typ]; !ok {
					return "", invalidf("a %s file is not a bank report Kontor imports (pain.002.001.10, pain.002.001.03, camt.054.001.08, camt.054.001.02, camt.053.001.08, camt.053.001.02)", typ)
				}
			case 1:
				if want := messages[typ]; t.Name.Local != want {
					return "", invalidf("/Document: a %s holds %s, not %s", typ, want, t.Name.Local)
				}
			}
			if t.Name.Space != namespacePrefix+typ {
				return "", invalidf("element %s is outside the %s namespace", t.Name.Local, typ)
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return "", invalidf("not well-formed XML: text outside the root element")
			}
		}
	}
	if roots == 0 {
		return "", invalidf("not well-formed XML: no root element")
	}
	return typ, nil
}

func unwrapSyntax(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

// A checker collects the first problem of a document, by element path.
type checker struct{ err error }

func (c *checker) failf(path, format string, args ...any) {
	if c.err == nil {
		c.err = invalidf("%s: %s", path, fmt.Sprintf(format, args...))
	}
}

// text checks a required text element of at most max characters.
func (c *checker) text(path, s string, max int) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		c.failf(path, "missing")
	case len(s) > max:
		c.failf(path, "longer than %d characters", max)
	}
	return s
}

// optText checks an optional text element of at most max characters.
func (c *checker) optText(path, s string, max int) string {
	s = strings.TrimSpace(s)
	if len(s) > max {
		c.failf(path, "longer than %d characters", max)
	}
	return s
}

func (c *checker) dateTime(path, s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		c.failf(path, "missing")
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	c.failf(path, "%q is not an ISO date and time", s)
	return time.Time{}
}

func (c *checker) date(path, s string) time.Time {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		c.failf(path, "%q is not an ISO date", s)
	}
	return t
}

// dateChoice reads an optional Dt or DtTm choice.
func (c *checker) dateChoice(path string, d *dtChoice) time.Time {
	switch {
	case d == nil:
		return time.Time{}
	case strings.TrimSpace(d.Dt) != "":
		return c.date(path+"/Dt", d.Dt)
	case strings.TrimSpace(d.DtTm) != "":
		return c.dateTime(path+"/DtTm", d.DtTm)
	}
	c.failf(path, "needs Dt or DtTm")
	return time.Time{}
}

// amount reads an amount with its currency; euro amounts may have at most
// two decimals.
func (c *checker) amount(path string, a *amtValue) (int64, string) {
	if a == nil {
		c.failf(path, "missing")
		return 0, ""
	}
	ccy := strings.TrimSpace(a.Ccy)
	if len(ccy) != 3 || strings.ToUpper(ccy) != ccy {
		c.failf(path, "currency %q is not an ISO 4217 code", a.Ccy)
		return 0, ""
	}
	if ccy != "EUR" {
		c.failf(path, "currency %s: SEPA moves euros only", ccy)
		return 0, ""
	}
	v, err := sepa.ParseAmount(strings.TrimSpace(a.Value))
	if err != nil {
		c.failf(path, "%q is not an amount in euros with at most two decimals", a.Value)
	}
	return v, ccy
}

// code reads a status or reason code of 1 to 4 upper-case letters and
// digits, or a proprietary one of up to 35 characters.
func (c *checker) code(path, s string, required bool) string {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			c.failf(path, "missing")
		}
		return ""
	}
	if len(s) > 4 {
		c.failf(path, "%q is not an ISO code of at most four characters", s)
		return ""
	}
	for i := 0; i < len(s); i++ {
		if !('A' <= s[i] && s[i] <= 'Z' || '0' <= s[i] && s[i] <= '9') {
			c.failf(path, "%q is not an ISO code", s)
			return ""
		}
	}
	return s
}

func (c *checker) reason(path string, rs []reasonInfo) string {
	for i, r := range rs {
		p := fmt.Sprintf("%s[%d]/Rsn", path, i+1)
		if r.Rsn == nil {
			continue
		}
		if cd := c.code(p+"/Cd", r.Rsn.Cd, false); cd != "" {
			return cd
		}
		if pr := c.optText(p+"/Prtry", r.Rsn.Prtry, 35); pr != "" {
			return pr
		}
		c.failf(p, "needs Cd or Prtry")
	}
	return ""
}

// The element structures read from reports. Both generations share them:
// where the versions differ (BIC and BICFI, a status as text or as Cd, a
// party's name directly or under Pty) both forms are read.

type statusDoc struct {
	Rpt struct {
		GrpHdr   grpHdrIn `xml:"GrpHdr"`
		OrgnlGrp *struct {
			MsgID     string       `xml:"OrgnlMsgId"`
			MsgNmID   string       `xml:"OrgnlMsgNmId"`
			GrpSts    string       `xml:"GrpSts"`
			StsRsnInf []reasonInfo `xml:"StsRsnInf"`
		} `xml:"OrgnlGrpInfAndSts"`
		PmtInf []struct {
			ID        string       `xml:"OrgnlPmtInfId"`
			Sts       string       `xml:"PmtInfSts"`
			StsRsnInf []reasonInfo `xml:"StsRsnInf"`
			Txs       []struct {
				E2E       string       `xml:"OrgnlEndToEndId"`
				Sts       string       `xml:"TxSts"`
				StsRsnInf []reasonInfo `xml:"StsRsnInf"`
				Amt       *amtValue    `xml:"OrgnlTxRef>Amt>InstdAmt"`
			} `xml:"TxInfAndSts"`
		} `xml:"OrgnlPmtInfAndSts"`
	} `xml:"CstmrPmtStsRpt"`
}

type grpHdrIn struct {
	MsgID   string `xml:"MsgId"`
	CreDtTm string `xml:"CreDtTm"`
}

type reasonInfo struct {
	Rsn *struct {
		Cd    string `xml:"Cd"`
		Prtry string `xml:"Prtry"`
	} `xml:"Rsn"`
}

func (d *statusDoc) report(r *Report) error {
	c := &checker{}
	const root = "/Document/CstmrPmtStsRpt"
	h := d.Rpt.GrpHdr
	r.MessageID = c.text(root+"/GrpHdr/MsgId", h.MsgID, 35)
	r.Created = c.dateTime(root+"/GrpHdr/CreDtTm", h.CreDtTm)
	g := d.Rpt.OrgnlGrp
	if g == nil {
		c.failf(root+"/OrgnlGrpInfAndSts", "missing")
		return c.err
	}
	gp := root + "/OrgnlGrpInfAndSts"
	orig := c.text(gp+"/OrgnlMsgId", g.MsgID, 35)
	c.text(gp+"/OrgnlMsgNmId", g.MsgNmID, 35)
	if sts := c.code(gp+"/GrpSts", g.GrpSts, false); sts != "" {
		r.Statuses = append(r.Statuses, Status{OriginalMessageID: orig, Code: sts, Reason: c.reason(gp+"/StsRsnInf", g.StsRsnInf)})
	}
	for i, p := range d.Rpt.PmtInf {
		pp := fmt.Sprintf("%s/OrgnlPmtInfAndSts[%d]", root, i+1)
		block := c.text(pp+"/OrgnlPmtInfId", p.ID, 35)
		if sts := c.code(pp+"/PmtInfSts", p.Sts, false); sts != "" {
			r.Statuses = append(r.Statuses, Status{OriginalMessageID: orig, OriginalBlockID: block, Code: sts, Reason: c.reason(pp+"/StsRsnInf", p.StsRsnInf)})
		}
		for j, tx := range p.Txs {
			tp := fmt.Sprintf("%s/TxInfAndSts[%d]", pp, j+1)
			e2e := c.text(tp+"/OrgnlEndToEndId", tx.E2E, 35)
			sts := c.code(tp+"/TxSts", tx.Sts, true)
			st := Status{OriginalMessageID: orig, OriginalBlockID: block, EndToEndID: e2e, Code: sts, Reason: c.reason(tp+"/StsRsnInf", tx.StsRsnInf)}
			if tx.Amt != nil {
				st.Amount, _ = c.amount(tp+"/OrgnlTxRef/Amt/InstdAmt", tx.Amt)
			}
			r.Statuses = append(r.Statuses, st)
		}
	}
	return c.err
}

type accountDoc struct {
	XMLName xml.Name
	Msg     struct {
		GrpHdr  grpHdrIn     `xml:"GrpHdr"`
		Ntfctns []accountRpt `xml:"Ntfctn"`
		Stmts   []accountRpt `xml:"Stmt"`
	} `xml:",any"`
}

type accountRpt struct {
	ID   string `xml:"Id"`
	Acct *struct {
		IBAN string `xml:"Id>IBAN"`
		Othr string `xml:"Id>Othr>Id"`
	} `xml:"Acct"`
	Bal   []struct{} `xml:"Bal"`
	Ntrys []entry    `xml:"Ntry"`
}

type entry struct {
	Ref       string    `xml:"NtryRef"`
	Amt       *amtValue `xml:"Amt"`
	CdtDbtInd string    `xml:"CdtDbtInd"`
	RvslInd   string    `xml:"RvslInd"`
	Sts       *struct {
		Text string `xml:",chardata"`
		Cd   string `xml:"Cd"`
	} `xml:"Sts"`
	BookgDt  *dtChoice `xml:"BookgDt"`
	ValDt    *dtChoice `xml:"ValDt"`
	BkTxCd   *struct{} `xml:"BkTxCd"`
	NtryDtls []struct {
		TxDtls []txDetails `xml:"TxDtls"`
	} `xml:"NtryDtls"`
}

type txDetails struct {
	E2E     string    `xml:"Refs>EndToEndId"`
	MndtID  string    `xml:"Refs>MndtId"`
	Amt     *amtValue `xml:"Amt"`
	TxAmt   *amtValue `xml:"AmtDtls>TxAmt>Amt"`
	InstAmt *amtValue `xml:"AmtDtls>InstdAmt>Amt"`
	Pties   *struct {
		Dbtr     partyIn `xml:"Dbtr"`
		DbtrAcct string  `xml:"DbtrAcct>Id>IBAN"`
		Cdtr     partyIn `xml:"Cdtr"`
		CdtrAcct string  `xml:"CdtrAcct>Id>IBAN"`
	} `xml:"RltdPties"`
	Ustrd  []string `xml:"RmtInf>Ustrd"`
	RtrRsn *struct {
		Cd    string `xml:"Cd"`
		Prtry string `xml:"Prtry"`
	} `xml:"RtrInf>Rsn"`
}

type partyIn struct {
	Nm    string `xml:"Nm"`
	PtyNm string `xml:"Pty>Nm"`
}

func (p partyIn) name() string {
	if p.PtyNm != "" {
		return strings.TrimSpace(p.PtyNm)
	}
	return strings.TrimSpace(p.Nm)
}

type dtChoice struct {
	Dt   string `xml:"Dt"`
	DtTm string `xml:"DtTm"`
}

type amtValue struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

func (d *accountDoc) report(r *Report, statement bool) error {
	c := &checker{}
	msg, item, rpts := "BkToCstmrDbtCdtNtfctn", "Ntfctn", d.Msg.Ntfctns
	if statement {
		msg, item, rpts = "BkToCstmrStmt", "Stmt", d.Msg.Stmts
	}
	root := "/Document/" + msg
	r.MessageID = c.text(root+"/GrpHdr/MsgId", d.Msg.GrpHdr.MsgID, 35)
	r.Created = c.dateTime(root+"/GrpHdr/CreDtTm", d.Msg.GrpHdr.CreDtTm)
	if len(rpts) == 0 {
		c.failf(root+"/"+item, "missing")
	}
	for i, rp := range rpts {
		p := fmt.Sprintf("%s/%s[%d]", root, item, i+1)
		c.text(p+"/Id", rp.ID, 35)
		if rp.Acct == nil || (strings.TrimSpace(rp.Acct.IBAN) == "" && strings.TrimSpace(rp.Acct.Othr) == "") {
			c.failf(p+"/Acct/Id", "missing")
			return c.err
		}
		if statement && len(rp.Bal) == 0 {
			c.failf(p+"/Bal", "missing: a statement needs its balances")
		}
		acct := sepa.NormalizeIBAN(rp.Acct.IBAN)
		for j, e := range rp.Ntrys {
			c.entry(r, fmt.Sprintf("%s/Ntry[%d]", p, j+1), acct, e)
		}
	}
	return c.err
}

func (c *checker) entry(r *Report, p, acct string, e entry) {
	amount, ccy := c.amount(p+"/Amt", e.Amt)
	m := Movement{Account: acct, Amount: amount, Currency: ccy, EntryRef: c.optText(p+"/NtryRef", e.Ref, 35)}
	switch strings.TrimSpace(e.CdtDbtInd) {
	case "CRDT":
		m.Credit = true
	case "DBIT":
	default:
		c.failf(p+"/CdtDbtInd", "%q is neither CRDT nor DBIT", e.CdtDbtInd)
	}
	switch strings.TrimSpace(e.RvslInd) {
	case "", "false", "0":
	case "true", "1":
		m.Reversal = true
	default:
		c.failf(p+"/RvslInd", "%q is not a boolean", e.RvslInd)
	}
	if e.Sts == nil {
		c.failf(p+"/Sts", "missing")
	} else {
		sts := strings.TrimSpace(e.Sts.Cd)
		if sts == "" {
			sts = strings.TrimSpace(e.Sts.Text)
		}
		switch sts {
		case "BOOK":
			m.Booked = true
		case "PDNG", "INFO", "FUTR":
		default:
			c.failf(p+"/Sts", "%q is not an entry status (BOOK, PDNG, INFO, FUTR)", sts)
		}
	}
	m.BookingDate = c.dateChoice(p+"/BookgDt", e.BookgDt)
	m.ValueDate = c.dateChoice(p+"/ValDt", e.ValDt)
	if e.BkTxCd == nil {
		c.failf(p+"/BkTxCd", "missing")
	}
	var txs []txDetails
	for _, d := range e.NtryDtls {
		txs = append(txs, d.TxDtls...)
	}
	if len(txs) == 0 {
		r.Movements = append(r.Movements, m)
		return
	}
	var sum int64
	for k, tx := range txs {
		tp := fmt.Sprintf("%s/NtryDtls/TxDtls[%d]", p, k+1)
		t := m
		t.EndToEndID = c.optText(tp+"/Refs/EndToEndId", tx.E2E, 35)
		t.MandateID = c.optText(tp+"/Refs/MndtId", tx.MndtID, 35)
		switch {
		case tx.Amt != nil:
			t.Amount, _ = c.amount(tp+"/Amt", tx.Amt)
		case tx.TxAmt != nil:
			t.Amount, _ = c.amount(tp+"/AmtDtls/TxAmt/Amt", tx.TxAmt)
		case tx.InstAmt != nil:
			t.Amount, _ = c.amount(tp+"/AmtDtls/InstdAmt/Amt", tx.InstAmt)
		case len(txs) > 1:
			c.failf(tp, "a batch entry's transaction needs its amount")
		}
		sum += t.Amount
		if tx.Pties != nil {
			if t.Credit {
				t.Counterparty = Account{Name: tx.Pties.Dbtr.name(), IBAN: sepa.NormalizeIBAN(tx.Pties.DbtrAcct)}
			} else {
				t.Counterparty = Account{Name: tx.Pties.Cdtr.name(), IBAN: sepa.NormalizeIBAN(tx.Pties.CdtrAcct)}
			}
			t.CreditorIBAN = sepa.NormalizeIBAN(tx.Pties.CdtrAcct)
		}
		t.Remittance = strings.TrimSpace(strings.Join(tx.Ustrd, " "))
		if tx.RtrRsn != nil {
			t.ReturnReason = c.code(tp+"/RtrInf/Rsn/Cd", tx.RtrRsn.Cd, false)
			if t.ReturnReason == "" {
				t.ReturnReason = c.text(tp+"/RtrInf/Rsn/Prtry", tx.RtrRsn.Prtry, 35)
			}
		}
		r.Movements = append(r.Movements, t)
	}
	if c.err == nil && sum != m.Amount {
		c.failf(p, "the transactions add up to %s, the entry says %s", sepa.FormatAmount(sum), sepa.FormatAmount(m.Amount))
	}
}
