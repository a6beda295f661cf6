package stripeapi

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/kontorpay/kontor/engine"
	"github.com/kontorpay/kontor/internal/jsonpath"
	"github.com/kontorpay/kontor/store"
)

// Stripe's search query language: clauses of a field, an operator and a
// value (email:"jenny@example.com", amount>1000, metadata["order"]:"6735"),
// negated with a leading "-", joined by spaces or AND, or by OR (never both
// in one query), at most maxClauses of them.

const maxClauses = 10

// fieldKind says how a search field compares.
type fieldKind int

const (
	kindString   fieldKind = iota + 1 // exact match ignoring case, or ~ for a substring
	kindToken                         // exact match (ids, statuses, currencies)
	kindNumber                        // integers: :, >, <, >=, <=
	kindBool                          // "true" or "false"
	kindMetadata                      // metadata["key"]:"value"
)

// searchFields lists, per searchable resource, the fields a query may name.
var searchFields = map[string]map[string]fieldKind{
	"customers": {
		"created": kindNumber, "email": kindString, "metadata": kindMetadata, "name": kindString, "phone": kindString,
	},
	"charges": {
		"amount": kindNumber, "billing_details.address.postal_code": kindString, "created": kindNumber,
		"currency": kindToken, "customer": kindToken, "disputed": kindBool, "metadata": kindMetadata,
		"payment_intent": kindToken, "refunded": kindBool, "status": kindToken,
	},
	"payment_intents": {
		"amount": kindNumber, "created": kindNumber, "currency": kindToken, "customer": kindToken,
		"metadata": kindMetadata, "status": kindToken,
	},
}

// clause is one condition of a query.
type clause struct {
	negate bool
	field  string
	key    string // the metadata key, for metadata clauses
	op     string // ":", "~", ">", "<", ">=" or "<="
	value  string
	null   bool // the value is the bare word null: the field is empty
	number int64
}

// searchQuery is a parsed query: its clauses, all of which (or, with any,
// one of which) must hold.
type searchQuery struct {
	clauses []clause
	any     bool
}

const unparseable = "We were unable to parse your search query. Try using the format `metadata[\"key\"]:\"value\"` to query for metadata or `key:\"value\"` to query for other fields."

func queryError(format string, args ...any) error {
	return engine.Invalid("parameter_invalid_string", "query", format, args...)
}

// parseSearchQuery parses q for resource, checking every field against the
// resource's search fields and every operator and value against the field's kind.
func parseSearchQuery(resource, q string) (*searchQuery, error) {
	fields := searchFields[resource]
	sq := &searchQuery{}
	joined := "" // the keyword between clauses so far: "", "and" or "or"
	rest := strings.TrimSpace(q)
	if rest == "" {
		return nil, queryError(unparseable)
	}
	for rest != "" {
		if len(sq.clauses) > 0 {
			word, after, _ := strings.Cut(rest, " ")
			if w := strings.ToLower(word); w == "and" || w == "or" {
				if joined != "" && joined != w {
					return nil, queryError("%s AND and OR cannot be combined in one query.", unparseable)
				}
				joined = w
				rest = strings.TrimLeft(after, " ")
				if rest == "" {
					return nil, queryError(unparseable)
				}
			} else if joined == "" {
				joined = "and"
			} else if joined == "or" {
				return nil, queryError("%s AND and OR cannot be combined in one query.", unparseable)
			}
		}
		cl, after, err := parseClause(rest)
		if err != nil {
			return nil, err
		}
		if err := checkClause(resource, fields, &cl); err != nil {
			return nil, err
		}
		sq.clauses = append(sq.clauses, cl)
		if len(sq.clauses) > maxClauses {
			return nil, queryError("A search query can have at most %d clauses.", maxClauses)
		}
		if after != "" && after[0] != ' ' {
			return nil, queryError(unparseable)
		}
		rest = strings.TrimLeft(after, " ")
	}
	sq.any = joined == "or"
	return sq, nil
}

