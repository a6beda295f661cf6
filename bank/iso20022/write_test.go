package iso20022

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"
)

// Wednesday 1 April 2026, 09:30 UTC; Good Friday is 3 April, Easter Monday 6 April.
var created = time.Date(2026, time.April, 1, 9, 30, 0, 0, time.UTC)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

var creditor = Account{Name: "Kontor Test GmbH", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"}

func sampleDebits() DirectDebitInitiation {
	return DirectDebitInitiation{
		MessageID: "KONTOR-20260401-1", Created: created, Creditor: creditor, CreditorID: "DE98ZZZ09999999999",
		Collections: []Collection{
			{EndToEndID: "py-1", Amount: 1099, Sequence: First, Due: day(2026, time.April, 2), MandateID: "MNDT-1",
				MandateSigned: day(2026, time.March, 1), Debtor: Account{Name: "Jürgen Größe", IBAN: "DE25100100101234567893", BIC: "PBNKDEFFXXX"},
				Remittance: "Order 42 – thank you"},
			{EndToEndID: "py-2", Amount: 2000, Sequence: Recurring, Due: day(2026, time.April, 2), MandateID: "MNDT-2",
				MandateSigned: day(2025, time.May, 5), Debtor: Account{Name: "Jenny Rosen", IBAN: "FR3020041010050500013M02609"}},
			{EndToEndID: "py-3", Amount: 1, Sequence: Recurring, Due: day(2026, time.April, 2), MandateID: "MNDT-3",
				MandateSigned: day(2025, time.May, 5), Debtor: Account{Name: "Ævar Þórsson", IBAN: "AT611904300234573201"}},
			{EndToEndID: "py-4", Amount: 99_999_999_999, Sequence: OneOff, Due: day(2026, time.April, 20), MandateID: "MNDT-4",
				MandateSigned: day(2026, time.April, 1), Debtor: Account{Name: "Zoë", IBAN: "NL91ABNA0417164300"}},
		},
	}
}

func sampleTransfers() CreditTransferInitiation {
	return CreditTransferInitiation{
		MessageID: "KONTOR-20260401-2", Created: created, Debtor: creditor,
		Transfers: []Transfer{
			{EndToEndID: "pyr-1", Amount: 500, Creditor: Account{Name: "Jürgen Größe", IBAN: "DE25100100101234567893", BIC: "PBNKDEFFXXX"},
				Execution: day(2026, time.April, 3), Remittance: "Refund py_1"},
			{EndToEndID: "re-2", Amount: 1234, Creditor: Account{Name: "Jenny Rosen", IBAN: "FR1420041010050500013M02606"},
				Execution: day(2026, time.April, 1)},
		},
	}
}

func TestDirectDebitFilesValidate(t *testing.T) {
	for _, g := range []Generation{Gen2019, Gen2009} {
		t.Run(string(g), func(t *testing.T) {
			f, err := sampleDebits().XML(g)
			if err != nil {
				t.Fatal(err)
			}
			validate(t, f.Type, f.Content)
			if want := map[Generation]string{Gen2019: Pain008v08, Gen2009: Pain008v02}[g]; f.Type != want {
				t.Errorf("Type = %s, want %s", f.Type, want)
			}
			if f.NumberOfTransactions != 4 || f.ControlSum != 1099+2000+1+99_999_999_999 {
				t.Errorf("totals %d %d", f.NumberOfTransactions, f.ControlSum)
			}
			// Due 2 April, a file made on 1 April reaches the bank by D-1; Good
			// Friday and Easter Monday are no TARGET days, so 20 April stays.
			if !f.RequestedDate.Equal(day(2026, time.April, 2)) {
				t.Errorf("RequestedDate = %s", f.RequestedDate)
			}
			checkDebitContent(t, g, f)
		})
	}
}

// checkDebitContent reads the file back with encoding/xml, as a bank would,
// and checks the scheme's content rules.
func checkDebitContent(t *testing.T, g Generation, f File) {
	t.Helper()
	var doc struct {
		GrpHdr struct {
			MsgID    string `xml:"MsgId"`
			NbOfTxs  int    `xml:"NbOfTxs"`
			CtrlSum  string `xml:"CtrlSum"`
			InitgPty string `xml:"InitgPty>Nm"`
		} `xml:"CstmrDrctDbtInitn>GrpHdr"`
		PmtInf []struct {
			ID      string `xml:"PmtInfId"`
			NbOfTxs int    `xml:"NbOfTxs"`
			CtrlSum string `xml:"CtrlSum"`
			SeqTp   string `xml:"PmtTpInf>SeqTp"`
			Lcl     string `xml:"PmtTpInf>LclInstrm>Cd"`
			Date    string `xml:"ReqdColltnDt"`
			CI      string `xml:"CdtrSchmeId>Id>PrvtId>Othr>Id"`
			Scheme  string `xml:"CdtrSchmeId>Id>PrvtId>Othr>SchmeNm>Prtry"`
			BIC     string `xml:"CdtrAgt>FinInstnId>BIC"`
			BICFI   string `xml:"CdtrAgt>FinInstnId>BICFI"`
			Txs     []struct {
				E2E string `xml:"PmtId>EndToEndId"`
				Amt struct {
					Value string `xml:",chardata"`
					Ccy   string `xml:"Ccy,attr"`
				} `xml:"InstdAmt"`
				Mandate string `xml:"DrctDbtTx>MndtRltdInf>MndtId"`
				Signed  string `xml:"DrctDbtTx>MndtRltdInf>DtOfSgntr"`
				Name    string `xml:"Dbtr>Nm"`
				IBAN    string `xml:"DbtrAcct>Id>IBAN"`
				Agent   string `xml:"DbtrAgt>FinInstnId>Othr>Id"`
				Ustrd   string `xml:"RmtInf>Ustrd"`
			} `xml:"DrctDbtTxInf"`
		} `xml:"CstmrDrctDbtInitn>PmtInf"`
	}
	if err := xml.Unmarshal(f.Content, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.GrpHdr.NbOfTxs != 4 || doc.GrpHdr.CtrlSum != "1000000030.99" || doc.GrpHdr.MsgID != "KONTOR-20260401-1" {
		t.Errorf("group header %+v", doc.GrpHdr)
	}
	// One block per date and sequence type: FRST and RCUR on 2 April, OOFF on 20 April.
	type blk struct{ seq, date string }
	var got []blk
	for _, p := range doc.PmtInf {
		got = append(got, blk{p.SeqTp, p.Date})
		if p.Lcl != "CORE" || p.CI != "DE98ZZZ09999999999" || p.Scheme != "SEPA" {
			t.Errorf("block %s: %s %s %s", p.ID, p.Lcl, p.CI, p.Scheme)
		}
		if (g == Gen2019) != (p.BICFI == "COBADEFFXXX") || (g == Gen2009) != (p.BIC == "COBADEFFXXX") {
			t.Errorf("block %s: BIC %q BICFI %q in generation %s", p.ID, p.BIC, p.BICFI, g)
		}
		if p.NbOfTxs != len(p.Txs) {
			t.Errorf("block %s: NbOfTxs %d for %d transactions", p.ID, p.NbOfTxs, len(p.Txs))
		}
		for _, tx := range p.Txs {
			if a := tx.Amt.Value; tx.Amt.Ccy != "EUR" || !strings.Contains(a, ".") || len(a)-strings.Index(a, ".") != 3 {
				t.Errorf("amount %q %q", a, tx.Amt.Ccy)
			}
		}
	}
	want := []blk{{"FRST", "2026-04-02"}, {"RCUR", "2026-04-02"}, {"OOFF", "2026-04-20"}}
	if len(got) != len(want) {
		t.Fatalf("blocks %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("blocks %v, want %v", got, want)
		}
	}
	if s := doc.PmtInf[1].CtrlSum; s != "20.01" {
		t.Errorf("RCUR CtrlSum %s, want 20.01", s)
	}
	first := doc.PmtInf[0].Txs[0]
	if first.Name != "Juergen Groesse" || first.Ustrd != "Order 42 - thank you" || first.Mandate != "MNDT-1" || first.Signed != "2026-03-01" {
		t.Errorf("first transaction %+v", first)
	}
	if tx := doc.PmtInf[1].Txs[0]; tx.Agent != "NOTPROVIDED" || tx.IBAN != "FR3020041010050500013M02609" {
		t.Errorf("IBAN-only debtor %+v", tx)
	}
	if tx := doc.PmtInf[1].Txs[1]; tx.Name != "Aevar Thorsson" || tx.Amt.Value != "0.01" {
		t.Errorf("transliterated debtor %+v", tx)
	}
}

func TestCreditTransferFilesValidate(t *testing.T) {
	for _, g := range []Generation{Gen2019, Gen2009} {
		t.Run(string(g), func(t *testing.T) {
			f, err := sampleTransfers().XML(g)
			if err != nil {
				t.Fatal(err)
			}
			validate(t, f.Type, f.Content)
			if f.NumberOfTransactions != 2 || f.ControlSum != 1734 || len(f.Blocks) != 2 {
				t.Errorf("totals %d %d, %d blocks", f.NumberOfTransactions, f.ControlSum, len(f.Blocks))
			}
			// Asked for 1 April (today) and Good Friday 3 April: the second
			// moves to Tuesday 7 April.
			if d := f.Blocks[1].RequestedDate; !d.Equal(day(2026, time.April, 7)) {
				t.Errorf("second block on %s", d)
			}
			wantDate := "<ReqdExctnDt>2026-04-01</ReqdExctnDt>"
			if g == Gen2019 {
				wantDate = "<ReqdExctnDt>\n        <Dt>2026-04-01</Dt>"
			}
			if !strings.Contains(string(f.Content), wantDate) {
				t.Errorf("no %q in\n%s", wantDate, f.Content)
			}
		})
	}
}

func TestCollectionDate(t *testing.T) {
	tests := []struct{ due, created, want time.Time }{
		{day(2026, time.April, 10), created, day(2026, time.April, 10)},
		{day(2026, time.April, 1), created, day(2026, time.April, 2)},  // D-1: not today
		{day(2026, time.March, 20), created, day(2026, time.April, 2)}, // overdue: as soon as possible
		{day(2026, time.April, 3), created, day(2026, time.April, 7)},  // Good Friday, Easter Monday
		{day(2026, time.April, 4), created, day(2026, time.April, 7)},  // Saturday
		{day(2026, time.December, 25), created, day(2026, time.December, 28)},
		{day(2026, time.April, 2), time.Date(2026, time.April, 2, 23, 0, 0, 0, time.UTC), day(2026, time.April, 7)},
	}
	for _, tc := range tests {
		if got := CollectionDate(tc.due, tc.created); !got.Equal(tc.want) {
			t.Errorf("CollectionDate(%s, %s) = %s, want %s", tc.due, tc.created, got, tc.want)
		}
	}
}

func TestWriteRefusesBrokenInitiations(t *testing.T) {
	mutate := func(f func(*DirectDebitInitiation)) DirectDebitInitiation {
		d := sampleDebits()
		f(&d)
		return d
	}
	tests := []struct {
		name string
		d    DirectDebitInitiation
		want string
	}{
		{"long message id", mutate(func(d *DirectDebitInitiation) { d.MessageID = strings.Repeat("M", 31) }), "message id"},
		{"bad message id", mutate(func(d *DirectDebitInitiation) { d.MessageID = "a//b" }), "message id"},
		{"no creditor name", mutate(func(d *DirectDebitInitiation) { d.Creditor.Name = " " }), "creditor's name"},
		{"bad creditor IBAN", mutate(func(d *DirectDebitInitiation) { d.Creditor.IBAN = "BE41539007547035" }), "creditor's IBAN"},
		{"bad creditor BIC", mutate(func(d *DirectDebitInitiation) { d.Creditor.BIC = "COBADEFFX01" }), "creditor's BIC"},
		{"bad creditor id", mutate(func(d *DirectDebitInitiation) { d.CreditorID = "DE13ZZZ123" }), "creditor identifier"},
		{"no collections", mutate(func(d *DirectDebitInitiation) { d.Collections = nil }), "at least one"},
		{"long end-to-end id", mutate(func(d *DirectDebitInitiation) { d.Collections[0].EndToEndID = strings.Repeat("e", 36) }), "end-to-end id"},
		{"duplicate end-to-end id", mutate(func(d *DirectDebitInitiation) { d.Collections[1].EndToEndID = "py-1" }), "twice"},
		{"zero amount", mutate(func(d *DirectDebitInitiation) { d.Collections[0].Amount = 0 }), "amount"},
		{"too large", mutate(func(d *DirectDebitInitiation) { d.Collections[0].Amount = 100_000_000_000 }), "amount"},
		{"sequence", mutate(func(d *DirectDebitInitiation) { d.Collections[0].Sequence = "FNAL" }), "sequence type"},
		{"mandate", mutate(func(d *DirectDebitInitiation) { d.Collections[0].MandateID = "" }), "mandate reference"},
		{"signature date", mutate(func(d *DirectDebitInitiation) { d.Collections[0].MandateSigned = time.Time{} }), "date of signature"},
		{"debtor IBAN", mutate(func(d *DirectDebitInitiation) { d.Collections[0].Debtor.IBAN = "DE00" }), "debtor of py-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.d.XML(Gen2019)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("XML() = %v, want ErrInvalid about %q", err, tc.want)
			}
		})
	}
	if _, err := sampleDebits().XML("2025"); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown generation: %v", err)
	}
	ct := sampleTransfers()
	ct.Transfers[0].Creditor.IBAN = "ES2121000418450200051331"
	if _, err := ct.XML(Gen2009); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "creditor of pyr-1") {
		t.Errorf("credit transfer to a bad IBAN: %v", err)
	}
}
