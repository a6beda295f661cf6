package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/kontorpay/kontor/engine"
)

// bank runs "kontor bank export|import|files": the bank file endpoints on
// the database directly, for an account named by --account.
func bank(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	synopses := map[string]string{
		"export": "kontor bank export --account acct_… [--up-to 2006-01-02] [--format 2019|2009] [--out DIR]",
		"import": "kontor bank import --account acct_… [--bank-schemas DIR] [flags] FILE…",
		"files":  "kontor bank files --account acct_… [flags]",
	}
	if len(args) == 0 || synopses[args[0]] == "" {
		return errors.New(`usage: kontor bank export --account acct_… [--up-to DATE] [--out DIR] | kontor bank import --account acct_… FILE… | kontor bank files --account acct_…`)
	}
	c := newCommand("bank "+args[0], synopses[args[0]])
	var f storeFlags
	f.register(c, true)
	account := c.fs.String("account", "", "the account whose bank files these are")
	if args[0] == "import" {
		f.registerBankSchemas(c)
	}
	var upTo, format, out *string
	if args[0] == "export" {
		upTo = c.fs.String("up-to", "", "export only collections and transfers requested on or before this date (2006-01-02); default: everything held")
		format = c.fs.String("format", "2019", "the schema generation: 2019 (pain.008.001.08, pain.001.001.09) or 2009 (pain.008.001.02, pain.001.001.03)")
		out = c.fs.String("out", ".", "the directory the files are written to, each as MESSAGE_ID.xml")
	}
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
	var p engine.ExportParams
	if args[0] == "export" {
		p.Format = *format
		if *upTo != "" {
			d, err := time.Parse("2006-01-02", *upTo)
			if err != nil {
				c.printUsage(stderr)
				return fmt.Errorf("--up-to %q is not a date such as 2026-04-30", *upTo)
			}
			end := d.Add(24*time.Hour - time.Second) // the whole day, in UTC
			p.UpTo = &end
		}
		if st, err := os.Stat(*out); err != nil || !st.IsDir() {
			return fmt.Errorf("--out %s is not a directory", *out)
		}
	}
	eng, done, err := f.openEngine(ctx)
	if err != nil {
		return err
	}
	defer done()
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if args[0] == "export" {
		return exportFiles(ctx, eng, *account, p, *out, enc)
	}
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

// exportFiles runs an export and writes each new file to dir as
// MESSAGE_ID.xml. The files are written inside the export's transaction
// under temporary names and renamed once it committed, so that a failed
// write exports nothing and a failed commit leaves no file behind.
func exportFiles(ctx context.Context, eng *engine.Engine, account string, p engine.ExportParams, dir string, enc *json.Encoder) error {
	var list []*engine.BankFile
	var temps []string
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	err := eng.Update(ctx, account, engine.RequestInfo{}, func(op *engine.Op) error {
		if _, err := op.Account(); err != nil {
			return fmt.Errorf("account %s: %w", account, err)
		}
		list, temps = nil, nil
		var err error
		if list, err = op.ExportBankFiles(p); err != nil {
			return err
		}
		for _, f := range list {
			content, err := op.BankFileContent(f.ID)
			if err != nil {
				return err
			}
			tmp, err := os.CreateTemp(dir, "."+f.MessageID+"-*.xml")
			if err != nil {
				return err
			}
			temps = append(temps, tmp.Name())
			_, err = tmp.Write(content)
			if err == nil {
				err = tmp.Sync()
			}
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, f := range list {
		if err := os.Rename(temps[i], filepath.Join(dir, f.MessageID+".xml")); err != nil {
			return fmt.Errorf("%s was exported; its file stays as %s: %w", f.ID, temps[i], err)
		}
		temps[i] = ""
	}
	if list == nil {
		list = []*engine.BankFile{}
	}
	return enc.Encode(list)
}
