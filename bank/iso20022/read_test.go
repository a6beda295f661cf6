package iso20022

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/bank/iso20022/testbank"
)

var answered = time.Date(2026, time.April, 2, 16, 0, 0, 0, time.UTC)

// exported returns the sample direct debit file as the test bank reads it.
func exported(t *testing.T, g Generation) (File, *testbank.Export) {
	t.Helper()
	f, err := sampleDebits().XML(g)
	if err != nil {
		t.Fatal(err)
	}
	e, err := testbank.ReadExport(f.Content)
	if err != nil {
		t.Fatal(err)
	}
	return f, e
}

func TestTestBankReadsExports(t *testing.T) {
	for _, g := range []Generation{Gen2019, Gen2009} {
		f, e := exported(t, g)
		if e.MessageID != f.MessageID || e.NbOfTxs != 4 || e.CtrlSum != f.ControlSum || e.CreditorID != "DE98ZZZ09999999999" || len(e.Instructions) != 4 {
			t.Errorf("%s: %+v", g, e)
		}
		ct, err := sampleTransfers().XML(g)
		if err != nil {
			t.Fatal(err)
		}
		te, err := testbank.ReadExport(ct.Content)
		if err != nil || te.NbOfTxs != 2 || te.Instructions[1].Date != "2026-04-07" || te.Instructions[0].IBAN != "FR1420041010050500013M02606" {
			t.Errorf("%s transfers: %+v, %v", g, te, err)
		}
	}
}

func TestReadStatusReports(t *testing.T) {
	for _, g := range []Generation{Gen2019, Gen2009} {
		t.Run(string(g), func(t *testing.T) {
			f, e := exported(t, g)
			data := testbank.StatusReport(string(g), "BANK-PAIN002-1", answered, e, f.Type, "",
				map[string]string{f.Blocks[2].ID: "MS03"},
				[]testbank.Reject{{EndToEndID: "py-2", Reason: "AC04"}, {EndToEndID: "py-9", BlockID: "OTHER-1", Reason: "AM04"}})
			typ := map[Generation]string{Gen2019: Pain002v10, Gen2009: Pain002v03}[g]
			validate(t, typ, data)
			r, err := Read(data)
			if err != nil {
				t.Fatal(err)
			}
			if r.Type != typ || r.MessageID != "BANK-PAIN002-1" || !r.Created.Equal(answered) {
				t.Errorf("header %s %s %s", r.Type, r.MessageID, r.Created)
			}
			want := []Status{
				{OriginalMessageID: f.MessageID, OriginalBlockID: f.Blocks[1].ID, EndToEndID: "py-2", Code: "RJCT", Reason: "AC04", Amount: 2000},
				{OriginalMessageID: f.MessageID, OriginalBlockID: f.Blocks[2].ID, Code: "RJCT", Reason: "MS03"},
				{OriginalMessageID: f.MessageID, OriginalBlockID: "OTHER-1", EndToEndID: "py-9", Code: "RJCT", Reason: "AM04"},
			}
			if g == Gen2019 {
				want = append([]Status{{OriginalMessageID: f.MessageID, Code: "PART"}}, want...)
			}
			if len(r.Statuses) != len(want) {
				t.Fatalf("statuses %+v, want %+v", r.Statuses, want)
			}
			for i := range want {
				if r.Statuses[i] != want[i] {
					t.Errorf("status %d = %+v, want %+v", i, r.Statuses[i], want[i])
				}
			}
			group := testbank.StatusReport(string(g), "BANK-PAIN002-2", answered, e, f.Type, "FF01", nil, nil)
			validate(t, typ, group)
			r, err = Read(group)
			if err != nil || len(r.Statuses) != 1 || !r.Statuses[0].Rejected() || r.Statuses[0].Reason != "FF01" || r.Statuses[0].OriginalBlockID != "" {
				t.Errorf("group reject: %+v, %v", r, err)
			}
		})
	}
}

