package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// previewBytes is how much of a bank file its page shows; the download has
// the whole file.
const previewBytes = 64 << 10

// fileView is a bank file's content on its page: the first previewBytes
// with IBANs masked, and the link that downloads the file as it is.
type fileView struct {
	Download  string
	Preview   string
	Truncated bool
	Size      int
}

// bankFile reads a bank file's content for its page.
func (d *Dashboard) bankFile(ctx context.Context, s *session, id string) (*fileView, error) {
	rep := d.get(ctx, s, stripeDialect, detailPath("/v1/bank_files/{id}/content", id), nil)
	if !rep.ok() {
		return nil, fmt.Errorf("get bank file %s content: %d %s", id, rep.status, rep.message())
	}
	v := &fileView{Download: Prefix + "bank_files/" + detailPath("{id}", id) + "/content", Size: len(rep.body)}
	preview := rep.body
	if len(preview) > previewBytes {
		preview, v.Truncated = preview[:previewBytes], true
		for len(preview) > 0 && !utf8.Valid(preview) { // not in the middle of a character
			preview = preview[:len(preview)-1]
		}
	}
	v.Preview = scrub(string(preview))
	return v, nil
}

// bankFileContent downloads a bank file: the XML exactly as exported or
// imported (unmasked: it is the file the bank exchanges), as an attachment.
func (d *Dashboard) bankFileContent(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	rep := d.get(r.Context(), s, stripeDialect, detailPath("/v1/bank_files/{id}/content", id), nil)
	switch {
	case rep.status == http.StatusNotFound || rep.status == http.StatusBadRequest:
		d.notFound(w, r, s, id)
		return
	case !rep.ok():
		d.failed(w, r, s, fmt.Errorf("get bank file %s content: %d %s", id, rep.status, rep.message()))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/xml; charset=utf-8")
	// The id is Kontor's own (bkf_ and letters and digits): a safe file name.
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", id+".xml"))
	w.WriteHeader(http.StatusOK)
	w.Write(rep.body)
}
