package engine

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kontorpay/kontor/store"
)

// keyring holds the keys that protect sensitive data at rest: full IBANs and
// secrets are sealed with AES-256-GCM; IBAN fingerprints are keyed HMACs so
// that equal accounts can be recognised without storing the number in clear.
type keyring struct {
	aead  cipher.AEAD
	fpKey []byte
}

const (
	dataKeySetting      = "data_key"
	dataKeyCheckSetting = "data_key_check"
)

// checkGivenKey makes sure a data key given from outside is the one the
// database's sealed values were written with: a database that keeps its own
// key, or that was first used with another given key, refuses it.
func checkGivenKey(ctx context.Context, st store.Store, key []byte) error {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("kontor data key check"))
	check := m.Sum(nil)
	return st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetSetting(ctx, dataKeySetting); err == nil {
			return errors.New("engine: this database keeps its own data key in its settings; it cannot switch to a given key (start it without one)")
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		stored, err := tx.GetSetting(ctx, dataKeyCheckSetting)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return tx.PutSetting(ctx, dataKeyCheckSetting, check)
		case err != nil:
			return err
		case !hmac.Equal(stored, check):
			return errors.New("engine: the given data key is not the one this database was first used with")
		}
		return nil
	})
}

// loadKeyring uses key when given, else the data key kept in the store's
// settings, creating it on first start. Concurrent first starts keep one key.
func loadKeyring(ctx context.Context, st store.Store, key []byte) (*keyring, error) {
	if key == nil {
		var err error
		key, err = storedDataKey(ctx, st)
		if err != nil {
			return nil, err
		}
	} else if len(key) != 32 {
		return nil, fmt.Errorf("engine: data key must be 32 bytes, got %d", len(key))
	} else if err := checkGivenKey(ctx, st, key); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("kontor fingerprint key"))
	return &keyring{aead: aead, fpKey: m.Sum(nil)}, nil
}

func storedDataKey(ctx context.Context, st store.Store) ([]byte, error) {
	var key []byte
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		key, err = tx.GetSetting(ctx, dataKeySetting)
		return err
	})
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	fresh := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, fresh); err != nil {
		return nil, err
	}
	err = st.Update(ctx, func(tx store.Tx) error { return tx.PutSetting(ctx, dataKeySetting, fresh) })
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return nil, err
	}
	err = st.View(ctx, func(tx store.Tx) error {
		var err error
		key, err = tx.GetSetting(ctx, dataKeySetting)
		return err
	})
	return key, err
}

// seal encrypts plaintext; the nonce is prepended to the result.
func (k *keyring) seal(plaintext string) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		panic("engine: crypto/rand failed: " + err.Error())
	}
	return k.aead.Seal(nonce, nonce, []byte(plaintext), nil)
}

// open decrypts what seal produced.
func (k *keyring) open(sealed []byte) (string, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("engine: sealed value too short")
	}
	p, err := k.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return "", fmt.Errorf("engine: open sealed value: %w", err)
	}
	return string(p), nil
}

// fingerprint returns a 16-character keyed fingerprint of value, stable across
// accounts of this server (as Stripe's are across its accounts).
func (k *keyring) fingerprint(value string) string {
	m := hmac.New(sha256.New, k.fpKey)
	m.Write([]byte(value))
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(m.Sum(nil))
	// Mixed case like Stripe's fingerprints, derived deterministically.
	var b strings.Builder
	for i, c := range s[:16] {
		if i%3 == 1 && c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

// hashKey returns the hex SHA-256 of an API key, the form keys are stored under.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return fmt.Sprintf("%x", sum)
}