func notificationEntries() []testbank.Entry {
	return []testbank.Entry{
		{Credit: true, Amount: 1099, BookingDate: "2026-04-02", EndToEndID: "py-1", Counterparty: "Juergen Groesse", CounterpartyIBAN: "DE25100100101234567893"},
		{Credit: false, Amount: 2000, BookingDate: "2026-04-03", EndToEndID: "py-2", ReturnReason: "MD06", Counterparty: "Jenny Rosen", CounterpartyIBAN: "FR3020041010050500013M02609"},
		{Credit: true, Amount: 5000, BookingDate: "2026-04-03", Counterparty: "Erika Mustermann", CounterpartyIBAN: "AT611904300234573201",
			CreditorIBAN: "DE44500105175407324931", Remittance: "SRC REF 1234"},
		{Credit: true, Amount: 10, BookingDate: "2026-04-03", EndToEndID: "py-3", Pending: true},
	}
}

func TestReadNotificationsAndStatements(t *testing.T) {
	for _, g := range []Generation{Gen2019, Gen2009} {
		for _, kind := range []string{"camt.054", "camt.053"} {
			t.Run(string(g)+" "+kind, func(t *testing.T) {
				write, typ := testbank.Notification, map[Generation]string{Gen2019: Camt054v08, Gen2009: Camt054v02}[g]
				if kind == "camt.053" {
					write, typ = testbank.Statement, map[Generation]string{Gen2019: Camt053v08, Gen2009: Camt053v02}[g]
				}
				data := write(string(g), "BANK-CAMT-1", answered, creditor.IBAN, notificationEntries())
				validate(t, typ, data)
				r, err := Read(data)
				if err != nil {
					t.Fatal(err)
				}
				if r.Type != typ || r.MessageID != "BANK-CAMT-1" || len(r.Movements) != 4 {
					t.Fatalf("report %+v", r)
				}
				m := r.Movements
				if !m[0].Credit || !m[0].Booked || m[0].Amount != 1099 || m[0].EndToEndID != "py-1" || m[0].Account != creditor.IBAN ||
					m[0].Counterparty.Name != "Juergen Groesse" || m[0].Counterparty.IBAN != "DE25100100101234567893" || !m[0].BookingDate.Equal(day(2026, time.April, 2)) {
					t.Errorf("booked collection %+v", m[0])
				}
				if m[1].Credit || !m[1].Returned() || m[1].ReturnReason != "MD06" || m[1].Amount != 2000 || m[1].Counterparty.IBAN != "FR3020041010050500013M02609" {
					t.Errorf("return %+v", m[1])
				}
				if !m[2].Credit || m[2].EndToEndID != "" || m[2].CreditorIBAN != "DE44500105175407324931" || m[2].Remittance != "SRC REF 1234" {
					t.Errorf("credit transfer received %+v", m[2])
				}
				if m[3].Booked {
					t.Errorf("pending entry read as booked: %+v", m[3])
				}
			})
		}
	}
}

