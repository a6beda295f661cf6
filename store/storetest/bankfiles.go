package storetest

import (
	"bytes"
	"context"
	"testing"

	"github.com/kontorpay/kontor/store"
)

var bankFileTests = []test{
	{"InsertGetList", func(t *testing.T, s store.Store) {
		xml := bytes.Repeat([]byte(`<Ntry><Amt Ccy="EUR">1.00</Amt></Ntry>`+"\u00e4\x00"), 20000)
		files := []*store.BankFile{
			{Account: "acct_a", ID: "bkf_1", Direction: "outbound", Type: "pain.008.001.08", MessageID: "KONTOR-1", Created: 10, Data: []byte(`{"n":1}`), Content: []byte("<Document/>")},
			{Account: "acct_a", ID: "bkf_2", Direction: "inbound", Type: "camt.054.001.08", MessageID: "BANK-1", Created: 11, Data: []byte(`{}`), Content: xml},
			{Account: "acct_a", ID: "bkf_3", Direction: "outbound", Type: "pain.001.001.09", MessageID: "KONTOR-2", Created: 12, Data: []byte(`{}`), Content: []byte("<x/>")},
			// The same message id inbound is another file; so is another account's.
			{Account: "acct_a", ID: "bkf_4", Direction: "inbound", Type: "pain.002.001.10", MessageID: "KONTOR-1", Created: 13, Data: []byte(`{}`), Content: []byte("<y/>")},
			{Account: "acct_b", ID: "bkf_1", Direction: "outbound", Type: "pain.008.001.02", MessageID: "KONTOR-1", Created: 14, Data: []byte(`{}`), Content: []byte("<z/>")},
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, f := range files {
				if err := tx.InsertBankFile(ctx, f); err != nil {
					return err
				}
			}
			return nil
		})
		for i := 1; i < len(files); i++ {
			if files[i].Seq <= files[i-1].Seq {
				t.Fatalf("InsertBankFile seqs not increasing: %d then %d", files[i-1].Seq, files[i].Seq)
			}
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, f := range files {
				got, err := tx.GetBankFile(ctx, f.Account, f.ID)
				must(t, "GetBankFile", err)
				equal(t, "GetBankFile "+f.Account+"/"+f.ID, got, *f)
				got, err = tx.GetBankFileByMessage(ctx, f.Account, f.Direction, f.MessageID)
				must(t, "GetBankFileByMessage", err)
				equal(t, "GetBankFileByMessage "+f.MessageID, got, *f)
			}
			_, err := tx.GetBankFile(ctx, "acct_b", "bkf_2")
			wantErr(t, "GetBankFile of another account", err, store.ErrNotFound)
			_, err = tx.GetBankFileByMessage(ctx, "acct_b", "inbound", "BANK-1")
			wantErr(t, "GetBankFileByMessage of another account", err, store.ErrNotFound)
			_, err = tx.GetBankFileByMessage(ctx, "acct_a", "inbound", "KONTOR-2")
			wantErr(t, "GetBankFileByMessage in the other direction", err, store.ErrNotFound)

			list := func(p store.ListBankFilesParams) []store.BankFile {
				got, err := tx.ListBankFiles(ctx, p)
				must(t, "ListBankFiles", err)
				return got
			}
			a := []store.BankFile{*files[3], *files[2], *files[1], *files[0]}
			equal(t, "ListBankFiles", list(store.ListBankFilesParams{Account: "acct_a"}), a)
			equal(t, "ListBankFiles outbound", list(store.ListBankFilesParams{Account: "acct_a", Direction: "outbound"}), []store.BankFile{*files[2], *files[0]})
			equal(t, "ListBankFiles by type", list(store.ListBankFilesParams{Account: "acct_a", Type: "camt.054.001.08"}), []store.BankFile{*files[1]})
			equal(t, "ListBankFiles limit", list(store.ListBankFilesParams{Account: "acct_a", Limit: 2}), a[:2])
			equal(t, "ListBankFiles after", list(store.ListBankFilesParams{Account: "acct_a", AfterSeq: files[2].Seq}), a[2:])
			equal(t, "ListBankFiles before", list(store.ListBankFilesParams{Account: "acct_a", BeforeSeq: files[1].Seq, Ascending: true}),
				[]store.BankFile{*files[2], *files[3]})
			equal(t, "ListBankFiles other account", list(store.ListBankFilesParams{Account: "acct_b"}), []store.BankFile{*files[4]})
			equal(t, "ListBankFiles empty", len(list(store.ListBankFilesParams{Account: "acct_c"})), 0)
			return nil
		})
	}},
	{"Conflicts", func(t *testing.T, s store.Store) {
		f := store.BankFile{Account: "acct_a", ID: "bkf_1", Direction: "inbound", Type: "camt.054.001.08", MessageID: "BANK-1", Created: 1, Data: []byte(`{}`), Content: []byte("<a/>")}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.InsertBankFile(ctx, &f) })
		sameID, sameMsg := f, f
		sameID.MessageID = "BANK-2"
		sameMsg.ID = "bkf_2"
		for what, g := range map[string]store.BankFile{"same id": sameID, "same message id": sameMsg} {
			err := s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertBankFile(t.Context(), &g) })
			wantErr(t, "InsertBankFile with the "+what, err, store.ErrConflict)
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.ListBankFiles(ctx, store.ListBankFilesParams{Account: "acct_a"})
			must(t, "ListBankFiles", err)
			equal(t, "files after conflicts", len(got), 1)
			return nil
		})
	}},
}
