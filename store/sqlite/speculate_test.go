package sqlite_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
)

func openSpec(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "kontor.db")
	}
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// counter is the document of the objects these tests write.
type counter struct{ N int }

func putCounter(t *testing.T, s store.Store, id string, n int) {
	t.Helper()
	if err := s.Update(t.Context(), func(tx store.Tx) error { return setCounter(t.Context(), tx, id, n) }); err != nil {
		t.Fatalf("put %s: %v", id, err)
	}
}

// setCounter stores the counter id with N n on tx.
func setCounter(ctx context.Context, tx store.Tx, id string, n int) error {
	o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: id})
	data, _ := json.Marshal(counter{n})
	if errors.Is(err, store.ErrNotFound) {
		return tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: id, Type: "counter", Created: 1, Data: data})
	}
	if err != nil {
		return err
	}
	o.Data = data
	return tx.UpdateObject(ctx, &o)
}

func readCounter(ctx context.Context, tx store.Tx, id string) (counter, error) {
	o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: id})
	if err != nil {
		return counter{}, err
	}
	var c counter
	return c, json.Unmarshal(o.Data, &c)
}

func getCounter(t *testing.T, s store.Store, id string) counter {
	t.Helper()
	var c counter
	if err := s.View(t.Context(), func(tx store.Tx) (err error) { c, err = readCounter(t.Context(), tx, id); return err }); err != nil {
		t.Fatalf("read %s: %v", id, err)
	}
	return c
}

func stats(s *sqlite.Store) sqlite.SpeculationStats { return s.Speculations() }

// since returns what happened to the writes after before was taken.
func since(s *sqlite.Store, before sqlite.SpeculationStats) sqlite.SpeculationStats {
	now := s.Speculations()
	return sqlite.SpeculationStats{Applied: now.Applied - before.Applied, Stale: now.Stale - before.Stale,
		Skipped: now.Skipped - before.Skipped, Failed: now.Failed - before.Failed, Cached: now.Cached - before.Cached,
		Redone: now.Redone - before.Redone}
}