// TestReadRefusesBadFiles checks that each kind of bad file is refused with
// ErrInvalid naming its first problem, and that xmllint agrees the
// schema-breaking ones are invalid.
func TestReadRefusesBadFiles(t *testing.T) {
	f, e := exported(t, Gen2019)
	pain002 := string(testbank.StatusReport("2019", "BANK-1", answered, e, f.Type, "", nil, []testbank.Reject{{EndToEndID: "py-2", Reason: "AC04"}}))
	camt054 := string(testbank.Notification("2019", "BANK-2", answered, creditor.IBAN, notificationEntries()))
	tests := []struct {
		name, data, want string
		schema           string // the schema xmllint must refuse it against
	}{
		{"empty", "", "no root element", ""},
		{"not XML", "hello", "not well-formed", ""},
		{"unclosed", pain002[:len(pain002)-20], "not well-formed", ""},
		{"mismatched tags", strings.Replace(camt054, "</MsgId>", "</MsgID>", 1), "not well-formed XML (line 4)", ""},
		{"two roots", pain002 + "<Document/>", "not well-formed", ""},
		{"no namespace", strings.Replace(pain002, ` xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"`, "", 1), "namespace", ""},
		{"other root", "<Invoice/>", "root element is Invoice", ""},
		{"an export", string(f.Content), "a pain.008.001.08 file is not a bank report", ""},
		{"unknown version", strings.Replace(pain002, "pain.002.001.10", "pain.002.001.99", 1), "pain.002.001.99 file is not a bank report", ""},
		{"wrong message", strings.ReplaceAll(pain002, "CstmrPmtStsRpt", "CstmrDrctDbtInitn"), "holds CstmrPmtStsRpt, not CstmrDrctDbtInitn", Pain002v10},
		{"no MsgId", strings.Replace(pain002, "<MsgId>BANK-1</MsgId>", "", 1), "/Document/CstmrPmtStsRpt/GrpHdr/MsgId: missing", Pain002v10},
		{"long MsgId", strings.Replace(pain002, "BANK-1", strings.Repeat("B", 36), 1), "GrpHdr/MsgId: longer than 35", Pain002v10},
		{"bad CreDtTm", strings.Replace(pain002, "2026-04-02T16:00:00", "yesterday", 1), "GrpHdr/CreDtTm", Pain002v10},
		{"no original group", strings.Replace(strings.Replace(pain002, "<OrgnlGrpInfAndSts>", "<!--", 1), "</OrgnlGrpInfAndSts>", "-->", 1), "OrgnlGrpInfAndSts: missing", Pain002v10},
		{"no TxSts", strings.Replace(pain002, "<TxSts>RJCT</TxSts>", "", 1), "TxInfAndSts[1]/TxSts: missing", ""},
		{"bad reason", strings.Replace(pain002, "<Cd>AC04</Cd>", "<Cd>ACCOUNT</Cd>", 1), "StsRsnInf[1]/Rsn/Cd", Pain002v10},
		{"no amount", strings.Replace(camt054, `<Amt Ccy="EUR">10.99</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>`, `<CdtDbtInd>CRDT</CdtDbtInd><Sts>`, 1), "Ntry[1]/Amt: missing", Camt054v08},
		{"three decimals", strings.Replace(camt054, `<Amt Ccy="EUR">10.99</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>`, `<Amt Ccy="EUR">10.999</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>`, 1), "Ntry[1]/Amt", ""},
		{"negative amount", strings.Replace(camt054, `<Amt Ccy="EUR">10.99</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>`, `<Amt Ccy="EUR">-10.99</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>`, 1), "Ntry[1]/Amt", Camt054v08},
		{"not euros", strings.Replace(camt054, `<Amt Ccy="EUR">10.99</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>`, `<Amt Ccy="USD">10.99</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>`, 1), "SEPA moves euros only", ""},
		{"bad currency", strings.Replace(camt054, `<Amt Ccy="EUR">10.99</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>`, `<Amt Ccy="euro">10.99</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>`, 1), "not an ISO 4217 code", Camt054v08},
		{"bad indicator", strings.Replace(camt054, "<CdtDbtInd>CRDT</CdtDbtInd><Sts>", "<CdtDbtInd>PLUS</CdtDbtInd><Sts>", 1), "Ntry[1]/CdtDbtInd", Camt054v08},
		{"no status", strings.Replace(camt054, "<Sts><Cd>BOOK</Cd></Sts>", "", 1), "Ntry[1]/Sts: missing", Camt054v08},
		{"no bank transaction code", strings.Replace(camt054, "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RDDT</Cd><SubFmlyCd>ESDD</SubFmlyCd></Fmly></Domn></BkTxCd>", "", 1), "Ntry[1]/BkTxCd: missing", Camt054v08},
		{"no account", strings.Replace(camt054, "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>", "", 1), "Ntfctn[1]/Acct/Id: missing", Camt054v08},
		{"no notification", strings.Replace(strings.Replace(camt054, "<Ntfctn>", "<!--", 1), "</Ntfctn>", "-->", 1), "Ntfctn: missing", Camt054v08},
		{"bad booking date", strings.Replace(camt054, "<BookgDt><Dt>2026-04-02</Dt>", "<BookgDt><Dt>02.04.2026</Dt>", 1), "Ntry[1]/BookgDt/Dt", Camt054v08},
		{"sums disagree", strings.Replace(camt054, `<Amt Ccy="EUR">10.99</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>`, `<Amt Ccy="EUR">11.99</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>`, 1), "add up to 10.99, the entry says 11.99", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read([]byte(tc.data))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Read() = %v, want ErrInvalid about %q", err, tc.want)
			}
			if tc.schema != "" && lint(t, tc.schema, []byte(tc.data)) == nil {
				t.Errorf("xmllint accepts the file against %s, so the test shows nothing", tc.schema)
			}
		})
	}
}

