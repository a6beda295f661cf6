package engine

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestBatchReadAheadOfAChange reads a batch's objects ahead, then changes
// one of them before the batch fires: the handler first sees the row read
// ahead, the batch cannot stand, and it is fired again with the object as
// it is. One handler only reads its object, the other updates it.
func TestBatchReadAheadOfAChange(t *testing.T) {
	for _, c := range []struct {
		name    string
		changed int // the customer changed after the read ahead, -1 for none
		seen    [2][]string
		final   [2]string
	}{
		{"nothing changed", -1, [2][]string{{"orig"}, {"orig"}}, [2]string{"orig", "orig+"}},
		{"a row read only", 0, [2][]string{{"orig", "changed"}, {"orig", "orig"}}, [2]string{"changed", "orig+"}},
		{"a row updated", 1, [2][]string{{"orig", "orig"}, {"orig", "changed"}}, [2]string{"orig", "changed+"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			te := newTestEngine(t)
			seen := map[string][]string{}
			note := func(op *Op, tm *Timer) (*Customer, error) {
				cu, err := Get[Customer](op, tm.ObjectID)
				if err != nil {
					return nil, err
				}
				seen[tm.ObjectID] = append(seen[tm.ObjectID], *cu.Description)
				return cu, nil
			}
			te.HandleTimer("test.note", func(op *Op, tm *Timer) error {
				_, err := note(op, tm)
				return err
			})
			te.HandleTimer("test.append", func(op *Op, tm *Timer) error {
				cu, err := note(op, tm)
				if err != nil {
					return err
				}
				*cu.Description += "+"
				return op.save(cu)
			})
			now := te.wall.Now()
			var ids [2]string
			te.update(t, func(op *Op) error {
				for i, kind := range []string{"test.note", "test.append"} {
					cu, err := op.CreateCustomer(CustomerParams{Description: Some("orig")})
					if err != nil {
						return err
					}
					ids[i] = cu.ID
					if err := op.Schedule(now.Add(time.Duration(i-10)*time.Second), "", kind, cu.ID, nil); err != nil {
						return err
					}
				}
				return nil
			})
			ctx := context.Background()
			ahead := te.newReadAhead(ctx, "", now.UnixMilli())
			ahead.rows = ahead.read(nil)
			if n := len(ahead.rows[te.account]); n != 2 {
				t.Fatalf("%d objects read ahead, want 2", n)
			}
			if c.changed >= 0 {
				te.update(t, func(op *Op) error {
					_, err := op.UpdateCustomer(ids[c.changed], CustomerParams{Description: Some("changed")})
					return err
				})
			}
			if _, err := te.fireSome(ctx, "", now.UnixMilli(), time.Time{}, nil, ahead, nil); err != nil {
				t.Fatal(err)
			}
			for i, id := range ids {
				if !slices.Equal(seen[id], c.seen[i]) {
					t.Errorf("customer %d seen as %q, want %q", i, seen[id], c.seen[i])
				}
			}
			te.view(t, func(op *Op) error {
				for i, id := range ids {
					cu, err := Get[Customer](op, id)
					if err != nil {
						return err
					}
					if *cu.Description != c.final[i] {
						t.Errorf("customer %d: description %q, want %q", i, *cu.Description, c.final[i])
					}
				}
				return nil
			})
			if ts := te.timers(t); len(ts) != 0 {
				t.Fatalf("timers left: %s", fmt.Sprint(ts))
			}
		})
	}
}