// TestSpeculatedWriteApplies: a write the writer did not have to run itself
// still commits everything, and the sequence numbers and ids it set are
// there once Update returns.
func TestSpeculatedWriteApplies(t *testing.T) {
	s := openSpec(t, "")
	before := stats(s)
	o := &store.Object{Account: "acct_a", ID: "ch_1", Type: "charge", Created: 1, Data: []byte(`{"n":1}`)}
	e := &store.Event{Account: "acct_a", ID: "evt_1", Type: "charge.pending", ObjectID: "ch_1", Created: 1, Data: []byte(`{}`)}
	tm := &store.Timer{Account: "acct_a", Due: 1, Kind: "settle", ObjectID: "ch_1"}
	calls := 0
	err := s.Update(t.Context(), func(tx store.Tx) error {
		calls++
		if err := tx.InsertObject(t.Context(), o); err != nil {
			return err
		}
		if err := store.Later(tx).InsertEvent(t.Context(), e); err != nil {
			return err
		}
		return store.Later(tx).InsertTimer(t.Context(), tm)
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got := since(s, before); got.Applied != 1 || calls != 1 {
		t.Fatalf("fn ran %d times, writes %+v; want one run, applied as speculated", calls, got)
	}
	if o.Seq == 0 || o.Version != 1 || e.Seq == 0 || tm.ID == 0 {
		t.Fatalf("after Update: object seq %d version %d, event seq %d, timer id %d; want all set", o.Seq, o.Version, e.Seq, tm.ID)
	}
	err = s.View(t.Context(), func(tx store.Tx) error {
		got, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "ch_1"})
		if err != nil || got.Seq != o.Seq || string(got.Data) != `{"n":1}` {
			return fmt.Errorf("object: %+v, %v", got, err)
		}
		if _, err := tx.GetEvent(t.Context(), "acct_a", "evt_1"); err != nil {
			return fmt.Errorf("event: %w", err)
		}
		if due, ok, err := tx.NextTimerDue(t.Context(), ""); err != nil || !ok || due != 1 {
			return fmt.Errorf("timer: %d %v %v", due, ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// laterWrite is a write of an object or an account that a speculation
// does not see (change, committed while its snapshot is open) and a read
// that depends on it.
type laterWrite struct {
	name string
	// method is the store.Tx method change calls ("Later." for one on the
	// Tx store.Later returns); empty when it changes with another case's.
	method string
	read   func(ctx context.Context, tx store.Tx) (int, error)
	change func(ctx context.Context, tx store.Tx) error
	// writer says that a speculation cannot make the change: the writer
	// runs it.
	writer bool
}

// readCounterN is the counter id's N, 0 while there is none.
func readCounterN(id string) func(ctx context.Context, tx store.Tx) (int, error) {
	return func(ctx context.Context, tx store.Tx) (int, error) {
		c, err := readCounter(ctx, tx, id)
		if errors.Is(err, store.ErrNotFound) {
			return 0, nil
		}
		return c.N, err
	}
}

// changeCounter sets the stored counter x's N to n with put.
func changeCounter(n int, put func(ctx context.Context, tx store.Tx, o *store.Object) error) func(ctx context.Context, tx store.Tx) error {
	return func(ctx context.Context, tx store.Tx) error {
		o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "x"})
		if err != nil {
			return err
		}
		o.Data, _ = json.Marshal(counter{n})
		return put(ctx, tx, &o)
	}
}

// insertCounter inserts the counter id with insert.
func insertCounter(id string, n int, insert func(ctx context.Context, tx store.Tx, o *store.Object) error) func(ctx context.Context, tx store.Tx) error {
	return func(ctx context.Context, tx store.Tx) error {
		data, _ := json.Marshal(counter{n})
		return insert(ctx, tx, &store.Object{Account: "acct_a", ID: id, Type: "counter", Created: 1, Data: data})
	}
}

// laterWrites are a case for each way of changing an object or an account.
// Each such method of store.Tx must tell the write log (sqlstore's note
// hooks), or a speculation that read the row would be applied on what it
// no longer is; TestEveryChangeHasALaterWrite keeps this list whole.
func laterWrites() []laterWrite {
	return []laterWrite{
		{"object", "UpdateObject", readCounterN("x"),
			changeCounter(2, func(ctx context.Context, tx store.Tx, o *store.Object) error { return tx.UpdateObject(ctx, o) }), false},
		{"object's columns", "UpdateObjectColumns", readCounterN("x"),
			changeCounter(3, func(ctx context.Context, tx store.Tx, o *store.Object) error {
				return tx.UpdateObjectColumns(ctx, o, 0)
			}), false},
		{"held object", "Later.UpdateObject", readCounterN("x"),
			changeCounter(4, func(ctx context.Context, tx store.Tx, o *store.Object) error {
				return store.Later(tx).UpdateObject(ctx, o)
			}), false},
		{"held object's columns", "Later.UpdateObjectColumns", readCounterN("x"),
			changeCounter(5, func(ctx context.Context, tx store.Tx, o *store.Object) error {
				return store.Later(tx).UpdateObjectColumns(ctx, o, store.ColumnStatus)
			}), false},
		{"missing object", "InsertObject", readCounterN("n"),
			insertCounter("n", 6, func(ctx context.Context, tx store.Tx, o *store.Object) error { return tx.InsertObject(ctx, o) }), false},
		{"missing held object", "Later.InsertObject", readCounterN("n"),
			insertCounter("n", 7, func(ctx context.Context, tx store.Tx, o *store.Object) error {
				return store.Later(tx).InsertObject(ctx, o)
			}), false},
		{"several objects", "", func(ctx context.Context, tx store.Tx) (int, error) {
			os, err := tx.GetObjects(ctx, "acct_a", []string{"x", "w"})
			n := 0
			for _, o := range os {
				var c counter
				json.Unmarshal(o.Data, &c)
				n += c.N
			}
			return n, err
		}, func(ctx context.Context, tx store.Tx) error { return setCounter(ctx, tx, "w", 1) }, false},
		{"count", "", func(ctx context.Context, tx store.Tx) (int, error) {
			n, err := tx.CountObjects(ctx, store.ListObjectsParams{Account: "acct_a", Type: "counter"})
			return int(n), err
		}, func(ctx context.Context, tx store.Tx) error { return setCounter(ctx, tx, "z", 0) }, false},
		{"list", "", func(ctx context.Context, tx store.Tx) (int, error) {
			os, err := tx.ListObjects(ctx, store.ListObjectsParams{Account: "acct_a", Type: "counter"})
			return len(os), err
		}, func(ctx context.Context, tx store.Tx) error { return setCounter(ctx, tx, "z", 0) }, false},
		{"account", "UpdateAccount", func(ctx context.Context, tx store.Tx) (int, error) {
			a, err := tx.GetAccount(ctx, "acct_a")
			return len(a.Name), err
		}, func(ctx context.Context, tx store.Tx) error {
			return tx.UpdateAccount(ctx, store.Account{ID: "acct_a", Name: "renamed", Settings: []byte(`{}`)})
		}, true},
		{"account's generation", "TouchAccount", func(ctx context.Context, tx store.Tx) (int, error) {
			a, err := tx.GetAccount(ctx, "acct_a")
			return int(a.Generation), err
		}, func(ctx context.Context, tx store.Tx) error { return tx.TouchAccount(ctx, "acct_a") }, true},
		{"missing account", "InsertAccount", func(ctx context.Context, tx store.Tx) (int, error) {
			a, err := tx.GetAccount(ctx, "acct_b")
			if errors.Is(err, store.ErrNotFound) {
				return 0, nil
			}
			return len(a.Name), err
		}, func(ctx context.Context, tx store.Tx) error {
			return tx.InsertAccount(ctx, store.Account{ID: "acct_b", Name: "bb", Created: 1, Settings: []byte(`{}`)})
		}, true},
	}
}

// TestSpeculationSeesLaterWrites: a write that read an object or an
// account another write changed after the snapshot is speculated again, and
// so derives its row from what the other wrote. The other write is
// speculated itself, or run by the writer (it lists the accounts first,
// which a speculation cannot).
func TestSpeculationSeesLaterWrites(t *testing.T) {
	for _, c := range laterWrites() {
		for _, inWriter := range []bool{false, true} {
			if c.writer && !inWriter {
				continue
			}
			name := c.name + map[bool]string{false: "/speculated", true: "/in the writer"}[inWriter]
			t.Run(name, func(t *testing.T) {
				s := openSpec(t, "")
				if err := s.Update(t.Context(), func(tx store.Tx) error {
					return tx.InsertAccount(t.Context(), store.Account{ID: "acct_a", Name: "a", Created: 1, Settings: []byte(`{}`)})
				}); err != nil {
					t.Fatal(err)
				}
				putCounter(t, s, "x", 1)
				change := func() {
					before := stats(s)
					err := s.Update(t.Context(), func(tx store.Tx) error {
						if inWriter {
							if _, err := tx.ListAccounts(t.Context()); err != nil {
								return err
							}
						}
						return c.change(t.Context(), tx)
					})
					if err != nil {
						t.Fatalf("change: %v", err)
					}
					if got := since(s, before); (got.Applied == 1) == inWriter {
						t.Fatalf("the change's write: %+v; want it applied as speculated: %v", got, !inWriter)
					}
				}
				var want int
				before := stats(s)
				calls := 0
				err := s.Update(t.Context(), func(tx store.Tx) error {
					calls++
					n, err := c.read(t.Context(), tx)
					if err != nil {
						return err
					}
					if calls == 1 {
						// Commits while this run's snapshot is open.
						change()
						before = stats(s)
						s.View(t.Context(), func(tx store.Tx) error { want, _ = c.read(t.Context(), tx); return nil })
						if want == n {
							t.Fatalf("the change left the read at %d", n)
						}
					}
					data, _ := json.Marshal(counter{n})
					return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "y", Type: "copy", Created: 1, Data: data})
				})
				if err != nil {
					t.Fatalf("Update: %v", err)
				}
				if got := getCounter(t, s, "y"); got.N != want {
					t.Fatalf("the write derived %d from a read the other write changed, want %d", got.N, want)
				}
				if got := since(s, before); calls != 2 || got.Stale != 1 {
					t.Fatalf("fn ran %d times, writes %+v; want a second speculation", calls, got)
				}
			})
		}
	}
}

// TestEveryChangeHasALaterWrite: every store.Tx method is either one of
// laterWrites' changes or named here as one that changes no object and no
// account. A new method fails this test until it is placed: if it changes
// an object or an account, it must tell the write log (sqlstore's note
// hooks) and have a case in laterWrites.
func TestEveryChangeHasALaterWrite(t *testing.T) {
	others := map[string][]string{
		"reads": {"GetAccount", "ListAccounts", "GetAPIKey", "ListAPIKeys", "GetObject", "GetObjects", "ObjectVersions",
			"ListObjects", "CountObjects", "GetEvent", "ListEvents", "ListDeliveries", "ListDeliveryAttempts", "NextTimerDue",
			"CountTimersDue", "GetBankFile", "GetBankFileByMessage", "ListBankFiles", "GetSetting"},
		// A speculation that reads these rows stops there and the writer
		// runs it (the clock's batch checks its claim itself, ADR 0031).
		"changes rows no speculation reads": {"InsertAPIKey", "InsertEvent", "InsertDelivery", "ClaimDeliveries",
			"UpdateDelivery", "UpdateLeasedDelivery", "InsertDeliveryAttempt", "AdjustPendingWebhooks", "InsertTimer",
			"ClaimDueTimers", "UpdateTimer", "DeleteTimer", "DeleteTimers", "CancelTimers", "InsertBankFile", "PutSetting"},
		"outcomes, in TestSpeculationReadsOutcomes": {"GetIdempotency", "PutIdempotency", "DeleteIdempotencyBefore"},
		"held writes": {"HoldWrites", "FlushWrites", "DropWrites"},
	}
	placed := map[string]string{}
	for why, names := range others {
		for _, name := range names {
			placed[name] = why
		}
	}
	changes := map[string]bool{}
	for _, c := range laterWrites() {
		if c.method != "" {
			changes[c.method] = true
		}
	}
	tx := reflect.TypeFor[store.Tx]()
	for i := range tx.NumMethod() {
		name := tx.Method(i).Name
		if why, other := placed[name]; other == changes[name] {
			t.Errorf("store.Tx.%s: a case in laterWrites %v, placed as %q; want one of the two", name, changes[name], why)
		}
	}
	// store.Later's Tx holds back these of its changes.
	for _, name := range []string{"InsertObject", "UpdateObject", "UpdateObjectColumns"} {
		if !changes["Later."+name] {
			t.Errorf("store.Later(tx).%s has no case in laterWrites", name)
		}
	}
}

// TestSpeculationMeetsLaterConflict: a queued insert whose id another write
// took after the snapshot fails at the writer; fn, run again, meets the
// conflict as the writer's run would have.
func TestSpeculationMeetsLaterConflict(t *testing.T) {
	s := openSpec(t, "")
	before := stats(s)
	calls := 0
	err := s.Update(t.Context(), func(tx store.Tx) error {
		calls++
		if err := tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "dup", Type: "counter", Created: 1, Data: []byte(`{"N":1}`)}); err != nil {
			return err
		}
		if calls == 1 {
			putCounter(t, s, "dup", 7)
		}
		return nil
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Update: %v, want a conflict", err)
	}
	if got := since(s, before); calls != 2 || got.Stale != 1 || got.Failed != 1 {
		t.Fatalf("fn ran %d times, writes %+v; want a second speculation, which fails", calls, got)
	}
	if got := getCounter(t, s, "dup"); got.N != 7 {
		t.Fatalf("the object is %+v, want the other write's", got)
	}
}

