// Package testbank is a bank for tests: it reads the pain.008 and pain.001
// files Kontor exports the way a bank would, with encoding/xml and nothing of
// Kontor's, and writes the answers a bank sends back (pain.002 status
// reports, camt.054 notifications, camt.053 statements) in either schema
// generation. It decides nothing: tests say what to answer.
package testbank

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// An Instruction is one transaction of an exported file as the bank reads it.
type Instruction struct {
	MessageID  string
	BlockID    string
	EndToEndID string
	// Amount in cents.
	Amount   int64
	Sequence string // FRST, RCUR, OOFF; empty for credit transfers
	Date     string // requested collection or execution date
	Mandate  string
	// Party and IBAN are the debtor of a debit, the creditor of a transfer.
	Party string
	IBAN  string
}

// An Export is what the bank read from one file.
type Export struct {
	Namespace    string
	MessageID    string
	Owner        string // creditor of debits, debtor of transfers
	OwnerIBAN    string
	CreditorID   string
	NbOfTxs      int
	CtrlSum      int64
	Instructions []Instruction
}

// ReadExport reads a pain.008 or pain.001 and checks that its counts and
// sums agree at both levels, as a bank's intake does.
func ReadExport(data []byte) (*Export, error) {
	var doc struct {
		XMLName xml.Name
		Msg     struct {
			XMLName xml.Name
			GrpHdr  struct {
				MsgID   string `xml:"MsgId"`
				NbOfTxs int    `xml:"NbOfTxs"`
				CtrlSum string `xml:"CtrlSum"`
			} `xml:"GrpHdr"`
			PmtInf []struct {
				ID      string `xml:"PmtInfId"`
				NbOfTxs int    `xml:"NbOfTxs"`
				CtrlSum string `xml:"CtrlSum"`
				SeqTp   string `xml:"PmtTpInf>SeqTp"`
				Colltn  string `xml:"ReqdColltnDt"`
				Exctn   struct {
					Text string `xml:",chardata"`
					Dt   string `xml:"Dt"`
				} `xml:"ReqdExctnDt"`
				Cdtr     string `xml:"Cdtr>Nm"`
				CdtrAcct string `xml:"CdtrAcct>Id>IBAN"`
				Dbtr     string `xml:"Dbtr>Nm"`
				DbtrAcct string `xml:"DbtrAcct>Id>IBAN"`
				CI       string `xml:"CdtrSchmeId>Id>PrvtId>Othr>Id"`
				Debits   []struct {
					E2E     string `xml:"PmtId>EndToEndId"`
					Amt     string `xml:"InstdAmt"`
					Mandate string `xml:"DrctDbtTx>MndtRltdInf>MndtId"`
					Name    string `xml:"Dbtr>Nm"`
					IBAN    string `xml:"DbtrAcct>Id>IBAN"`
				} `xml:"DrctDbtTxInf"`
				Transfers []struct {
					E2E  string `xml:"PmtId>EndToEndId"`
					Amt  string `xml:"Amt>InstdAmt"`
					Name string `xml:"Cdtr>Nm"`
					IBAN string `xml:"CdtrAcct>Id>IBAN"`
				} `xml:"CdtTrfTxInf"`
			} `xml:"PmtInf"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	e := &Export{Namespace: doc.XMLName.Space, MessageID: doc.Msg.GrpHdr.MsgID, NbOfTxs: doc.Msg.GrpHdr.NbOfTxs}
	var err error
	if e.CtrlSum, err = cents(doc.Msg.GrpHdr.CtrlSum); err != nil {
		return nil, err
	}
	var n int
	var sum int64
	for _, p := range doc.Msg.PmtInf {
		var pn int
		var psum int64
		date := p.Colltn
		if p.Exctn.Dt != "" {
			date = p.Exctn.Dt
		} else if date == "" {
			date = strings.TrimSpace(p.Exctn.Text)
		}
		e.CreditorID = p.CI
		add := func(i Instruction, amt string) error {
			v, err := cents(amt)
			if err != nil {
				return err
			}
			i.MessageID, i.BlockID, i.Amount, i.Date = e.MessageID, p.ID, v, date
			e.Instructions = append(e.Instructions, i)
			pn++
			psum += v
			return nil
		}
		for _, d := range p.Debits {
			e.Owner, e.OwnerIBAN = p.Cdtr, p.CdtrAcct
			if err := add(Instruction{EndToEndID: d.E2E, Sequence: p.SeqTp, Mandate: d.Mandate, Party: d.Name, IBAN: d.IBAN}, d.Amt); err != nil {
				return nil, err
			}
		}
		for _, t := range p.Transfers {
			e.Owner, e.OwnerIBAN = p.Dbtr, p.DbtrAcct
			if err := add(Instruction{EndToEndID: t.E2E, Party: t.Name, IBAN: t.IBAN}, t.Amt); err != nil {
				return nil, err
			}
		}
		bs, err := cents(p.CtrlSum)
		if err != nil {
			return nil, err
		}
		if pn != p.NbOfTxs || psum != bs {
			return nil, fmt.Errorf("block %s: %d transactions of %d cents, header says %d of %d", p.ID, pn, psum, p.NbOfTxs, bs)
		}
		n += pn
		sum += psum
	}
	if n != e.NbOfTxs || sum != e.CtrlSum {
		return nil, fmt.Errorf("file %s: %d transactions of %d cents, header says %d of %d", e.MessageID, n, sum, e.NbOfTxs, e.CtrlSum)
	}
	return e, nil
}

// cents reads a decimal amount with up to two decimals.
func cents(s string) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("amount %q has more than two decimals", s)
	}
	frac += strings.Repeat("0", 2-len(frac))
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %v", s, err)
	}
	return v, nil
}

func amount(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// gen2019 reports whether generation g ("2019" or "2009") is the newer one.
func gen2019(g string) bool { return g != "2009" }

// A Reject rejects one transaction of an exported file in a status report.
type Reject struct {
	EndToEndID string
	BlockID    string
	Reason     string
}

// StatusReport writes a pain.002 (001.10 for generation "2019", 001.03 for
// "2009") about the exported message orig: the group rejected with
// groupReason if that is set, else each block in blockRejects rejected with
// its reason and each transaction of rejects rejected with its own; every
// other transaction accepted (ACCP). origType names the original message
// type (pain.008.001.08, …).
func StatusReport(g, msgID string, created time.Time, orig *Export, origType, groupReason string, blockRejects map[string]string, rejects []Reject) []byte {
	typ := "pain.002.001.03"
	if gen2019(g) {
		typ = "pain.002.001.10"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:%s\">\n<CstmrPmtStsRpt>\n", xml.Header, typ)
	fmt.Fprintf(&b, "<GrpHdr><MsgId>%s</MsgId><CreDtTm>%s</CreDtTm></GrpHdr>\n", esc(msgID), created.UTC().Format("2006-01-02T15:04:05"))
	fmt.Fprintf(&b, "<OrgnlGrpInfAndSts><OrgnlMsgId>%s</OrgnlMsgId><OrgnlMsgNmId>%s</OrgnlMsgNmId>", esc(orig.MessageID), origType)
	// The 2009 generation (the German banks' SEPA schema) reports
	// rejections only; 2019 also says what was accepted.
	switch {
	case groupReason != "":
		fmt.Fprintf(&b, "<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>%s</Cd></Rsn></StsRsnInf>", groupReason)
	case !gen2019(g):
	case len(rejects) > 0 || len(blockRejects) > 0:
		b.WriteString("<GrpSts>PART</GrpSts>")
	default:
		b.WriteString("<GrpSts>ACCP</GrpSts>")
	}
	b.WriteString("</OrgnlGrpInfAndSts>\n")
	if groupReason == "" {
		byBlock := map[string][]Instruction{}
		var blocks []string
		for _, i := range orig.Instructions {
			if _, ok := byBlock[i.BlockID]; !ok {
				blocks = append(blocks, i.BlockID)
			}
			byBlock[i.BlockID] = append(byBlock[i.BlockID], i)
		}
		rej := map[string]string{}
		for _, r := range rejects {
			rej[r.EndToEndID] = r.Reason
		}
		for _, blk := range blocks {
			fmt.Fprintf(&b, "<OrgnlPmtInfAndSts><OrgnlPmtInfId>%s</OrgnlPmtInfId>", esc(blk))
			if reason, ok := blockRejects[blk]; ok {
				fmt.Fprintf(&b, "<PmtInfSts>RJCT</PmtInfSts><StsRsnInf><Rsn><Cd>%s</Cd></Rsn></StsRsnInf></OrgnlPmtInfAndSts>\n", reason)
				continue
			}
			for _, i := range byBlock[blk] {
				reason, rejected := rej[i.EndToEndID]
				if !rejected {
					continue
				}
				fmt.Fprintf(&b, "<TxInfAndSts><OrgnlEndToEndId>%s</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>%s</Cd></Rsn></StsRsnInf>"+
					"<OrgnlTxRef><Amt><InstdAmt Ccy=\"EUR\">%s</InstdAmt></Amt></OrgnlTxRef></TxInfAndSts>", esc(i.EndToEndID), reason, amount(i.Amount))
			}
			b.WriteString("</OrgnlPmtInfAndSts>\n")
		}
		// Rejects of end-to-end ids the file never held (tests of unmatched
		// entries) go into a block of their own.
		for _, r := range rejects {
			if r.BlockID != "" {
				fmt.Fprintf(&b, "<OrgnlPmtInfAndSts><OrgnlPmtInfId>%s</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>%s</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>%s</Cd></Rsn></StsRsnInf><OrgnlTxRef/></TxInfAndSts></OrgnlPmtInfAndSts>\n",
					esc(r.BlockID), esc(r.EndToEndID), r.Reason)
			}
		}
	}
	b.WriteString("</CstmrPmtStsRpt>\n</Document>\n")
	return b.Bytes()
}

// An Entry is one booked movement on the account a notification or
// statement covers.
type Entry struct {
	Credit      bool
	Amount      int64
	BookingDate string // 2006-01-02
	// EndToEndID ties the movement to an instruction; ReturnReason makes it
	// a return of one.
	EndToEndID   string
	ReturnReason string
	// Counterparty and CounterpartyIBAN are the other side; CreditorIBAN the
	// account credited when it is not the covered account itself.
	Counterparty     string
	CounterpartyIBAN string
	CreditorIBAN     string
	Remittance       string
	// Pending entries are notified but not booked.
	Pending bool
}

// Notification writes a camt.054 (001.08 or 001.02) of entries on account.
func Notification(g, msgID string, created time.Time, account string, entries []Entry) []byte {
	return accountReport(g, "054", "BkToCstmrDbtCdtNtfctn", "Ntfctn", msgID, created, account, entries)
}

// Statement writes a camt.053 (001.08 or 001.02) of entries on account, with
// an opening and a closing balance.
func Statement(g, msgID string, created time.Time, account string, entries []Entry) []byte {
	return accountReport(g, "053", "BkToCstmrStmt", "Stmt", msgID, created, account, entries)
}

func accountReport(g, num, msg, item, msgID string, created time.Time, account string, entries []Entry) []byte {
	new := gen2019(g)
	typ := "camt." + num + ".001.02"
	if new {
		typ = "camt." + num + ".001.08"
	}
	var b bytes.Buffer
	ts := created.UTC().Format("2006-01-02T15:04:05")
	fmt.Fprintf(&b, "%s<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:%s\">\n<%s>\n", xml.Header, typ, msg)
	fmt.Fprintf(&b, "<GrpHdr><MsgId>%s</MsgId><CreDtTm>%s</CreDtTm></GrpHdr>\n", esc(msgID), ts)
	fmt.Fprintf(&b, "<%s><Id>%s-1</Id><CreDtTm>%s</CreDtTm><Acct><Id><IBAN>%s</IBAN></Id></Acct>\n", item, esc(msgID), ts, account)
	if item == "Stmt" {
		var net int64
		for _, e := range entries {
			if !e.Pending {
				if e.Credit {
					net += e.Amount
				} else {
					net -= e.Amount
				}
			}
		}
		day := created.UTC().Format("2006-01-02")
		closing, ind := net, "CRDT"
		if closing < 0 {
			closing, ind = -closing, "DBIT"
		}
		for _, bal := range []struct {
			cd, amt, ind string
		}{{"OPBD", "0.00", "CRDT"}, {"CLBD", amount(closing), ind}} {
			fmt.Fprintf(&b, "<Bal><Tp><CdOrPrtry><Cd>%s</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">%s</Amt><CdtDbtInd>%s</CdtDbtInd><Dt><Dt>%s</Dt></Dt></Bal>\n", bal.cd, bal.amt, bal.ind, day)
		}
	}
	for _, e := range entries {
		ind, sub := "DBIT", "ESDD"
		if e.Credit {
			ind = "CRDT"
		}
		if e.ReturnReason != "" {
			sub = "UPDD"
		}
		fmt.Fprintf(&b, "<Ntry><Amt Ccy=\"EUR\">%s</Amt><CdtDbtInd>%s</CdtDbtInd>", amount(e.Amount), ind)
		sts := "BOOK"
		if e.Pending {
			sts = "PDNG"
		}
		if new {
			fmt.Fprintf(&b, "<Sts><Cd>%s</Cd></Sts>", sts)
		} else {
			fmt.Fprintf(&b, "<Sts>%s</Sts>", sts)
		}
		fmt.Fprintf(&b, "<BookgDt><Dt>%s</Dt></BookgDt><ValDt><Dt>%s</Dt></ValDt>", e.BookingDate, e.BookingDate)
		fmt.Fprintf(&b, "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RDDT</Cd><SubFmlyCd>%s</SubFmlyCd></Fmly></Domn></BkTxCd>", sub)
		b.WriteString("<NtryDtls><TxDtls>")
		if e.EndToEndID != "" {
			fmt.Fprintf(&b, "<Refs><EndToEndId>%s</EndToEndId></Refs>", esc(e.EndToEndID))
		}
		if new {
			fmt.Fprintf(&b, "<Amt Ccy=\"EUR\">%s</Amt><CdtDbtInd>%s</CdtDbtInd>", amount(e.Amount), ind)
		} else {
			fmt.Fprintf(&b, "<AmtDtls><TxAmt><Amt Ccy=\"EUR\">%s</Amt></TxAmt></AmtDtls>", amount(e.Amount))
		}
		if e.Counterparty != "" || e.CounterpartyIBAN != "" || e.CreditorIBAN != "" {
			b.WriteString("<RltdPties>")
			party := func(role, name string) {
				if name == "" {
					return
				}
				if new {
					fmt.Fprintf(&b, "<%s><Pty><Nm>%s</Nm></Pty></%s>", role, esc(name), role)
				} else {
					fmt.Fprintf(&b, "<%s><Nm>%s</Nm></%s>", role, esc(name), role)
				}
			}
			acct := func(role, iban string) {
				if iban != "" {
					fmt.Fprintf(&b, "<%s><Id><IBAN>%s</IBAN></Id></%s>", role, iban, role)
				}
			}
			if e.Credit {
				party("Dbtr", e.Counterparty)
				acct("DbtrAcct", e.CounterpartyIBAN)
				acct("CdtrAcct", e.CreditorIBAN)
			} else {
				party("Cdtr", e.Counterparty)
				acct("CdtrAcct", e.CounterpartyIBAN)
			}
			b.WriteString("</RltdPties>")
		}
		if e.Remittance != "" {
			fmt.Fprintf(&b, "<RmtInf><Ustrd>%s</Ustrd></RmtInf>", esc(e.Remittance))
		}
		if e.ReturnReason != "" {
			fmt.Fprintf(&b, "<RtrInf><Rsn><Cd>%s</Cd></Rsn></RtrInf>", e.ReturnReason)
		}
		b.WriteString("</TxDtls></NtryDtls></Ntry>\n")
	}
	fmt.Fprintf(&b, "</%s>\n</%s>\n</Document>\n", item, msg)
	return b.Bytes()
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
