package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/server"
)

// bank runs "kontor bank import|files": the bank file endpoints on the
// database directly, for an account named by --account.
func bank(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "files") {
		return errors.New(`usage: kontor bank import --account acct_… FILE… | kontor bank files --account acct_…`)
	}
	synopsis := "kontor bank files --account acct_… [flags]"
	if args[0] == "import" {
		synopsis = "kontor bank import --account acct_… [flags] FILE…"
	}
	c := newCommand("bank "+args[0], synopsis)
	var f storeFlags
	f.register(c, true)
	account := c.fs.String("account", "", "the account whose bank files these are")
	if help, err := c.parse(args[1:], stdout, stderr, args[0] == "import"); help || err != nil {
		return err
	}
	if *account == "" {
		c.printUsage(stderr)
		return errors.New("--account is required")
	}
	files := c.fs.Args()
	if args[0] == "import" && len(files) == 0 {
		c.printUsage(stderr)
		return errors.New("name at least one file to import")
	}
	key, err := f.key()
	if err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, f.db)
	if err != nil {
		return err
	}
	defer st.Close()
	eng, err := engine.New(ctx, engine.Config{Store: st, DataKey: key})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if args[0] == "files" {
		var list []*engine.BankFile
		err := eng.View(ctx, *account, func(op *engine.Op) error {
			if _, err := op.Account(); err != nil {
				return fmt.Errorf("account %s: %w", *account, err)
			}
			for after := ""; ; {
				page, more, err := op.ListBankFiles(engine.BankFileFilter{StartingAfter: after, Limit: 100})
				if err != nil {
					return err
				}
				list = append(list, page...)
				if !more {
					return nil
				}
				after = page[len(page)-1].ID
			}
		})
		if err != nil {
			return err
		}
		if list == nil {
			list = []*engine.BankFile{}
		}
		return enc.Encode(list)
	}
	// Each file is imported in a transaction of its own: one refused file
	// changes nothing and does not stop the others.
	var failed int
	for _, name := range files {
		content, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		var bf *engine.BankFile
		err = eng.Update(ctx, *account, engine.RequestInfo{}, func(op *engine.Op) error {
			var err error
			bf, err = op.ImportBankFile(content)
			return err
		})
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "kontor: %s: %v\n", name, err)
			continue
		}
		if err := enc.Encode(bf); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files refused", failed, len(files))
	}
	return nil
}
