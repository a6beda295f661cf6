package engine

import "sync"

// A charge's source never changes, and rendering a charge reads it. So a
// node remembers the source of each charge it has read, and the next read of
// that charge asks for both rows in one statement (GetChargeWithSource):
// one round trip instead of two on a store across the network. A wrong or
// lost memory costs only that read; both rows come from the store, never
// from the memory.

// chargeSourcesSize bounds the charges remembered: past it the memory
// starts empty again.
const chargeSourcesSize = 1 << 16

type chargeSources struct {
	mu sync.Mutex
	m  map[[2]string]string // account, charge -> source
}

func (c *chargeSources) get(account, charge string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	src, ok := c.m[[2]string{account, charge}]
	return src, ok
}

func (c *chargeSources) put(account, charge, source string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= chargeSourcesSize {
		c.m = map[[2]string]string{}
	}
	c.m[[2]string{account, charge}] = source
}

// GetChargeWithSource is Get of a charge for a caller that reads its source
// next (to render it): when the node knows the charge's source, both rows
// are read in one statement and held for the op's reads of them.
func GetChargeWithSource(op *Op, id string) (*Charge, error) {
	if _, ok := op.rows[id]; !ok {
		if src, ok := op.e.chargeSources.get(op.account, id); ok {
			rows, err := op.tx.GetObjects(op.ctx, op.account, []string{id, src})
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				// Get and Peek still check each row's type and scope; a row
				// the op holds already may be newer, or locked.
				if _, held := op.rows[r.ID]; !held {
					op.keep(r, false)
				}
			}
		}
	}
	c, err := Get[Charge](op, id)
	if err == nil && c.Source != "" {
		op.e.chargeSources.put(op.account, id, c.Source)
	}
	return c, err
}
