package engine

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kontorpay/kontor/store/sqlite"
)

func TestDataKeys(t *testing.T) {
	ctx := context.Background()
	open := func(t *testing.T) *sqlite.Store {
		st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	t.Run("kept in the database", func(t *testing.T) {
		st := open(t)
		k1, err := loadKeyring(ctx, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := loadKeyring(ctx, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		sealed := k1.seal("DE89370400440532013000")
		if bytes.Contains(sealed, []byte("DE89370400440532013000")) {
			t.Fatal("the sealed value contains the IBAN")
		}
		if got, err := k2.open(sealed); err != nil || got != "DE89370400440532013000" {
			t.Fatalf("a second start opens %q, %v", got, err)
		}
		if k1.fingerprint("DE89370400440532013000") != k2.fingerprint("DE89370400440532013000") {
			t.Fatal("fingerprints differ between starts")
		}
		if _, err := loadKeyring(ctx, st, bytes.Repeat([]byte{7}, 32)); err == nil || !strings.Contains(err.Error(), "keeps its own data key") {
			t.Fatalf("a given key on a database with its own: %v", err)
		}
	})
	t.Run("given from outside", func(t *testing.T) {
		st := open(t)
		key := bytes.Repeat([]byte{1}, 32)
		k1, err := loadKeyring(ctx, st, key)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := loadKeyring(ctx, st, key)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := k2.open(k1.seal("secret")); err != nil || got != "secret" {
			t.Fatalf("open = %q, %v", got, err)
		}
		if _, err := loadKeyring(ctx, st, bytes.Repeat([]byte{2}, 32)); err == nil || !strings.Contains(err.Error(), "not the one") {
			t.Fatalf("another given key: %v", err)
		}
		if _, err := loadKeyring(ctx, open(t), []byte("short")); err == nil {
			t.Fatal("a 5-byte key was accepted")
		}
	})
}