// TestReadStatementNeedsBalances checks the one rule statements add.
func TestReadStatementNeedsBalances(t *testing.T) {
	data := testbank.Statement("2009", "BANK-3", answered, creditor.IBAN, notificationEntries())
	start, end := bytes.Index(data, []byte("<Bal>")), bytes.LastIndex(data, []byte("</Bal>"))+len("</Bal>")
	broken := append(append([]byte{}, data[:start]...), data[end:]...)
	if lint(t, Camt053v02, broken) == nil {
		t.Fatal("xmllint accepts a statement without balances")
	}
	if _, err := Read(broken); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "Stmt[1]/Bal: missing") {
		t.Errorf("Read() = %v", err)
	}
}

// corpus returns one file of every report type and generation, and an
// export, from the writers and the test bank: the seeds of FuzzRead.
func corpus(t testing.TB) [][]byte {
	f, err := sampleDebits().XML(Gen2019)
	if err != nil {
		t.Fatal(err)
	}
	e, err := testbank.ReadExport(f.Content)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, g := range []string{"2019", "2009"} {
		out = append(out,
			testbank.StatusReport(g, "BANK-1", answered, e, f.Type, "", map[string]string{f.Blocks[0].ID: "MS03"}, []testbank.Reject{{EndToEndID: "py-2", Reason: "AC04"}}),
			testbank.StatusReport(g, "BANK-2", answered, e, f.Type, "FF01", nil, nil),
			testbank.Notification(g, "BANK-3", answered, creditor.IBAN, notificationEntries()),
			testbank.Statement(g, "BANK-4", answered, creditor.IBAN, notificationEntries()))
	}
	return append(out, f.Content)
}

// FuzzRead feeds Read every kind of report and mutations of them: errors
// are fine, panics are not, and whatever Read accepts is consistent.
func FuzzRead(f *testing.F) {
	for _, c := range corpus(f) {
		f.Add(c)
	}
	f.Add([]byte(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn/></Document>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Read(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			if r != nil {
				t.Fatalf("a report with an error: %+v", r)
			}
			return
		}
		if _, ok := messages[r.Type]; !ok || r.MessageID == "" || len(r.MessageID) > 35 || r.Created.IsZero() {
			t.Fatalf("accepted report %+v", r)
		}
		for _, m := range r.Movements {
			if m.Amount < 0 || m.Currency != "EUR" {
				t.Fatalf("accepted movement %+v", m)
			}
		}
	})
}

// TestCorpusFilesValidate checks that every seed of FuzzRead is a valid
// file of its schema.
func TestCorpusFilesValidate(t *testing.T) {
	for _, c := range corpus(t) {
		r, err := Read(c)
		typ := Pain008v08
		if err == nil {
			typ = r.Type
		}
		validate(t, typ, c)
	}
}
