package dashboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kontorpay/kontor/internal/jsonpath"
)

// cell is one rendered value: text, optionally a link or a status badge.
// Templates escape every part.
type cell struct {
	Text  string
	Href  string
	Badge string // a status, styled by its value
	Mono  bool
	Title string // shown on hover: the raw value behind a formatted one
}

// decode parses a JSON document keeping numbers exact.
func decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// idPattern matches the ids of objects the dashboard can find.
var idPattern = regexp.MustCompile(`^(ch|py|cus|src|srctxn|srcmn|pm|mandate|re|pyr|dp|du|txn|pi|seti|setatt|cs|evt|we|clock|pay|act)_[A-Za-z0-9_]{6,}$`)

// isID reports whether s is the id of an object (and not a client secret,
// which shares its object's prefix).
func isID(s string) bool { return idPattern.MatchString(s) && !strings.Contains(s, "_secret_") }

// findHref links an id to the find page, which sends it on to the object's page.
func findHref(id string) string { return Prefix + "find?q=" + url.QueryEscape(id) }

// text renders any scalar JSON value as text.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return scrub(x)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, text(e))
		}
		return strings.Join(parts, ", ")
	default:
		b, _ := json.Marshal(x)
		return scrub(string(b))
	}
}

// unixTime formats unix seconds in UTC.
func unixTime(v any) (string, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return "", false
	}
	i, err := n.Int64()
	if err != nil || i <= 0 {
		return "", false
	}
	return time.Unix(i, 0).UTC().Format("2006-01-02 15:04:05 UTC"), true
}

// currencySymbols are the symbols shown before amounts; other currencies
// are shown by their code after the amount.
var currencySymbols = map[string]string{"eur": "€", "gbp": "£", "usd": "$"}

// money formats minor units of a currency: 1099 eur is "€10.99".
func money(v any, currency string) (string, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return "", false
	}
	i, err := n.Int64()
	if err != nil {
		return "", false
	}
	sign := ""
	if i < 0 {
		sign, i = "-", -i
	}
	amount := fmt.Sprintf("%d.%02d", i/100, i%100)
	cur := strings.ToLower(currency)
	if sym, ok := currencySymbols[cur]; ok {
		return sign + sym + amount, true
	}
	return strings.TrimSpace(sign + amount + " " + strings.ToUpper(cur)), true
}

// render renders the value at col.Field of obj as col asks.
func render(obj map[string]any, col column) cell {
	v := jsonpath.Lookup(obj, col.Field)
	switch col.Show {
	case showID:
		return cell{Text: text(v), Mono: true}
	case showRef:
		if s, ok := v.(string); ok && s != "" {
			return cell{Text: s, Href: findHref(s), Mono: true}
		}
		if m, ok := v.(map[string]any); ok { // an expanded reference
			if s, ok := m["id"].(string); ok {
				return cell{Text: s, Href: findHref(s), Mono: true}
			}
		}
	case showMoney:
		cur, _ := obj["currency"].(string)
		if s, ok := money(v, cur); ok {
			return cell{Text: s, Title: text(v)}
		}
	case showTime:
		if s, ok := unixTime(v); ok {
			return cell{Text: s, Title: text(v)}
		}
	case showStatus:
		if s := text(v); s != "" {
			return cell{Text: s, Badge: strings.ToLower(strings.ReplaceAll(s, " ", "_"))}
		}
	case showCount:
		if a, ok := v.([]any); ok {
			return cell{Text: strconv.Itoa(len(a))}
		}
	}
	return cell{Text: text(v)}
}

// timeFields and moneyFields name the top-level fields shown formatted on a
// detail page.
var (
	timeFields  = regexp.MustCompile(`^(created|frozen_time|available_on|deletes_after|arrival_date|expires_at|canceled_at|.*_at)$`)
	moneyFields = regexp.MustCompile(`^(amount|amount_.*|fee|net|application_fee_amount)$`)
)

// summary is one row of a detail page's field list.
type summary struct {
	Key   string
	Value cell
}

// summaryDepth is how deep summarize reaches into nested objects.
const summaryDepth = 3

// summarize returns the scalar fields of a JSON object in the order the
// dialect wrote them, nested objects' fields under dotted keys
// ("sepa_debit.last4"), formatted and with ids linked. Lists and what lies
// deeper are left to the JSON view.
func summarize(raw []byte, self string) []summary {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var cur string
	if v, err := decode(raw); err == nil {
		cur, _ = asObject(v)["currency"].(string)
	}
	var out []summary
	summarizeObject(dec, "", 1, cur, self, &out)
	return out
}

// summarizeObject reads the members of the object whose '{' dec has just
// read, appending its scalar fields to out under prefix. cur is the
// currency of the object's amounts. A nested object with an
// id of its own (an expanded reference) is shown as a link to it.
func summarizeObject(dec *json.Decoder, prefix string, depth int, cur, self string, out *[]summary) bool {
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		key := prefix + fmt.Sprint(t)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return false
		}
		v, err := decode(raw)
		if err != nil {
			return false
		}
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["id"].(string); ok && isID(id) {
				*out = append(*out, summary{Key: key, Value: summaryCell(key, id, cur, self)})
				continue
			}
			if depth >= summaryDepth {
				continue
			}
			sub := json.NewDecoder(bytes.NewReader(raw))
			sub.UseNumber()
			sub.Token() // '{'
			subCur := cur
			if c, ok := x["currency"].(string); ok {
				subCur = c
			}
			if !summarizeObject(sub, key+".", depth+1, subCur, self, out) {
				return false
			}
		case []any:
			if len(x) > 0 && scalars(x) {
				*out = append(*out, summary{Key: key, Value: cell{Text: text(x)}})
			}
		case nil:
		default:
			*out = append(*out, summary{Key: key, Value: summaryCell(key, v, cur, self)})
		}
	}
	_, err := dec.Token() // the closing '}'
	return err == nil
}

// scalars reports whether a list holds no objects or lists.
func scalars(list []any) bool {
	for _, v := range list {
		switch v.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

// summaryCell formats one field of a detail page.
func summaryCell(key string, v any, cur, self string) cell {
	name := key[strings.LastIndex(key, ".")+1:]
	c := cell{Text: text(v)}
	s, isStr := v.(string)
	switch {
	case isStr && s != self && isID(s):
		return cell{Text: s, Href: findHref(s), Mono: true}
	case key == "id":
		c.Mono = true
	case name == "status":
		c.Badge = strings.ToLower(s)
	case timeFields.MatchString(name):
		if f, ok := unixTime(v); ok {
			return cell{Text: f, Title: text(v)}
		}
	case moneyFields.MatchString(name) && cur != "":
		if f, ok := money(v, cur); ok {
			return cell{Text: f, Title: text(v)}
		}
	}
	return c
}

// pretty indents a JSON document and masks what must not be shown.
func pretty(raw []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return scrub(string(raw))
	}
	return scrub(b.String())
}

// listItems returns the objects of a list answer: a Stripe list object
// ({"data": [...], "has_more": …}) or a bare JSON array (Checkout.com).
func listItems(raw []byte) (items []map[string]any, hasMore bool) {
	var l struct {
		Data    []json.RawMessage `json:"data"`
		HasMore bool              `json:"has_more"`
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) != nil {
		if json.Unmarshal(raw, &l) != nil {
			return nil, false
		}
		arr, hasMore = l.Data, l.HasMore
	}
	for _, r := range arr {
		v, _ := decode(r)
		if m, ok := v.(map[string]any); ok {
			items = append(items, m)
		}
	}
	return items, hasMore
}