// TestSpeculationAnswersErrors: fn's own error on the snapshot is the
// answer, and nothing it queued is written.
func TestSpeculationAnswersErrors(t *testing.T) {
	s := openSpec(t, "")
	errBoom := errors.New("boom")
	before := stats(s)
	calls := 0
	err := s.Update(t.Context(), func(tx store.Tx) error {
		calls++
		if err := tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "gone", Type: "counter", Created: 1, Data: []byte(`{}`)}); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) || calls != 1 {
		t.Fatalf("Update: %v after %d runs, want fn's error after one", err, calls)
	}
	if got := since(s, before); got.Failed != 1 {
		t.Fatalf("writes %+v, want one failed on its snapshot", got)
	}
	err = s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "gone"})
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the failed write's object: %v, want not found", err)
	}
}

// TestSpeculationSpoiled: fn that uses what a speculation cannot serve (a
// claim, held writes, a read of its own write) runs in the writer, sees
// only the writer's answers, and leaves its rows as the writer wrote them.
func TestSpeculationSpoiled(t *testing.T) {
	s := openSpec(t, "")
	putCounter(t, s, "x", 1)
	var o store.Object
	s.View(t.Context(), func(tx store.Tx) (err error) {
		o, err = tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "x"})
		return err
	})
	before := stats(s)
	for name, use := range map[string]func(ctx context.Context, tx store.Tx) error{
		"claim": func(ctx context.Context, tx store.Tx) error {
			_, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{DueLTE: 1, Limit: 1})
			return err
		},
		"own write": func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "x"})
			if err == nil && got.Version != o.Version {
				err = fmt.Errorf("read back version %d, want %d", got.Version, o.Version)
			}
			return err
		},
		"held": func(ctx context.Context, tx store.Tx) error {
			tx.HoldWrites()
			defer tx.DropWrites()
			return tx.FlushWrites(ctx)
		},
	} {
		t.Run(name, func(t *testing.T) {
			from := o.Version
			err := s.Update(t.Context(), func(tx store.Tx) error {
				// The update through Later moves o's version on; a run
				// that is stopped gives it back before the writer's.
				o.Data = []byte(`{"N":5}`)
				if err := store.Later(tx).UpdateObject(t.Context(), &o); err != nil {
					return err
				}
				return use(t.Context(), tx)
			})
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if o.Version != from+1 {
				t.Fatalf("version %d after the update from %d", o.Version, from)
			}
		})
	}
	if got := since(s, before); got.Skipped != 3 || got.Applied != 0 {
		t.Fatalf("writes %+v, want three run by the writer only", got)
	}
}

