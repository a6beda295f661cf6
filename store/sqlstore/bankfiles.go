package sqlstore

import (
	"context"

	"github.com/kontorpay/kontor/store"
)

const bankFileColumns = `seq, account, id, direction, type, message_id, created, data, content`

func scanBankFile(s interface{ Scan(...any) error }, f *store.BankFile) error {
	return s.Scan(&f.Seq, &f.Account, &f.ID, &f.Direction, &f.Type, &f.MessageID, &f.Created, &f.Data, &f.Content)
}

// InsertBankFile inserts f, setting f.Seq. An id, or a message id in the
// same direction, already used in the account answers store.ErrConflict.
func (t *Tx) InsertBankFile(ctx context.Context, f *store.BankFile) error {
	err := t.row(ctx, `INSERT INTO bank_files (account, id, direction, type, message_id, created, data, content)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING seq`,
		f.Account, f.ID, f.Direction, f.Type, f.MessageID, f.Created, f.Data, f.Content).Scan(&f.Seq)
	return t.insertErr(err, conflict("bank file %s (message %s)", f.ID, f.MessageID))
}

// GetBankFile returns one bank file of the account, or store.ErrNotFound.
func (t *Tx) GetBankFile(ctx context.Context, account, id string) (store.BankFile, error) {
	var f store.BankFile
	err := scanBankFile(t.row(ctx, `SELECT `+bankFileColumns+` FROM bank_files WHERE account = ? AND id = ?`, account, id), &f)
	return f, t.err(err)
}

// GetBankFileByMessage returns the account's bank file of direction with
// message id messageID, or store.ErrNotFound.
func (t *Tx) GetBankFileByMessage(ctx context.Context, account, direction, messageID string) (store.BankFile, error) {
	var f store.BankFile
	err := scanBankFile(t.row(ctx, `SELECT `+bankFileColumns+` FROM bank_files WHERE account = ? AND direction = ? AND message_id = ?`,
		account, direction, messageID), &f)
	return f, t.err(err)
}

// ListBankFiles returns up to p.Limit bank files matching p, newest first
// unless p.Ascending.
func (t *Tx) ListBankFiles(ctx context.Context, p store.ListBankFilesParams) ([]store.BankFile, error) {
	w := &where{}
	w.add("account = ?", p.Account)
	w.eq("direction", p.Direction)
	w.eq("type", p.Type)
	w.window(nil, nil, p.AfterSeq, p.BeforeSeq)
	order := " ORDER BY seq DESC"
	if p.Ascending {
		order = " ORDER BY seq ASC"
	}
	rows, err := t.query(ctx, `SELECT `+bankFileColumns+` FROM bank_files`+w.String()+order+` LIMIT ?`, append(w.args, limitOf(p.Limit))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.BankFile
	for rows.Next() {
		var f store.BankFile
		if err := scanBankFile(rows, &f); err != nil {
			return nil, t.err(err)
		}
		out = append(out, f)
	}
	return out, t.err(rows.Err())
}
