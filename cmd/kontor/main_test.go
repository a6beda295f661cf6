package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestAccountsCommands(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "k.db")
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"migrate", "--db", db}, &out, &errOut); err != nil {
		t.Fatalf("migrate: %v (%s)", err, errOut.String())
	}
	out.Reset()
	if err := run(ctx, []string{"accounts", "create", "--db", db, "--data-key", key, "--name", "Rocketship Inc"}, &out, &errOut); err != nil {
		t.Fatalf("accounts create: %v (%s)", err, errOut.String())
	}
	var created struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		SecretKey      string `json:"secret_key"`
		PublishableKey string `json:"publishable_key"`
	}
	if err := json.Unmarshal(out.Bytes(), &created); err != nil {
		t.Fatalf("accounts create printed %q: %v", out.String(), err)
	}
	if !strings.HasPrefix(created.ID, "acct_") || created.Name != "Rocketship Inc" ||
		!strings.HasPrefix(created.SecretKey, "sk_test_") || created.PublishableKey != "pk_test_"+strings.TrimPrefix(created.SecretKey, "sk_test_") {
		t.Fatalf("created = %+v", created)
	}
	out.Reset()
	if err := run(ctx, []string{"accounts", "list", "--db", db, "--data-key", key}, &out, &errOut); err != nil {
		t.Fatalf("accounts list: %v", err)
	}
	if !strings.Contains(out.String(), created.ID) || strings.Contains(out.String(), created.SecretKey) {
		t.Fatalf("accounts list = %s (must name the account and never show its key)", out.String())
	}
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32))
	if err := run(ctx, []string{"accounts", "list", "--db", db, "--data-key", other}, &out, &errOut); err == nil {
		t.Fatal("another data key was accepted for the same database")
	}
}

func TestFlagErrors(t *testing.T) {
	ctx := context.Background()
	var out, errOut bytes.Buffer
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"serve", "--timing", "fast", "--db", filepath.Join(t.TempDir(), "a.db")},
		{"serve", "--log-format", "xml", "--db", filepath.Join(t.TempDir(), "b.db")},
		{"serve", "--data-key", "short", "--db", filepath.Join(t.TempDir(), "c.db")},
		{"serve", "--db", "mysql://localhost/x"},
		{"accounts", "delete"},
	} {
		if err := run(ctx, args, &out, &errOut); err == nil {
			t.Errorf("kontor %v succeeded, want an error", args)
		}
	}
}