// TestSpeculationAfterAnotherProcess: a write committed through another
// connection to the file (another process: a migration run beside the
// server) is not in the writer's log, which then trusts no snapshot taken
// before it.
func TestSpeculationAfterAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kontor.db")
	s := openSpec(t, path)
	other := openSpec(t, path)
	putCounter(t, s, "x", 1)
	calls := copyCounter(t, s, nil, func(call int) {
		if call == 1 {
			putCounter(t, other, "x", 2)
		}
	})
	if got := getCounter(t, s, "y"); got.N != 2 || calls != 2 {
		t.Fatalf("copied %d after %d runs, want the other process's 2 after two", got.N, calls)
	}
}

// TestSpeculatedIncrements: concurrent read-modify-write of one object loses
// no increment; each write retries its own conflicts.
func TestSpeculatedIncrements(t *testing.T) {
	s := openSpec(t, "")
	putCounter(t, s, "x", 0)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				err := s.Update(t.Context(), func(tx store.Tx) error {
					o, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "x"})
					if err != nil {
						return err
					}
					var c counter
					json.Unmarshal(o.Data, &c)
					c.N++
					o.Data, _ = json.Marshal(c)
					return tx.UpdateObject(t.Context(), &o)
				})
				if errors.Is(err, store.ErrConflict) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				i++
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := getCounter(t, s, "x"); got.N != workers*each {
		t.Fatalf("counter %d after %d increments", got.N, workers*each)
	}
}

// copyCounter is a write that copies the counter x into y, and reports how
// many times it ran; first is called at the start of its first run, and
// during in every run after x was read, with the run's number.
func copyCounter(t *testing.T, s store.Store, first func(ctx context.Context, tx store.Tx), during func(call int)) (calls int) {
	t.Helper()
	err := s.Update(t.Context(), func(tx store.Tx) error {
		calls++
		if calls == 1 && first != nil {
			first(t.Context(), tx)
		}
		c, err := readCounter(t.Context(), tx, "x")
		if err != nil {
			return err
		}
		if during != nil {
			during(calls)
		}
		o, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "y"})
		data, _ := json.Marshal(c)
		if errors.Is(err, store.ErrNotFound) {
			return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "y", Type: "copy", Created: 1, Data: data})
		}
		if err != nil {
			return err
		}
		o.Data = data
		return tx.UpdateObject(t.Context(), &o)
	})
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	return calls
}

