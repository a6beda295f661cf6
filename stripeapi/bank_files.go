package stripeapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/kontorpay/kontor/engine"
)

// MaxBankFileBytes bounds an imported bank file; statements of busy
// accounts are larger than form bodies.
const MaxBankFileBytes = 32 << 20

// xmlContent is a response that is a bank file itself, not JSON.
type xmlContent []byte

func renderBankFile(f *engine.BankFile) *Obj {
	o := newObj(f.ID, "bank_file").
		Set("created", f.Created).
		Set("direction", f.Direction).
		Set("type", f.Type).
		Set("message_id", f.MessageID).
		Set("number_of_transactions", f.NumberOfTransactions).
		Set("control_sum", f.ControlSum).
		Set("status", f.Status)
	if f.Direction == engine.BankFileOutbound {
		o.Set("requested_date", f.RequestedDate)
	}
	if f.Summary != nil {
		o.Set("summary", (&Obj{}).Set("applied", f.Summary.Applied).Set("ignored", f.Summary.Ignored).Set("unmatched", f.Summary.Unmatched))
	}
	return o
}

// readXMLBody reads the raw XML body of an import: application/xml (or
// text/xml) of at most MaxBankFileBytes. The query string still carries
// parameters such as expand; the body's digest joins them so that an
// idempotency key cannot replay one file's outcome for another.
func readXMLBody(r *http.Request) (tree, []byte, error) {
	t := tree{}
	if err := parseForm(t, r.URL.RawQuery); err != nil {
		return nil, nil, badEncoding()
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/xml" && mt != "text/xml" {
		return nil, nil, engine.Invalid("invalid_content_type", "", "Invalid request: a bank file is imported as the raw XML body with Content-Type application/xml, not %q.", mt)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBankFileBytes+1))
	if err != nil {
		return nil, nil, engine.Invalid("request_body_unreadable", "", "The request body could not be read.")
	}
	if len(body) > MaxBankFileBytes {
		return nil, nil, engine.Invalid("request_body_too_large", "", "The bank file is larger than %d bytes.", MaxBankFileBytes)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, engine.Invalid("bank_file_invalid", "", "The request body is empty: send the bank file's XML.")
	}
	sum := sha256.Sum256(body)
	t["body_sha256"] = hex.EncodeToString(sum[:])
	return t, body, nil
}

func (a *API) bankFileRoutes() {
	a.handle("GET /v1/bank_files", route{specs: append(listSpecs(),
		pEnum("direction", engine.BankFileOutbound, engine.BankFileInbound), pStr("type").maxlen(35)),
		h: func(c *call, op *engine.Op) (any, error) {
			pg, err := c.page()
			if err != nil {
				return nil, err
			}
			files, more, err := op.ListBankFiles(engine.BankFileFilter{Direction: c.p.String("direction"), Type: c.p.String("type"),
				StartingAfter: pg.startingAfter, EndingBefore: pg.endingBefore, Limit: pg.limit})
			if err != nil {
				return nil, err
			}
			data := make([]*Obj, 0, len(files))
			for _, f := range files {
				data = append(data, renderBankFile(f))
			}
			return (&Obj{}).Set("object", "list").Set("data", data).Set("has_more", more).Set("url", "/v1/bank_files"), nil
		}})
	a.handle("GET /v1/bank_files/{id}", route{specs: []spec{pExpand()}, h: func(c *call, op *engine.Op) (any, error) {
		f, err := op.GetBankFile(c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return renderBankFile(f), nil
	}})
	a.handle("GET /v1/bank_files/{id}/content", route{h: func(c *call, op *engine.Op) (any, error) {
		content, err := op.BankFileContent(c.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return xmlContent(content), nil
	}})
	a.handle("POST /v1/bank_files/export", route{write: true, specs: []spec{pTime("up_to"), pEnum("format", "2019", "2009"), pExpand()},
		h: func(c *call, op *engine.Op) (any, error) {
			p := engine.ExportParams{Format: c.p.String("format")}
			if n, ok := c.p.Int("up_to"); ok {
				t := time.Unix(n, 0).UTC()
				p.UpTo = &t
			}
			files, err := op.ExportBankFiles(p)
			if err != nil {
				return nil, err
			}
			data := make([]*Obj, 0, len(files))
			for _, f := range files {
				data = append(data, renderBankFile(f))
			}
			return (&Obj{}).Set("object", "list").Set("data", data).Set("has_more", false).Set("url", "/v1/bank_files"), nil
		}})
	a.handle("POST /v1/bank_files/import", route{write: true, xmlBody: true, specs: []spec{pExpand(), pStr("body_sha256")},
		h: func(c *call, op *engine.Op) (any, error) {
			f, err := op.ImportBankFile(c.body)
			if err != nil {
				return nil, err
			}
			return renderBankFile(f), nil
		}})
}
