package engine_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/store/postgres"
	"github.com/kontorpay/kontor/store/postgres/pgtest"
)

// TestChargeAndCustomerDelete runs a charge of a customer and the
// customer's deletion at once on PostgreSQL, each way round, and checks that
// they are ordered as if one had run after the other (ADR 0023): a charge
// that comes while the deletion is under way waits for it and answers that
// the customer does not exist, writing nothing; a deletion that comes while
// the charge is under way waits for it, and the charge stays, pending, with
// its source detached and its mandate ended by the deletion.
func TestChargeAndCustomerDelete(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Start(t)
	st, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e, err := engine.New(ctx, engine.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := e.CreateAccount(ctx, "Lock Test")
	if err != nil {
		t.Fatal(err)
	}
	account := acct.Account.ID
	watch, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { watch.Close() })

	newCustomer := func(t *testing.T) (cust, src string) {
		t.Helper()
		err := e.Update(ctx, account, engine.RequestInfo{}, func(op *engine.Op) error {
			s, err := op.CreateSource(engine.SourceParams{Type: "sepa_debit", Currency: "eur", IBAN: "DE89370400440532013000",
				Owner: engine.OwnerParams{Name: engine.Some("Jenny Rosen")}})
			if err != nil {
				return err
			}
			c, err := op.CreateCustomer(engine.CustomerParams{Source: engine.Some(s.ID)})
			cust, src = c.ID, s.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return cust, src
	}
	charge := func(op *engine.Op, cust string) (*engine.Charge, error) {
		return op.CreateSourceCharge(engine.ChargeParams{Amount: 1999, Currency: "eur", Customer: cust})
	}
	// hold runs fn in a write transaction that stays open, fn done, until
	// release is closed; it returns once fn has run, and the transaction's
	// outcome on done.
	hold := func(fn func(op *engine.Op) error) (release chan struct{}, done chan error) {
		release, done = make(chan struct{}), make(chan error, 1)
		ran := make(chan struct{})
		var once sync.Once
		go func() {
			done <- e.Update(ctx, account, engine.RequestInfo{}, func(op *engine.Op) error {
				if err := fn(op); err != nil {
					return err
				}
				once.Do(func() { close(ran) })
				<-release
				return nil
			})
		}()
		select {
		case <-ran:
		case err := <-done:
			t.Fatalf("the held transaction ended early: %v", err)
		}
		return release, done
	}
	// waitForLock returns once a statement of the database waits for a lock.
	waitForLock := func(t *testing.T) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); ; { // a bound for a broken test, not a wait
			var n int
			if err := watch.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("no statement waits for a lock")
			}
			time.Sleep(5 * time.Millisecond) // between looks at the condition
		}
	}
	view := func(t *testing.T, fn func(op *engine.Op) error) {
		t.Helper()
		if err := e.View(ctx, account, fn); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("delete first", func(t *testing.T) {
		cust, _ := newCustomer(t)
		release, deleted := hold(func(op *engine.Op) error {
			_, err := op.DeleteCustomer(cust)
			return err
		})
		charged := make(chan error, 1)
		go func() {
			charged <- e.Update(ctx, account, engine.RequestInfo{}, func(op *engine.Op) error {
				_, err := charge(op, cust)
				return err
			})
		}()
		waitForLock(t)
		close(release)
		if err := <-deleted; err != nil {
			t.Fatalf("delete: %v", err)
		}
		var ee *engine.Error
		if err := <-charged; !errors.As(err, &ee) || ee.Kind != engine.KindNotFound || ee.Param != "customer" {
			t.Fatalf("the charge after the delete answered %v, want the customer not found", err)
		}
		view(t, func(op *engine.Op) error {
			cs, err := engine.List[engine.Charge](op, engine.ListParams{Customer: cust, Limit: 10})
			if err == nil && len(cs) != 0 {
				t.Errorf("the refused charge left %d charges", len(cs))
			}
			return err
		})
	})

	t.Run("charge first", func(t *testing.T) {
		cust, src := newCustomer(t)
		var chargeID string
		release, charged := hold(func(op *engine.Op) error {
			c, err := charge(op, cust)
			if err == nil {
				chargeID = c.ID
			}
			return err
		})
		deleted := make(chan error, 1)
		go func() {
			deleted <- e.Update(ctx, account, engine.RequestInfo{}, func(op *engine.Op) error {
				_, err := op.DeleteCustomer(cust)
				return err
			})
		}()
		waitForLock(t)
		close(release)
		if err := <-charged; err != nil {
			t.Fatalf("charge: %v", err)
		}
		if err := <-deleted; err != nil {
			t.Fatalf("the delete after the charge: %v", err)
		}
		view(t, func(op *engine.Op) error {
			c, err := engine.Get[engine.Charge](op, chargeID)
			if err != nil {
				return err
			}
			if c.Status != engine.ChargePending || c.Customer != cust {
				t.Errorf("charge %s is %s of %q, want pending of %s", c.ID, c.Status, c.Customer, cust)
			}
			cu, err := op.GetCustomer(cust)
			if err != nil {
				return err
			}
			s, err := engine.Get[engine.Source](op, src)
			if err != nil {
				return err
			}
			m, err := engine.Get[engine.Mandate](op, s.SepaDebit.Mandate)
			if err != nil {
				return err
			}
			if !cu.Deleted || s.Customer != "" || s.Status != engine.SourceConsumed || m.Active() || m.Collections != 1 {
				t.Errorf("after the delete: customer deleted %v, source of %q %s, mandate active %v after %d collections; want deleted, detached, consumed, ended after 1",
					cu.Deleted, s.Customer, s.Status, m.Active(), m.Collections)
			}
			return nil
		})
	})
}