// TestSpeculationRowCache: a row a speculation read is read again by the
// next without a statement, until the writer writes it; a type or scope it
// does not have reads as missing.
func TestSpeculationRowCache(t *testing.T) {
	s := openSpec(t, "")
	putCounter(t, s, "x", 1)
	copyCounter(t, s, nil, nil)
	before := stats(s)
	copyCounter(t, s, nil, nil)
	if got := since(s, before); got.Cached < 1 || got.Applied != 1 {
		t.Fatalf("writes %+v; want x read from the cache", got)
	}
	putCounter(t, s, "x", 3)
	copyCounter(t, s, nil, nil)
	if got := getCounter(t, s, "y"); got.N != 3 {
		t.Fatalf("copied %d after x became 3", got.N)
	}
	// An object a speculation updated is in the cache as the writer wrote
	// it: the next update of it reads it there, and stands.
	before = stats(s)
	putCounter(t, s, "x", 4)
	putCounter(t, s, "x", 5)
	if got := since(s, before); got.Cached < 2 || got.Stale != 0 || got.Applied != 2 {
		t.Fatalf("writes %+v; want both updates to read x from the cache and stand", got)
	}
	copyCounter(t, s, nil, nil)
	if got := getCounter(t, s, "y"); got.N != 5 {
		t.Fatalf("copied %d after x became 5", got.N)
	}
	// A write the writer runs itself drops the row: the next read of it
	// is not stale.
	putCounterInWriter(t, s, "x", 6)
	before = stats(s)
	copyCounter(t, s, nil, nil)
	if got := since(s, before); got.Stale != 0 {
		t.Fatalf("writes %+v; the cache still held x from before the writer's write", got)
	}
	if got := getCounter(t, s, "y"); got.N != 6 {
		t.Fatalf("copied %d after x became 6", got.N)
	}
	kind := "other"
	err := s.Update(t.Context(), func(tx store.Tx) error {
		for _, p := range []store.GetObjectParams{{Account: "acct_a", ID: "x", Type: "copy"}, {Account: "acct_a", ID: "x", Scope: &kind}} {
			if _, err := tx.GetObject(t.Context(), p); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("x read as %+v: %v, want not found", p, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSpeculationWithoutReader: a speculation whose reads the row cache
// answers takes no reader. The store's only reader is held by a read while
// a write that reads and updates x is made; the write would wait for the
// reader forever if it took one.
func TestSpeculationWithoutReader(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), sqlite.Options{Readers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	putCounter(t, s, "x", 1)
	putCounter(t, s, "x", 2) // an update: the writer leaves x in the cache
	before := stats(s)
	err = s.View(t.Context(), func(store.Tx) error {
		putCounter(t, s, "x", 3)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := since(s, before); got.Applied != 1 || got.Cached != 1 {
		t.Fatalf("writes %+v; want x read from the cache and the write applied as speculated", got)
	}
	if got := getCounter(t, s, "x"); got.N != 3 {
		t.Fatalf("x is %d, want 3", got.N)
	}
}

// putCounterInWriter sets the counter id to n in a write the writer runs
// itself (its writes are held, which a speculation cannot serve).
func putCounterInWriter(t *testing.T, s store.Store, id string, n int) {
	t.Helper()
	err := s.Update(t.Context(), func(tx store.Tx) error {
		tx.HoldWrites()
		defer tx.DropWrites()
		o, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: id})
		if err != nil {
			return err
		}
		o.Data, _ = json.Marshal(counter{n})
		if err := tx.UpdateObject(t.Context(), &o); err != nil {
			return err
		}
		return tx.FlushWrites(t.Context())
	})
	if err != nil {
		t.Errorf("put %s in the writer: %v", id, err)
	}
}

// TestSpeculationRowCacheOutOfDate: a speculation whose snapshot began
// before a write of x reads the old x after the writer dropped x from the
// cache, and so puts the old x back; the writer finds that read stale, drops
// the entry, and the next speculation reads x anew.
func TestSpeculationRowCacheOutOfDate(t *testing.T) {
	s := openSpec(t, "")
	putCounter(t, s, "x", 1)
	putCounter(t, s, "w", 1)
	calls := copyCounter(t, s, func(ctx context.Context, tx store.Tx) {
		// Begins the snapshot, before the write of x, which the writer
		// runs itself (held writes), so that it leaves x out of the cache.
		if _, err := readCounter(ctx, tx, "w"); err != nil {
			t.Error(err)
		}
		putCounterInWriter(t, s, "x", 2)
	}, nil)
	if got := getCounter(t, s, "y"); got.N != 2 || calls != 2 {
		t.Fatalf("copied %d after %d runs, want 2 after two", got.N, calls)
	}
	before := stats(s)
	copyCounter(t, s, nil, nil)
	if got := since(s, before); got.Stale != 0 {
		t.Fatalf("writes %+v; the cache still held the old x", got)
	}
	if got := getCounter(t, s, "y"); got.N != 2 {
		t.Fatalf("copied %d, want 2", got.N)
	}
}

// outcome is a stored outcome of the key, as the tests of keyed writes store them.
func outcome(key string) store.Idempotency {
	return store.Idempotency{Account: "acct_a", Key: key, RequestHash: "h", Method: "POST", Path: "/v1/charges", StatusCode: 200, Body: []byte(`{}`), Created: 1}
}

// TestSpeculationReadsOutcomes: a keyed write's first speculation is told
// without a look that its key has no stored outcome. The outcome it queues
// fails at the writer if one is stored, and the second speculation reads
// it on its snapshot. A sweep of old outcomes after that snapshot makes
// such a speculation stale.
func TestSpeculationReadsOutcomes(t *testing.T) {
	s := openSpec(t, "")
	// keyed stores key's outcome unless one is there, and reports whether
	// it found one; during runs after each lookup.
	keyed := func(key string, during func(call int)) (found bool, calls int) {
		err := s.Update(t.Context(), func(tx store.Tx) error {
			calls++
			_, err := tx.GetIdempotency(t.Context(), "acct_a", key)
			if during != nil {
				during(calls)
			}
			if found = err == nil; found {
				return nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return store.Later(tx).PutIdempotency(t.Context(), outcome(key))
		})
		if err != nil {
			t.Fatalf("keyed write %s: %v", key, err)
		}
		return found, calls
	}
	before := stats(s)
	if found, calls := keyed("k1", nil); found || calls != 1 {
		t.Fatalf("first write of k1: found %v after %d runs", found, calls)
	}
	if got := since(s, before); got.Applied != 1 || got.Stale != 0 {
		t.Fatalf("writes %+v; want the first write of k1 applied as speculated", got)
	}
	before = stats(s)
	if found, calls := keyed("k1", nil); !found || calls != 2 {
		t.Fatalf("the second write of k1: found %v after %d runs, want found after two", found, calls)
	}
	if got := since(s, before); got.Applied != 1 || got.Stale != 1 || got.Skipped != 0 {
		t.Fatalf("writes %+v; want the first speculation stale, the second applied", got)
	}
	found, calls := keyed("k2", func(call int) {
		if call > 1 {
			return
		}
		if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.PutIdempotency(t.Context(), outcome("k2")) }); err != nil {
			t.Error(err)
		}
	})
	if !found || calls != 2 {
		t.Fatalf("k2 stored meanwhile: found %v after %d runs, want found after two", found, calls)
	}
	// k3 is stored; the second speculation finds it, and a sweep removes it
	// before the writer comes to that speculation.
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.PutIdempotency(t.Context(), outcome("k3")) }); err != nil {
		t.Fatal(err)
	}
	before = stats(s)
	found, calls = keyed("k3", func(call int) {
		if call != 2 {
			return
		}
		if err := s.Update(t.Context(), func(tx store.Tx) error {
			_, err := tx.DeleteIdempotencyBefore(t.Context(), 2)
			return err
		}); err != nil {
			t.Error(err)
		}
	})
	if got := since(s, before); found || calls != 3 || got.Stale != 2 {
		t.Fatalf("k3 swept meanwhile: found %v after %d runs, writes %+v; want not found after three, two of them stale", found, calls, got)
	}
}

// TestSpeculationConfirmsOutcomes: when a function that was told without a
// look that its key has no outcome does not queue that outcome, the key is
// looked up once the function returns. If one is stored, the writer runs
// the function, which then finds it: neither the function's error nor its
// writes are the answer.
func TestSpeculationConfirmsOutcomes(t *testing.T) {
	s := openSpec(t, "")
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.PutIdempotency(t.Context(), outcome("k1")) }); err != nil {
		t.Fatal(err)
	}
	errMissing := errors.New("no outcome")
	// lookup runs a write that reads key's outcome and, without one, does
	// what missing does; it reports what the run that counted found.
	lookup := func(key string, missing func(tx store.Tx) error) (found bool, err error) {
		err = s.Update(t.Context(), func(tx store.Tx) error {
			_, err := tx.GetIdempotency(t.Context(), "acct_a", key)
			if found = err == nil; found {
				return nil
			}
			return missing(tx)
		})
		return found, err
	}
	fail := func(store.Tx) error { return errMissing }
	write := func(tx store.Tx) error {
		return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "x", Type: "counter", Created: 1, Data: []byte(`{"N":1}`)})
	}
	before := stats(s)
	if found, err := lookup("k1", fail); !found || err != nil {
		t.Fatalf("a failing write of stored k1: found %v, %v; want found and no error", found, err)
	}
	if found, err := lookup("k1", write); !found || err != nil {
		t.Fatalf("a write of stored k1: found %v, %v; want found and no error", found, err)
	}
	if got := since(s, before); got.Skipped != 2 {
		t.Fatalf("writes %+v; want both run by the writer", got)
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "x"})
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the write that found k1 left its object behind: %v", err)
	}
	before = stats(s)
	if found, err := lookup("k2", fail); found || !errors.Is(err, errMissing) {
		t.Fatalf("a failing write of fresh k2: found %v, %v; want its error", found, err)
	}
	if found, err := lookup("k2", write); found || err != nil {
		t.Fatalf("a write of fresh k2: found %v, %v", found, err)
	}
	if got := since(s, before); got.Failed != 1 || got.Applied != 1 || got.Skipped != 0 {
		t.Fatalf("writes %+v; want the error answered on the snapshot and the write applied as speculated", got)
	}
}

