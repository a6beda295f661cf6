package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kontorpay/kontor/bank/iso20022/testbank"
	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/server"
)

// TestBankCommands imports bank files into an account on the database
// directly and lists them: a good file is kept, a broken one is refused by
// name and changes nothing.
func TestBankCommands(t *testing.T) {
	ctx := context.Background()
	dir, db, key, created := newBankAccount(t, "Files GmbH")
	var out, errOut bytes.Buffer
	good := filepath.Join(dir, "camt054.xml")
	bad := filepath.Join(dir, "broken.xml")
	content := testbank.Notification("2009", "BANK-CLI-1", time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC), "DE89370400440532013000",
		[]testbank.Entry{{Credit: true, Amount: 250, BookingDate: "2026-04-02", EndToEndID: "py-x"}})
	if err := os.WriteFile(good, content, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("<Document>"), 0o600); err != nil {
		t.Fatal(err)
	}

	// A simulator account exchanges no files.
	errOut.Reset()
	err := run(ctx, []string{"bank", "import", "--db", db, "--data-key", key, "--account", created.ID, good}, &out, &errOut)
	if err == nil || !strings.Contains(errOut.String(), "bank_connection") {
		t.Fatalf("import into a simulator account: %v (%s)", err, errOut.String())
	}
	setISO20022(t, db, key, created.ID)

	out.Reset()
	errOut.Reset()
	err = run(ctx, []string{"bank", "import", "--db", db, "--data-key", key, "--account", created.ID, good, bad}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 files refused") || !strings.Contains(errOut.String(), "broken.xml: bank_file_invalid") {
		t.Fatalf("import: %v (%s)", err, errOut.String())
	}
	var imported engine.BankFile
	if err := json.Unmarshal(out.Bytes(), &imported); err != nil || imported.Type != "camt.054.001.02" || imported.MessageID != "BANK-CLI-1" ||
		imported.Summary == nil || imported.Summary.Unmatched != 1 {
		t.Fatalf("imported %s: %v", out.String(), err)
	}
	out.Reset()
	if err := run(ctx, []string{"bank", "files", "--db", db, "--data-key", key, "--account", created.ID}, &out, &errOut); err != nil {
		t.Fatalf("bank files: %v", err)
	}
	var list []engine.BankFile
	if err := json.Unmarshal(out.Bytes(), &list); err != nil || len(list) != 1 || list[0].ID != imported.ID {
		t.Fatalf("bank files = %s (%v)", out.String(), err)
	}
	// --bank-schemas validates each import in full: an element the schema
	// does not know, which the reader passes over, is refused, and nothing is
	// imported.
	odd := bytes.Replace(content, []byte("<MsgId>BANK-CLI-1</MsgId>"), []byte("<MsgId>BANK-CLI-2</MsgId><Note>x</Note>"), 1)
	if bytes.Equal(odd, content) {
		t.Fatal("no MsgId in the notification")
	}
	if err := os.WriteFile(bad, odd, 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	err = run(ctx, []string{"bank", "import", "--db", db, "--data-key", key, "--account", created.ID, "--bank-schemas", "../../../shared/xsd", bad}, &out, &errOut)
	if err == nil || !strings.Contains(errOut.String(), "breaks its schema") || !strings.Contains(errOut.String(), "Note") || out.Len() != 0 {
		t.Fatalf("import breaking the schema: %v (%s) %s", err, errOut.String(), out.String())
	}
	if err := run(ctx, []string{"bank", "import", "--db", db, "--data-key", key, "--account", created.ID, "--bank-schemas", "no-such-dir", good}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("--bank-schemas no-such-dir: %v", err)
	}
	for _, args := range [][]string{
		{"bank"},
		{"bank", "export"},
		{"bank", "files", "--db", db, "--data-key", key},
		{"bank", "import", "--db", db, "--data-key", key, "--account", created.ID},
		{"bank", "files", "--db", db, "--data-key", key, "--account", "acct_missing"},
	} {
		if err := run(ctx, args, &out, &errOut); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
}

// newBankAccount creates an account named name in a new database and
// returns the test's directory, the database, its data key and the account.
func newBankAccount(t *testing.T, name string) (dir, db, key string, created struct{ ID string }) {
	t.Helper()
	dir = t.TempDir()
	db = filepath.Join(dir, "k.db")
	key = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"accounts", "create", "--db", db, "--data-key", key, "--name", name}, &out, &errOut); err != nil {
		t.Fatalf("accounts create: %v (%s)", err, errOut.String())
	}
	if err := json.Unmarshal(out.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	return dir, db, key, created
}