// parseClause reads one clause from the start of s and returns it with the rest of s.
func parseClause(s string) (clause, string, error) {
	var cl clause
	if strings.HasPrefix(s, "-") {
		cl.negate, s = true, s[1:]
	}
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] == '.' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= '0' && s[i] <= '9' && i > 0) {
		i++
	}
	if i == 0 {
		return cl, "", queryError(unparseable)
	}
	cl.field, s = s[:i], s[i:]
	if strings.HasPrefix(s, "[") {
		key, after, ok := quoted(s[1:])
		if !ok || !strings.HasPrefix(after, "]") {
			return cl, "", queryError(unparseable)
		}
		cl.key, s = key, after[1:]
	}
	for _, op := range []string{">=", "<=", ":", "~", ">", "<"} {
		if strings.HasPrefix(s, op) {
			cl.op, s = op, s[len(op):]
			break
		}
	}
	if cl.op == "" {
		return cl, "", queryError(unparseable)
	}
	if v, after, ok := quoted(s); ok {
		cl.value = v
		return cl, after, nil
	}
	end := strings.IndexByte(s, ' ')
	if end < 0 {
		end = len(s)
	}
	bare := s[:end]
	switch n, err := strconv.ParseInt(bare, 10, 64); {
	case bare == "null":
		cl.null = true
	case err == nil:
		cl.value, cl.number = bare, n
	default:
		return cl, "", queryError(unparseable)
	}
	return cl, s[end:], nil
}

// quoted reads a single- or double-quoted string (a backslash escapes the
// next character) from the start of s.
func quoted(s string) (string, string, bool) {
	if s == "" || s[0] != '"' && s[0] != '\'' {
		return "", s, false
	}
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == q:
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(c)
		}
	}
	return "", s, false
}

// checkClause holds cl against the field's kind.
func checkClause(resource string, fields map[string]fieldKind, cl *clause) error {
	kind, ok := fields[cl.field]
	if !ok || (kind == kindMetadata) != (cl.key != "" || cl.field == "metadata") {
		return queryError("Field `%s` is an unsupported search field for resource `%s`. See http://stripe.com/docs/search#query-fields-for-%s for a list of supported fields.",
			cl.field, resource, strings.ReplaceAll(resource, "_", "-"))
	}
	if kind == kindMetadata && cl.key == "" {
		return queryError(unparseable)
	}
	switch cl.op {
	case "~":
		if kind != kindString {
			return queryError("Field `%s` does not support substring matching (~).", cl.field)
		}
		if cl.null || len([]rune(cl.value)) < 3 {
			return queryError("A substring match (~) on `%s` needs a quoted value of at least 3 characters.", cl.field)
		}
	case ">", "<", ">=", "<=":
		if kind != kindNumber {
			return queryError("Field `%s` does not support the comparison %s: only numeric fields do.", cl.field, cl.op)
		}
		if cl.null || cl.value == "" {
			return queryError("The comparison %s on `%s` needs a number.", cl.op, cl.field)
		}
	}
	if kind == kindNumber && cl.op == ":" && !cl.null {
		n, err := strconv.ParseInt(cl.value, 10, 64)
		if err != nil {
			return queryError("Field `%s` is numeric: compare it with a number.", cl.field)
		}
		cl.number = n
	}
	if kind == kindBool && !cl.null && cl.value != "true" && cl.value != "false" {
		return queryError("Field `%s` is true or false.", cl.field)
	}
	return nil
}

// matches reports whether the rendered object obj satisfies q.
func (q *searchQuery) matches(resource string, obj map[string]any) bool {
	for _, cl := range q.clauses {
		ok := cl.holds(searchFields[resource][cl.field], obj) != cl.negate
		if q.any && ok {
			return true
		}
		if !q.any && !ok {
			return false
		}
	}
	return !q.any
}

func (cl clause) holds(kind fieldKind, obj map[string]any) bool {
	var v any
	if kind == kindMetadata {
		md, _ := obj["metadata"].(map[string]any)
		v = md[cl.key]
	} else {
		v = jsonpath.Lookup(obj, cl.field)
	}
	if cl.null {
		return v == nil || v == ""
	}
	switch kind {
	case kindNumber:
		f, ok := v.(float64)
		if !ok {
			return false
		}
		n := int64(f)
		switch cl.op {
		case ">":
			return n > cl.number
		case "<":
			return n < cl.number
		case ">=":
			return n >= cl.number
		case "<=":
			return n <= cl.number
		}
		return n == cl.number
	case kindBool:
		b, ok := v.(bool)
		return ok && strconv.FormatBool(b) == cl.value
	case kindString:
		s, _ := v.(string)
		if cl.op == "~" {
			return strings.Contains(strings.ToLower(s), strings.ToLower(cl.value))
		}
		return strings.EqualFold(s, cl.value)
	default:
		if m, ok := v.(map[string]any); ok {
			v = m["id"] // an expanded object compares by its id
		}
		s, _ := v.(string)
		return s == cl.value
	}
}