// TestSpeculationTakenID: a write's first speculation does not look whether
// the id it inserts is free; the insert fails at the writer, and the second
// speculation, which looks, answers the conflict.
func TestSpeculationTakenID(t *testing.T) {
	s := openSpec(t, "")
	putCounter(t, s, "x", 1)
	before := stats(s)
	var answers []error
	err := s.Update(t.Context(), func(tx store.Tx) error {
		err := tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "x", Type: "counter", Created: 1, Data: []byte(`{"N":9}`)})
		answers = append(answers, err)
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Update: %v, want a conflict", err)
	}
	if len(answers) != 2 || answers[0] != nil || !errors.Is(answers[1], store.ErrConflict) {
		t.Fatalf("the insert answered %v; want nil, then the conflict", answers)
	}
	if got := since(s, before); got.Stale != 1 || got.Failed != 1 {
		t.Fatalf("writes %+v; want one stale speculation and one that failed", got)
	}
	if got := getCounter(t, s, "x"); got.N != 1 {
		t.Fatalf("x is %+v after the refused insert", got)
	}
}

// TestSpeculationStaleTooOften: a write whose reads another write changes
// every time it is speculated goes to the writer after three speculations.
func TestSpeculationStaleTooOften(t *testing.T) {
	s := openSpec(t, "")
	putCounter(t, s, "x", 0)
	before := stats(s)
	calls := copyCounter(t, s, nil, func(call int) {
		if call <= 3 {
			putCounter(t, s, "x", call)
		}
	})
	got := since(s, before)
	// The three puts are speculated and applied too.
	if calls != 4 || got.Stale != 3 || got.Skipped != 1 {
		t.Fatalf("fn ran %d times, writes %+v; want three stale speculations, then the writer", calls, got)
	}
	if c := getCounter(t, s, "y"); c.N != 3 {
		t.Fatalf("copied %d, want the last put's 3", c.N)
	}
}

