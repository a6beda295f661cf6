package sepa

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
)

// registryExamples holds one valid IBAN for every supported country, mostly
// the examples of the ISO 13616 registry, with the bank and branch codes
// BankCode and BranchCode must find in it.
var registryExamples = []struct {
	iban, bank, branch string
}{
	{"AD1200012030200359100100", "0001", "2030"},
	{"AL47212110090000000235698741", "212", "1100"},
	{"AT611904300234573201", "19043", ""},
	{"BE68539007547034", "539", ""},
	{"BG80BNBG96611020345678", "BNBG", "9661"},
	{"CH9300762011623852957", "00762", ""},
	{"CY17002001280000001200527600", "002", "00128"},
	{"CZ6508000000192000145399", "0800", ""},
	{"DE89370400440532013000", "37040044", ""},
	{"DK5000400440116243", "0040", ""},
	{"EE382200221020145685", "22", ""},
	{"ES9121000418450200051332", "2100", "0418"},
	{"FI2112345600000785", "123", ""},
	{"FR1420041010050500013M02606", "20041", "01005"},
	{"GB29NWBK60161331926819", "NWBK", "601613"},
	{"GI75NWBK000000007099453", "NWBK", ""},
	{"GR1601101250000000012300695", "011", "0125"},
	{"HR1210010051863000160", "1001005", ""},
	{"HU42117730161111101800000000", "117", "7301"},
	{"IE29AIBK93115212345678", "AIBK", "931152"},
	{"IS140159260076545510730339", "01", "59"},
	{"IT60X0542811101000000123456", "05428", "11101"},
	{"LI21088100002324013AA", "08810", ""},
	{"LT121000011101001000", "10000", ""},
	{"LU280019400644750000", "001", ""},
	{"LV80BANK0000435195001", "BANK", ""},
	{"MC5811222000010123456789030", "11222", "00001"},
	{"MD24AG000225100013104168", "AG", ""},
	{"ME25505000012345678951", "505", ""},
	{"MK07250120000058984", "250", ""},
	{"MT84MALT011000012345MTLCAST001S", "MALT", "01100"},
	{"NL91ABNA0417164300", "ABNA", ""},
	{"NO9386011117947", "8601", ""},
	{"PL61109010140000071219812874", "109", "0101"},
	{"PT50000201231234567890154", "0002", "0123"},
	{"RO49AAAA1B31007593840000", "AAAA", ""},
	{"RS35260005601001611379", "260", ""},
	{"SE4550000000058398257466", "500", ""},
	{"SI56263300012039086", "26", "330"},
	{"SK3112000000198742637541", "1200", ""},
	{"SM86U0322509800000000270100", "03225", "09800"},
	{"VA59001123000012345678", "001", ""},
}

func TestParseIBANRegistryExamples(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range registryExamples {
		t.Run(tc.iban, func(t *testing.T) {
			iban, err := ParseIBAN(tc.iban)
			if err != nil {
				t.Fatalf("ParseIBAN: %v", err)
			}
			if got := iban.BankCode(); got != tc.bank {
				t.Errorf("BankCode() = %q, want %q", got, tc.bank)
			}
			if got := iban.BranchCode(); got != tc.branch {
				t.Errorf("BranchCode() = %q, want %q", got, tc.branch)
			}
			seen[iban.Country()] = true
		})
	}
	for cc := range countries {
		if !seen[cc] {
			t.Errorf("no example IBAN for %s", cc)
		}
	}
}