// searchSpecs are the parameters of every search endpoint.
func searchSpecs() []spec {
	return []spec{pStr("query").req().maxlen(5000), pInt("limit"), pStr("page").maxlen(5000), pExpand()}
}

// searchOf answers a search over the objects of type T that the list
// endpoint of the same resource shows (filter and keep are that list's),
// newest first, with Stripe's page cursor.
func searchOf[T any, PT interface {
	*T
	engine.Object
}](c *call, op *engine.Op, resource string, filter engine.Filter, keep func(PT) bool) (*Obj, error) {
	sq, err := parseSearchQuery(resource, c.p.String("query"))
	if err != nil {
		return nil, err
	}
	limit := 10
	if n, ok := c.p.Int("limit"); ok {
		if n < 1 || n > 100 {
			return nil, engine.Invalid("parameter_invalid_integer", "limit", "Invalid limit: must be between 1 and 100")
		}
		limit = int(n)
	}
	q := store.ListObjectsParams{Limit: 100}
	if page := c.p.String("page"); page != "" {
		if q.AfterSeq, err = pageCursor(page); err != nil {
			return nil, err
		}
	}
	var found []*Obj
	var lastSeq int64
	hasMore := false
scan:
	for {
		batch, err := engine.ListWhere[T, PT](op, filter, q)
		if err != nil {
			return nil, err
		}
		for _, o := range batch {
			if keep != nil && !keep(o) {
				continue
			}
			r, err := c.render(op, o)
			if err != nil {
				return nil, err
			}
			if ok, err := renderedMatches(sq, resource, r); err != nil {
				return nil, err
			} else if !ok {
				continue
			}
			if len(found) == limit {
				hasMore = true
				break scan
			}
			found, lastSeq = append(found, r), o.Seq()
		}
		if len(batch) < q.Limit {
			break
		}
		q.AfterSeq = batch[len(batch)-1].Seq()
	}
	res := &Obj{}
	res.Set("object", "search_result").Set("data", found).Set("has_more", hasMore)
	if hasMore {
		res.Set("next_page", "page_"+base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(lastSeq, 10))))
	} else {
		res.Set("next_page", nil)
	}
	res.Set("url", "/v1/"+resource+"/search")
	return res, c.expandAll(op, res)
}

// pageCursor reads a next_page token back into the position it continues from.
func pageCursor(page string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(page, "page_"))
	n, perr := strconv.ParseInt(string(raw), 10, 64)
	if !strings.HasPrefix(page, "page_") || err != nil || perr != nil || n <= 0 {
		return 0, engine.Invalid("parameter_invalid_string", "page", "Invalid page: use the next_page value of an earlier search with the same query.")
	}
	return n, nil
}

func renderedMatches(sq *searchQuery, resource string, r *Obj) (bool, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return false, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return false, err
	}
	return sq.matches(resource, m), nil
}

func (a *API) searchRoutes() {
	a.handle("GET /v1/customers/search", route{specs: searchSpecs(), h: func(c *call, op *engine.Op) (any, error) {
		return searchOf[engine.Customer](c, op, "customers", engine.CustomerFilter{Live: true}, nil)
	}})
	a.handle("GET /v1/charges/search", route{specs: searchSpecs(), h: func(c *call, op *engine.Op) (any, error) {
		return searchOf[engine.Charge](c, op, "charges", nil, nil)
	}})
	a.handle("GET /v1/payment_intents/search", route{specs: searchSpecs(), h: func(c *call, op *engine.Op) (any, error) {
		return searchOf[engine.PaymentIntent](c, op, "payment_intents", nil, nil)
	}})
}
