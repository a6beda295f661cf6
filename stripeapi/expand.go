package stripeapi

import (
	"errors"
	"strings"

	"github.com/kontorpay/kontor/engine"
)

// maxExpandDepth is how many levels one expand path may reach, as at Stripe.
const maxExpandDepth = 4

func checkExpandDepth(paths []string) error {
	for i, p := range paths {
		if strings.Count(p, ".")+1 > maxExpandDepth {
			return engine.Invalid("expansion_too_deep", "expand["+itoa(i)+"]",
				"You cannot expand more than %d levels of a property. Property: %s", maxExpandDepth, p)
		}
	}
	return nil
}

// renderer renders one engine object type as a Stripe object.
type renderer func(c *call, op *engine.Op, o engine.Object) (*Obj, error)

// virtualField computes a field that appears only when expanded (customer.sources, charge.refunds).
type virtualField func(c *call, op *engine.Op, o *Obj) (any, error)

var (
	renderers  = map[string]renderer{}
	expandable = map[string]map[string]bool{} // Stripe object name -> fields holding expandable ids
	virtuals   = map[string]map[string]virtualField{}
)

func registerRenderer(engineType string, r renderer) { renderers[engineType] = r }

func registerExpandable(object string, fields ...string) {
	if expandable[object] == nil {
		expandable[object] = map[string]bool{}
	}
	for _, f := range fields {
		expandable[object][f] = true
	}
}

func registerVirtual(object, field string, f virtualField) {
	if virtuals[object] == nil {
		virtuals[object] = map[string]virtualField{}
	}
	virtuals[object][field] = f
}

// render renders an engine object without expansions.
func (c *call) render(op *engine.Op, o engine.Object) (*Obj, error) {
	r, ok := renderers[o.ObjectType()]
	if !ok {
		return nil, errors.New("stripeapi: no renderer for " + o.ObjectType())
	}
	obj, err := r(c, op, o)
	if err != nil {
		return nil, err
	}
	return obj, c.inVersion(op, obj)
}

// renderExpanded renders o and applies the request's expand[] paths.
func (c *call) renderExpanded(op *engine.Op, o engine.Object) (*Obj, error) {
	obj, err := c.render(op, o)
	if err != nil {
		return nil, err
	}
	return obj, c.expandAll(op, obj)
}

func (c *call) expandAll(op *engine.Op, obj *Obj) error {
	for i, p := range c.expand {
		if err := c.expandPath(op, obj, strings.Split(p, "."), "expand["+itoa(i)+"]", p); err != nil {
			return err
		}
	}
	return nil
}

// expandPath replaces, along path, ids by the objects they name.
func (c *call) expandPath(op *engine.Op, node *Obj, path []string, param, full string) error {
	if len(path) == 0 || node == nil {
		return nil
	}
	field := path[0]
	if node.Type() == "list" && field == "data" {
		items, _ := node.Get("data")
		for _, it := range asObjs(items) {
			if err := c.expandPath(op, it, path[1:], param, full); err != nil {
				return err
			}
		}
		return nil
	}
	cur, present := node.Get(field)
	if v, ok := virtuals[node.Type()][field]; ok {
		if _, done := cur.(*Obj); !done {
			val, err := v(c, op, node)
			if err != nil {
				return err
			}
			node.Set(field, val)
			cur, present = val, true
		}
	} else if !expandable[node.Type()][field] {
		if !present {
			return engine.Invalid("invalid_expand", param, "This property cannot be expanded (%s). You may want to try expanding 'data.%s' instead.", field, field)
		}
		if _, isObj := cur.(*Obj); !isObj {
			return engine.Invalid("invalid_expand", param, "This property cannot be expanded (%s).", full)
		}
	}
	switch v := cur.(type) {
	case string:
		o, err := op.GetAny(v)
		if err != nil {
			// A dangling id stays an id, as Stripe leaves deleted objects unexpanded.
			return nil
		}
		obj, err := c.render(op, o)
		if err != nil {
			return err
		}
		node.Set(field, obj)
		return c.expandPath(op, obj, path[1:], param, full)
	case *Obj:
		return c.expandPath(op, v, path[1:], param, full)
	}
	return nil
}

func asObjs(v any) []*Obj {
	switch x := v.(type) {
	case []*Obj:
		return x
	case []any:
		var out []*Obj
		for _, it := range x {
			if o, ok := it.(*Obj); ok {
				out = append(out, o)
			}
		}
		return out
	}
	return nil
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