// TestParseIBANStripeTestIBANs parses every IBAN of Stripe's test table,
// read from the simulator's copy (the file only: sepa imports nothing).
func TestParseIBANStripeTestIBANs(t *testing.T) {
	f, err := os.Open("../bank/sim/stripe_test_ibans.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	n, nationalFailures := 0, 0
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) < 2 {
			continue
		}
		n++
		// Stripe derived most rows from one account per country, changing
		// its last digits and recomputing only the IBAN's check digits, so
		// they may fail their national check, but nothing else.
		iban, err := ParseIBAN(fields[1])
		if errors.Is(err, ErrIBANNationalCheck) {
			if _, ok := nationalChecks[fields[0]]; !ok {
				t.Errorf("%s fails a national check %s does not have", fields[1], fields[0])
			}
			nationalFailures++
			continue
		}
		if err != nil {
			t.Errorf("ParseIBAN(%q): %v", fields[1], err)
			continue
		}
		if iban.Country() != fields[0] {
			t.Errorf("%s: Country() = %q, want %q", fields[1], iban.Country(), fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 152 {
		t.Errorf("read %d test IBANs, want 152", n)
	}
	if nationalFailures != 54 {
		t.Errorf("%d test IBANs fail their national check, want the 54 known ones", nationalFailures)
	}
}

func TestParseIBANCheckoutTestIBANs(t *testing.T) {
	for _, s := range []string{
		"DE09100100101234567890",
		"DE79100100101234567891",
		"DE52100100101234567892",
		"DE25100100101234567893",
		"DE95100100101234567894",
		"DE68100100101234567895",
		"DE41100100101234567896",
		"DE14100100101234567897",
		"DE84100100101234567898",
	} {
		if _, err := ParseIBAN(s); err != nil {
			t.Errorf("ParseIBAN(%q): %v", s, err)
		}
	}
}

func TestParseIBANNormalises(t *testing.T) {
	tests := []struct{ in, want string }{
		{"DE89370400440532013000", "DE89370400440532013000"},
		{"de89 3704 0044 0532 0130 00", "DE89370400440532013000"},
		{"  DE89 3704 0044 0532 0130 00  ", "DE89370400440532013000"},
		{"fr14 2004 1010 0505 0001 3m02 606", "FR1420041010050500013M02606"},
	}
	for _, tc := range tests {
		got, err := ParseIBAN(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("ParseIBAN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseIBANErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrIBANFormat},
		{"only spaces", "   ", ErrIBANFormat},
		{"tab", "DE89\t370400440532013000", ErrIBANFormat},
		{"dash", "DE89-3704-0044-0532-0130-00", ErrIBANFormat},
		{"punctuation", "DE89.370400440532013000", ErrIBANFormat},
		{"non-ASCII letter", "DE89370400440532013ſ00", ErrIBANFormat},
		{"dotless i is not I", "ıT60X0542811101000000123456", ErrIBANFormat},
		{"digit country", "1E89370400440532013000", ErrIBANFormat},
		{"one letter", "D", ErrIBANFormat},
		{"letters as check digits", "DEAB370400440532013000", ErrIBANFormat},
		{"letter in German BBAN", "DE89370400440532013A00", ErrIBANFormat},
		{"digit where GB bank letters go", "GB29NWB160161331926819", ErrIBANFormat},
		{"unknown country", "XX89370400440532013000", ErrIBANCountry},
		{"non-SEPA IBAN country", "TR330006100519786457841326", ErrIBANCountry},
		{"Faroe Islands outside SEPA", "FO6264600001631634", ErrIBANCountry},
		{"country only", "DE", ErrIBANLength},
		{"too short", "DE8937040044053201300", ErrIBANLength},
		{"too long", "DE893704004405320130000", ErrIBANLength},
		{"wrong check digits", "DE88370400440532013000", ErrIBANChecksum},
		{"swapped digits", "DE89370400440532031000", ErrIBANChecksum},
		{"check digits 00", "DE00370400440532013000", ErrIBANChecksum},
		{"check digits 01", "DE01370400440532013000", ErrIBANChecksum},
		{"check digits 99", "DE99370400440532013000", ErrIBANChecksum},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseIBAN(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParseIBAN(%q) = %q, %v; want %v", tc.in, got, err, tc.want)
			}
			if got != "" {
				t.Errorf("ParseIBAN(%q) returned %q with an error", tc.in, got)
			}
			if strings.Contains(err.Error(), "0532013") {
				t.Errorf("error %q repeats the account number", err)
			}
		})
	}
}

// TestParseIBANDetectsSingleDigitErrors checks that changing any one digit
// of a valid IBAN makes it invalid, which MOD 97-10 guarantees.
func TestParseIBANDetectsSingleDigitErrors(t *testing.T) {
	for _, tc := range registryExamples {
		for i := 2; i < len(tc.iban); i++ {
			if !isDigit(tc.iban[i]) {
				continue
			}
			for d := byte('0'); d <= '9'; d++ {
				if d == tc.iban[i] {
					continue
				}
				s := tc.iban[:i] + string(d) + tc.iban[i+1:]
				if _, err := ParseIBAN(s); err == nil {
					t.Errorf("ParseIBAN(%q) accepted a mistyped %s", s, tc.iban)
				}
			}
		}
	}
}

func TestNormalizeIBAN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"de89 3704 0044 0532 0130 00", "DE89370400440532013000"},
		{"De89\t37-04", "DE89\t37-04"},
		{"ä b", "äB"},
	}
	for _, tc := range tests {
		if got := NormalizeIBAN(tc.in); got != tc.want {
			t.Errorf("NormalizeIBAN(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIBANMethods(t *testing.T) {
	tests := []struct {
		iban                                  IBAN
		country, bban, last4, masked, grouped string
	}{
		{
			"DE25100100101234567893", "DE", "100100101234567893", "7893",
			"******************7893", "DE25 1001 0010 1234 5678 93",
		},
		{
			"NO9386011117947", "NO", "86011117947", "7947",
			"***********7947", "NO93 8601 1117 947",
		},
		{
			"MT84MALT011000012345MTLCAST001S", "MT", "MALT011000012345MTLCAST001S", "001S",
			"***************************001S", "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
		},
		{
			"BE68539007547034", "BE", "539007547034", "7034",
			"************7034", "BE68 5390 0754 7034",
		},
	}
	for _, tc := range tests {
		t.Run(string(tc.iban), func(t *testing.T) {
			if got := tc.iban.Country(); got != tc.country {
				t.Errorf("Country() = %q, want %q", got, tc.country)
			}
			if got := tc.iban.BBAN(); got != tc.bban {
				t.Errorf("BBAN() = %q, want %q", got, tc.bban)
			}
			if got := tc.iban.Last4(); got != tc.last4 {
				t.Errorf("Last4() = %q, want %q", got, tc.last4)
			}
			if got := tc.iban.Masked(); got != tc.masked {
				t.Errorf("Masked() = %q, want %q", got, tc.masked)
			}
			if got := tc.iban.Grouped(); got != tc.grouped {
				t.Errorf("Grouped() = %q, want %q", got, tc.grouped)
			}
		})
	}
}

// TestIBANMethodsOnArbitraryValues checks that the methods tolerate values
// that did not come from ParseIBAN.
func TestIBANMethodsOnArbitraryValues(t *testing.T) {
	tests := []struct {
		iban                                                IBAN
		country, bban, bank, branch, last4, masked, grouped string
	}{
		{"", "", "", "", "", "", "", ""},
		{"D", "", "", "", "", "D", "D", "D"},
		{"DE8", "DE", "", "", "", "DE8", "DE8", "DE8"},
		{"DE89", "DE", "", "", "", "DE89", "DE89", "DE89"},
		{"DE893", "DE", "3", "", "", "E893", "*E893", "DE89 3"},
		{"FR14200", "FR", "200", "", "", "4200", "***4200", "FR14 200"},
		{"XX00123456789", "XX", "123456789", "", "", "6789", "*********6789", "XX00 1234 5678 9"},
	}
	for _, tc := range tests {
		i := tc.iban
		got := []string{i.Country(), i.BBAN(), i.BankCode(), i.BranchCode(), i.Last4(), i.Masked(), i.Grouped()}
		want := []string{tc.country, tc.bban, tc.bank, tc.branch, tc.last4, tc.masked, tc.grouped}
		for k := range got {
			if got[k] != want[k] {
				t.Errorf("IBAN(%q): method %d = %q, want %q", i, k, got[k], want[k])
			}
		}
	}
}

func FuzzParseIBAN(f *testing.F) {
	for _, tc := range registryExamples {
		f.Add(tc.iban)
	}
	for _, s := range []string{
		"", " ", "de89 3704 0044 0532 0130 00", "DE00370400440532013000",
		"DE8937040044053201300", "XX00", "DE89370400440532013\xff00", "ſ", "GB29 NWBK 6016 1331 9268 19",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iban, err := ParseIBAN(s)
		if err != nil {
			if iban != "" {
				t.Fatalf("ParseIBAN(%q) returned %q with error %v", s, iban, err)
			}
			for _, sentinel := range []error{ErrIBANFormat, ErrIBANCountry, ErrIBANLength, ErrIBANChecksum, ErrIBANNationalCheck} {
				if errors.Is(err, sentinel) {
					return
				}
			}
			t.Fatalf("ParseIBAN(%q): error %v wraps no sentinel", s, err)
		}
		if string(iban) != NormalizeIBAN(s) {
			t.Fatalf("ParseIBAN(%q) = %q, not the normalised input", s, iban)
		}
		if again, err := ParseIBAN(iban.Grouped()); err != nil || again != iban {
			t.Fatalf("Grouped form %q does not parse back: %q, %v", iban.Grouped(), again, err)
		}
		if !IsSEPACountry(iban.Country()) {
			t.Fatalf("accepted country %q outside SEPA", iban.Country())
		}
		if len(iban.Masked()) != len(iban) || !strings.HasSuffix(iban.Masked(), iban.Last4()) {
			t.Fatalf("Masked() = %q for %q", iban.Masked(), iban)
		}
		if iban.BankCode() == "" || !strings.Contains(iban.BBAN(), iban.BankCode()) {
			t.Fatalf("BankCode() = %q for %q", iban.BankCode(), iban)
		}
		if !strings.Contains(iban.BBAN(), iban.BranchCode()) {
			t.Fatalf("BranchCode() = %q for %q", iban.BranchCode(), iban)
		}
	})
}

// TestNewIBAN rebuilds every registry example from its country and BBAN,
// and refuses parts that cannot form an IBAN.
func TestNewIBAN(t *testing.T) {
	for _, ex := range registryExamples {
		got, err := NewIBAN(ex.iban[:2], ex.iban[4:])
		if err != nil || string(got) != ex.iban {
			t.Errorf("NewIBAN(%q, %q) = %q, %v; want %q", ex.iban[:2], ex.iban[4:], got, err, ex.iban)
		}
	}
	if got, err := NewIBAN("de", "3704 0044 0532 0130 00"); err != nil || got != "DE89370400440532013000" {
		t.Errorf("NewIBAN normalises its parts: %q, %v", got, err)
	}
	for _, tc := range []struct {
		country, bban string
		want          error
	}{
		{"DE", "37040044-0532013000", ErrIBANFormat},
		{"DE", "3704004405320130", ErrIBANLength},
		{"US", "370400440532013000", ErrIBANCountry},
		{"DE", "3704004405320130AA", ErrIBANFormat},
	} {
		if _, err := NewIBAN(tc.country, tc.bban); !errors.Is(err, tc.want) {
			t.Errorf("NewIBAN(%q, %q): %v, want %v", tc.country, tc.bban, err, tc.want)
		}
	}
}
