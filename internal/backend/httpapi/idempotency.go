package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// idempotencyKeyHeader is the request header that makes a POST idempotent.
const idempotencyKeyHeader = "Idempotency-Key"

// replayedHeader marks an answer replayed from an earlier request.
const replayedHeader = "Idempotent-Replayed"

// secretRequestMembers are, by route, the JSON pointers of the request
// body's write-only secrets: the members openapi.yaml marks writeOnly
// (TestSecretRequestMembersAreTheDocumentsWriteOnlyMembers keeps the two
// equal). The idempotency fingerprint leaves their values out, so that
// nothing derived from a card number, a CVC or a password is stored.
var secretRequestMembers = map[string][]string{
	"POST /v2/payment_methods":        {"/card/number", "/card/cvc"},
	"POST /v2/managed_accounts":       {"/password"},
	"PATCH /v2/managed_accounts/{id}": {"/password"},
	"POST /reference/accounts":        {"/password"},
}

// idempotent serves a POST that carries an Idempotency-Key through
// backend.Service.Idempotent, scoped to scope (the caller's account, or the
// operator). Other requests go straight to next. bodyLimit bounds the body
// read to fingerprint the request: the largest body any of the scope's POSTs
// accepts (each handler still applies its own limit to the same bytes).
//
// The handler writes into a buffer: its answer reaches the client only once
// the transaction that recorded it has committed, so that a client never sees
// an answer that a crash could still undo.
func (s *server) idempotent(w http.ResponseWriter, r *http.Request, scope string, bodyLimit int64, next http.HandlerFunc) {
	key := r.Header.Get(idempotencyKeyHeader)
	if r.Method != http.MethodPost || key == "" {
		next(w, r)
		return
	}
	if err := backend.CheckIdempotencyKey(key); err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, bodyLimit))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			s.writeError(w, r, &backend.Error{Kind: backend.ETOOLARGE,
				Detail: fmt.Sprintf("The request body must be at most %d bytes.", bodyLimit)})
			return
		}
		s.writeError(w, r, &backend.Error{Kind: backend.EBADREQUEST, Detail: "The request body could not be read.", Pointer: "/"})
		return
	}
	var buf *bufferedResponse
	req := backend.IdempotentRequest{
		IdempotencyID: backend.IdempotencyID{Scope: scope, Key: key, Method: r.Method, Path: r.URL.Path},
		Body:          body,
		SecretMembers: secretRequestMembers[r.Pattern],
	}
	answer, replayed, err := s.svc.Idempotent(r.Context(), req, func(ctx context.Context) (*backend.IdempotentResponse, error) {
		// A fresh buffer and body for every run: the store may rerun it.
		buf = newBufferedResponse()
		rr := r.WithContext(ctx)
		rr.Body = io.NopCloser(bytes.NewReader(body))
		next(buf, rr)
		return buf.answer(), nil
	})
	switch {
	case err != nil:
		s.writeError(w, r, err)
	case replayed:
		if s.metrics != nil {
			// What a run before the replay ingested was rolled back.
			noteUsage(r, nil)
			s.metrics.IdempotentReplay(r.Pattern)
		}
		h := w.Header()
		if answer.ContentType != "" {
			h.Set("Content-Type", answer.ContentType)
		}
		if answer.Location != "" {
			h.Set("Location", answer.Location)
		}
		h.Set(replayedHeader, "true")
		w.WriteHeader(answer.Status)
		_, _ = w.Write(answer.Body)
	default:
		buf.writeTo(w)
	}
}

// bufferedResponse is a ResponseWriter that keeps the whole answer in memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedResponse() *bufferedResponse { return &bufferedResponse{header: http.Header{}} }

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// answer is the buffered answer as the service records it.
func (b *bufferedResponse) answer() *backend.IdempotentResponse {
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	return &backend.IdempotentResponse{
		Status: status, ContentType: b.header.Get("Content-Type"), Location: b.header.Get("Location"),
		Body: bytes.Clone(b.body.Bytes()),
	}
}

// writeTo sends the buffered answer, every header included.
func (b *bufferedResponse) writeTo(w http.ResponseWriter) {
	maps.Copy(w.Header(), b.header)
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.body.Bytes())
}