// TestBatchRedoneAfterHalfWrite: the writer applies a speculation without a
// savepoint of its own. When one of its statements fails after others of it
// have run (an id its first speculation did not look up is taken; an update
// through Later, which is not checked, is not at its version), the whole
// batch is rolled back and run again with a savepoint per write: the others
// of the batch, before and after it, commit with their answers, a function
// the writer runs itself runs again and commits once, and the failing write
// gets the answer the writer's run gives it and leaves nothing behind.
func TestBatchRedoneAfterHalfWrite(t *testing.T) {
	for _, c := range []struct {
		name string
		// half is the second write of the failing function.
		half func(ctx context.Context, tx store.Tx, x store.Object) error
		// redone is how many batches the failing write makes run again:
		// an update through Later fails the same way in every speculation,
		// until the writer runs the function itself.
		redone int64
	}{
		{"taken id", func(ctx context.Context, tx store.Tx, x store.Object) error {
			return tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "x", Type: "counter", Created: 1, Data: []byte(`{"N":9}`)})
		}, 1},
		{"stale update", func(ctx context.Context, tx store.Tx, x store.Object) error {
			x.Data = []byte(`{"N":9}`)
			return store.Later(tx).UpdateObject(ctx, &x)
		}, sqlite.MaxSpeculations},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kontor.db")
			s := openSpec(t, path)
			putCounter(t, s, "x", 1)
			var x store.Object
			s.View(t.Context(), func(tx store.Tx) (err error) {
				x, err = tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "x"})
				return err
			})
			x.Version-- // as read before its last update
			putCounter(t, s, "x", 2)
			before := stats(s)

			objects := map[string]*store.Object{}
			obj := func(id string) *store.Object {
				o := &store.Object{Account: "acct_a", ID: id, Type: "counter", Created: 1, Data: []byte(`{"N":1}`)}
				objects[id] = o
				return o
			}
			answers := map[string]chan error{}
			update := func(name string, fn func(tx store.Tx) error) {
				answer := make(chan error, 1)
				answers[name] = answer
				go func() { answer <- s.Update(t.Context(), fn) }()
			}
			// w0 runs in the writer (its writes are held) and holds the
			// writer until the others are queued behind it.
			entered, release := make(chan struct{}), make(chan struct{})
			w0, w0runs := obj("w0"), 0
			update("w0", func(tx store.Tx) error {
				tx.HoldWrites()
				defer tx.DropWrites()
				if w0runs++; w0runs == 1 {
					close(entered)
					<-release
				}
				if err := tx.InsertObject(t.Context(), w0); err != nil {
					return err
				}
				return tx.FlushWrites(t.Context())
			})
			<-entered
			queue := func(name string, fn func(tx store.Tx) error) {
				n := sqlite.Queued(s)
				update(name, fn)
				for sqlite.Queued(s) == n {
					select {
					case err := <-answers[name]:
						t.Fatalf("%s answered %v before the writer came to it", name, err)
					case <-time.After(time.Millisecond):
					}
				}
			}
			a, b, d := obj("a"), obj("b"), obj("d")
			ev := &store.Event{Account: "acct_a", ID: "evt_a", Type: "counter.created", ObjectID: "a", Created: 1, Data: []byte(`{}`)}
			queue("a", func(tx store.Tx) error {
				if err := tx.InsertObject(t.Context(), a); err != nil {
					return err
				}
				return store.Later(tx).InsertEvent(t.Context(), ev)
			})
			queue("b", func(tx store.Tx) error {
				if err := tx.InsertObject(t.Context(), b); err != nil {
					return err
				}
				return c.half(t.Context(), tx, x)
			})
			queue("d", func(tx store.Tx) error { return tx.InsertObject(t.Context(), d) })
			close(release)

			for _, name := range []string{"w0", "a", "d"} {
				if err := <-answers[name]; err != nil {
					t.Fatalf("write %s of the batch: %v", name, err)
				}
			}
			if err := <-answers["b"]; !errors.Is(err, store.ErrConflict) {
				t.Fatalf("the write that failed half way: %v, want a conflict", err)
			}
			st := since(s, before)
			// What the batch committed is there once, as answered, after a
			// restart too.
			s.Close()
			s = openSpec(t, path)
			err := s.View(t.Context(), func(tx store.Tx) error {
				for _, id := range []string{"w0", "a", "d"} {
					got, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: id})
					if err != nil || got.Seq != objects[id].Seq || got.Version != 1 {
						return fmt.Errorf("%s: %+v, %v; answered seq %d", id, got, err, objects[id].Seq)
					}
				}
				if got, err := tx.GetEvent(t.Context(), "acct_a", "evt_a"); err != nil || got.Seq != ev.Seq {
					return fmt.Errorf("a's event: %+v, %v; answered seq %d", got, err, ev.Seq)
				}
				if _, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "b"}); !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("the failed write's object b: %v, want not found", err)
				}
				n, err := tx.CountObjects(t.Context(), store.ListObjectsParams{Account: "acct_a", Type: "counter"})
				if err != nil || n != 4 {
					return fmt.Errorf("%d counters (%v), want x, w0, a and d", n, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := getCounter(t, s, "x"); got.N != 2 {
				t.Fatalf("x is %+v, want the last put's", got)
			}
			if got := st; got.Redone != c.redone {
				t.Fatalf("writes %+v; want %d batches run again", got, c.redone)
			}
			if w0runs != 2 {
				t.Fatalf("the writer ran w0's function %d times, want twice: once more in the batch run again", w0runs)
			}
		})
	}
}