// setISO20022 gives the account the iso20022 connection and a collection
// account, as POST /v1/account would.
func setISO20022(t *testing.T, db, key, account string) {
	t.Helper()
	update(t, db, key, account, func(op *engine.Op) error {
		a, err := op.Account()
		if err != nil {
			return err
		}
		s := a.Settings
		s.BankConnection = engine.BankISO20022
		if s.BankAccount, err = op.SetCollectionAccount(nil, engine.CollectionAccountParams{IBAN: "DE89370400440532013000", Name: "Files GmbH"}); err != nil {
			return err
		}
		_, err = op.UpdateAccountSettings(s)
		return err
	})
}

// update runs fn in a transaction of the account on the database db.
func update(t *testing.T, db, key, account string, fn func(op *engine.Op) error) {
	t.Helper()
	ctx := context.Background()
	st, err := server.OpenStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	raw, _ := base64.StdEncoding.DecodeString(key)
	eng, err := engine.New(ctx, engine.Config{Store: st, DataKey: raw})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Update(ctx, account, engine.RequestInfo{}, fn); err != nil {
		t.Fatal(err)
	}
}

// TestBankExportCommand exports an account's held collection into a pain.008
// in --out, once: a second export writes nothing; bad flags are refused.
func TestBankExportCommand(t *testing.T) {
	ctx := context.Background()
	dir, db, key, created := newBankAccount(t, "Export GmbH")
	var out, errOut bytes.Buffer
	setISO20022(t, db, key, created.ID)
	charge := collect(t, db, key, created.ID, 1999)

	files := filepath.Join(dir, "out")
	if err := os.Mkdir(files, 0o700); err != nil {
		t.Fatal(err)
	}
	base := []string{"bank", "export", "--db", db, "--data-key", key, "--account", created.ID, "--out", files}
	for _, bad := range [][]string{{"--up-to", "30.04.2026"}, {"--format", "2015"}, {"--out", filepath.Join(dir, "missing")}} {
		if err := run(ctx, append(append([]string{}, base...), bad...), &out, &errOut); err == nil {
			t.Errorf("export %v succeeded", bad)
		}
	}
	out.Reset()
	if err := run(ctx, append(append([]string{}, base...), "--up-to", "2000-01-01"), &out, &errOut); err != nil || strings.TrimSpace(out.String()) != "[]" {
		t.Fatalf("export up to 2000: %v %s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, append(append([]string{}, base...), "--format", "2009"), &out, &errOut); err != nil {
		t.Fatalf("export: %v (%s)", err, errOut.String())
	}
	var list []engine.BankFile
	if err := json.Unmarshal(out.Bytes(), &list); err != nil || len(list) != 1 || list[0].Type != "pain.008.001.02" || list[0].ControlSum != 1999 {
		t.Fatalf("export printed %s (%v)", out.String(), err)
	}
	content, err := os.ReadFile(filepath.Join(files, list[0].MessageID+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := testbank.Lint("../../../shared/xsd", list[0].Type, content); err != nil {
		t.Fatalf("the written file does not validate: %v", err)
	}
	x, err := testbank.ReadExport(content)
	if err != nil || len(x.Instructions) != 1 || x.Instructions[0].EndToEndID != strings.ReplaceAll(charge, "_", "-") {
		t.Fatalf("the bank reads %+v (%v)", x, err)
	}
	out.Reset()
	if err := run(ctx, base, &out, &errOut); err != nil || strings.TrimSpace(out.String()) != "[]" {
		t.Fatalf("a second export: %v %s", err, out.String())
	}
	if entries, _ := os.ReadDir(files); len(entries) != 1 {
		t.Errorf("%d files in --out after two exports, want 1", len(entries))
	}
}

// collect creates a mandate and a pending collection of amount under it, as
// a dialect would, and returns the charge's id.
func collect(t *testing.T, db, key, account string, amount int64) string {
	t.Helper()
	var id string
	update(t, db, key, account, func(op *engine.Op) error {
		m, err := op.CreateMandate(engine.MandateParams{IBAN: "DE89370400440532013000", HolderName: "Jenny Rosen"})
		if err != nil {
			return err
		}
		c, err := op.CollectUnderMandate(engine.CollectionParams{ID: engine.NewID("py_"), Mandate: m.ID, Amount: amount, Currency: "eur"})
		if err != nil {
			return err
		}
		id = c.ID
		return nil
	})
	return id
}