// TestBatchGoesOnAfterFirstStatementFails: a keyed write's first
// speculation is told its key has no stored outcome, and the outcome's
// insert runs first. When one is stored, that statement fails and leaves
// nothing to undo: the batch goes on without being run again, the write
// before and after it commit, and the keyed write replays the stored
// outcome in its next speculation.
func TestBatchGoesOnAfterFirstStatementFails(t *testing.T) {
	s := openSpec(t, "")
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.PutIdempotency(t.Context(), outcome("k1")) }); err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- s.Update(t.Context(), func(tx store.Tx) error {
			tx.HoldWrites() // runs in the writer
			defer tx.DropWrites()
			select {
			case <-entered:
			default:
				close(entered)
				<-release
			}
			return nil
		})
	}()
	<-entered
	before := stats(s)
	answers := make([]chan error, 3)
	var found bool
	fns := []func(tx store.Tx) error{
		func(tx store.Tx) error {
			return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "a", Type: "counter", Created: 1, Data: []byte(`{}`)})
		},
		func(tx store.Tx) error {
			_, err := tx.GetIdempotency(t.Context(), "acct_a", "k1")
			if found = err == nil; found {
				return nil
			}
			if err := tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "b", Type: "counter", Created: 1, Data: []byte(`{}`)}); err != nil {
				return err
			}
			return store.Later(tx).PutIdempotency(t.Context(), outcome("k1"))
		},
		func(tx store.Tx) error {
			return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "c", Type: "counter", Created: 1, Data: []byte(`{}`)})
		},
	}
	for i, fn := range fns {
		answers[i] = make(chan error, 1)
		n := sqlite.Queued(s)
		go func() { answers[i] <- s.Update(t.Context(), fn) }()
		for sqlite.Queued(s) == n {
			time.Sleep(time.Millisecond)
		}
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	for i, ch := range answers {
		if err := <-ch; err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if !found {
		t.Fatal("the keyed write did not replay its stored outcome")
	}
	if got := since(s, before); got.Redone != 0 || got.Stale != 1 || got.Applied != 3 {
		t.Fatalf("writes %+v; want one stale, three applied, no batch run again", got)
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		for id, want := range map[string]error{"a": nil, "b": store.ErrNotFound, "c": nil} {
			if _, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: id}); !errors.Is(err, want) && err != want {
				return fmt.Errorf("%s: %v, want %v", id, err, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOutcomeStoredMeanwhileFailsFirst: a keyed write's speculation that
// looked its key up and found no outcome queues the outcome's insert first.
// When another write stores that key's outcome before the writer comes to
// the speculation, the insert fails as its first statement, which leaves
// nothing to undo: the write is speculated again without its batch being
// run again, and the next speculation replays the outcome.
func TestOutcomeStoredMeanwhileFailsFirst(t *testing.T) {
	s := openSpec(t, "")
	putCounter(t, s, "x", 1)
	before := stats(s)
	calls := 0
	var found bool
	err := s.Update(t.Context(), func(tx store.Tx) error {
		calls++
		_, err := tx.GetIdempotency(t.Context(), "acct_a", "k1")
		if found = err == nil; found {
			return nil
		}
		c, err := readCounter(t.Context(), tx, "x")
		if err != nil {
			return err
		}
		switch calls {
		case 1: // x changes: the first speculation is stale
			putCounter(t, s, "x", 2)
		case 2: // the second, which looked k1 up, meets its outcome at the writer
			if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.PutIdempotency(t.Context(), outcome("k1")) }); err != nil {
				return err
			}
		}
		data, _ := json.Marshal(c)
		if err := tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: fmt.Sprintf("y%d", calls), Type: "copy", Created: 1, Data: data}); err != nil {
			return err
		}
		return store.Later(tx).PutIdempotency(t.Context(), outcome("k1"))
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if !found || calls != 3 {
		t.Fatalf("found %v after %d runs, want the stored outcome found by the third", found, calls)
	}
	if got := since(s, before); got.Redone != 0 || got.Stale < 2 {
		t.Fatalf("writes %+v; want two stale speculations and no batch run again", got)
	}
	err = s.View(t.Context(), func(tx store.Tx) error {
		for _, id := range []string{"y1", "y2", "y3"} {
			if _, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: id}); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s of a speculation that did not stand: %v", id, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBesideBatchHalfWritten: what a batch beside the writer queues for the
// writer may change rows before it fails (store.InWriter here), even as
// the speculation's first step: its batch is run again, so that nothing of
// it stays written. A claim checked again only reads: when it differs, the
// speculation is stale without its batch being run again.
func TestBesideBatchHalfWritten(t *testing.T) {
	s := openSpec(t, "")
	before := stats(s)
	err := s.Update(t.Context(), func(tx store.Tx) error {
		btx, _ := store.Beside(tx)
		return store.InWriter(btx, func(w store.Tx) error {
			if err := w.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "z", Type: "counter", Created: 1, Data: []byte(`{}`)}); err != nil {
				return err
			}
			return store.ErrConflict
		})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Update: %v, want the conflict of the part run in the writer", err)
	}
	err = s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "z"})
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the object the failed part wrote: %v, want not found", err)
	}
	if got := since(s, before); got.Redone == 0 {
		t.Fatalf("writes %+v; want the batch run again", got)
	}

	timer := func(due int64) {
		if err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertTimer(t.Context(), &store.Timer{Account: "acct_a", ClockID: "clk", Due: due, Kind: "k", ObjectID: "o"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	timer(1)
	before = stats(s)
	calls := 0
	var claimed []store.Timer
	err = s.Update(t.Context(), func(tx store.Tx) error {
		calls++
		btx, _ := store.Beside(tx)
		ts, err := btx.ClaimDueTimers(t.Context(), store.ClaimTimersParams{ClockID: "clk", DueLTE: 10, Limit: 10})
		if err != nil {
			return err
		}
		claimed = ts
		if calls == 1 {
			timer(2) // the writer's claim finds two
		}
		return btx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: fmt.Sprintf("c%d", calls), Type: "counter", Created: 1, Data: []byte(`{}`)})
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if calls != 2 || len(claimed) != 2 {
		t.Fatalf("%d runs, the last claimed %d timers; want two runs, the second claiming both", calls, len(claimed))
	}
	if got := since(s, before); got.Stale != 1 || got.Redone != 0 {
		t.Fatalf("writes %+v; want one stale, no batch run again", got)
	}
}
