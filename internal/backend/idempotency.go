package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// Idempotency (DESIGN 2.6): a POST that carries an Idempotency-Key runs at most
// once per key, account, method and path within IdempotencyWindow; a repeat
// gets the first successful answer again, byte for byte.
//
// The record of a request commits in the same transaction as the request's
// own writes (Idempotent opens that transaction, and every transaction the
// service opens while serving the request joins it as a nested one), so that
// a crash can never leave an object created without its record, or a record
// without its object.
const (
	// IdempotencyWindow is how long a successful answer is replayed.
	IdempotencyWindow = 24 * time.Hour
	// MaxIdempotencyKeyLen bounds an Idempotency-Key, in bytes.
	MaxIdempotencyKeyLen = 255
	// IdempotencyKeyParameter names the header in error sources.
	IdempotencyKeyParameter = "Idempotency-Key"
	// OperatorScope is the idempotency scope of the operator API, which has
	// no account of its own. Account ids are UUIDs, so it cannot collide.
	OperatorScope = "operator"
)

// ErrNestedRollback is wrapped by the error of a Tx.Nested whose savepoint
// could not be rolled back: the enclosing transaction is then in an unknown
// state and must be rolled back whole.
var ErrNestedRollback = errors.New("a nested transaction could not be rolled back")

// IdempotencyID identifies a request for replay.
type IdempotencyID struct {
	Scope  string // the calling account's id, or OperatorScope
	Key    string
	Method string
	Path   string
}

// IdempotencyRecord is a request and its first successful answer. Records
// are written only inside the transaction of the request they record, so a
// committed record is always complete (Status is set).
type IdempotencyRecord struct {
	IdempotencyID
	// RequestHash is the request's fingerprint (Secrets.RequestFingerprint
	// of its body without its secrets); empty for a record written before
	// fingerprints were keyed (migration 0013 erased those hashes), which
	// replays its answer to any body until it expires.
	RequestHash string
	Status      int
	ContentType string
	Location    string
	// BodySealed is the answer's body sealed with the server secret: answers
	// carry secrets shown once (a new API key), which are never stored in
	// plaintext.
	BodySealed string
	CreatedAt  time.Time
}

// IdempotentRequest is a request that carries an Idempotency-Key.
type IdempotentRequest struct {
	IdempotencyID
	Body []byte // the raw request body
	// SecretMembers are the JSON pointers (RFC 6901) of the body's
	// write-only secrets: a card number, a CVC, a password. The fingerprint
	// leaves their values out (see Idempotent).
	SecretMembers []string
}

// IdempotentResponse is an answer as it is recorded and replayed.
type IdempotentResponse struct {
	Status      int
	ContentType string
	Location    string
	Body        []byte
}

// Succeeded reports whether the answer is recorded for replay (a 2xx).
func (r *IdempotentResponse) Succeeded() bool { return r.Status >= 200 && r.Status <= 299 }

// Purging expired records: every idempotencyPurgeEvery idempotent requests,
// one short transaction after the request deletes at most
// idempotencyPurgeBatch of them, so that the table stays bounded without a
// background task and without ever running an unbounded DELETE.
const (
	idempotencyPurgeEvery = 32
	idempotencyPurgeBatch = 256
)

// idempotencyAttempts bounds the reruns after losing a race for a key to a
// concurrent request (PostgreSQL): the rerun sees the winner's record.
const idempotencyAttempts = 3

// errIdempotencyRace aborts an attempt that lost the race for a key.
var errIdempotencyRace = errors.New("idempotency key taken by a concurrent request")

// CheckIdempotencyKey refuses a key the API does not accept. Returns
// EBADREQUEST naming the header.
func CheckIdempotencyKey(key string) error {
	if len(key) > MaxIdempotencyKeyLen {
		return &Error{Kind: EBADREQUEST, Parameter: IdempotencyKeyParameter,
			Detail: "The Idempotency-Key header must be at most 255 characters long."}
	}
	return nil
}

// Idempotent runs a request that carries an Idempotency-Key at most once.
//
// Inside one write transaction it reads the record of req's id. A record
// younger than IdempotencyWindow is replayed (replayed is true, and run is
// not called) when its request body is the same, and refused with EINVALID
// (422) when it is not. Otherwise Idempotent records the request, calls run
// with a context in which every transaction of the service joins this one,
// and keeps the record when run answers 2xx (the record then commits with
// what the request wrote). A non-2xx answer is not recorded, but the
// request's own transactions that succeeded before it failed commit, as they
// would without a key; those that failed roll back alone.
//
// "The same" is judged on a fingerprint that is kept for the window, so it
// must not be a way to the secrets a body carries: it is an HMAC under the
// server secret (Secrets.RequestFingerprint) of the body with the values of
// req.SecretMembers cut out, every other byte kept. A body that differs in
// any other byte is refused; one that differs only in a secret (another card
// number, CVC or password under the same key) is replayed the first answer,
// and never runs again: telling it apart would take keeping something
// derived from the secret, which a copy of the database would then hold.
// The replayed answer shows which card or account the key made (its last
// four digits, its email), so a client that reused a key by mistake can see
// it.
//
// run may be called more than once when the store reruns a transaction (a
// serialization failure): it must start afresh each time. The returned
// answer is run's last one, available only once the transaction committed.
func (s *Service) Idempotent(ctx context.Context, req IdempotentRequest, run func(context.Context) (*IdempotentResponse, error)) (resp *IdempotentResponse, replayed bool, err error) {
	if err := CheckIdempotencyKey(req.Key); err != nil {
		return nil, false, err
	}
	hash := s.secrets.RequestFingerprint(withoutSecrets(req.Body, req.SecretMembers))
	for attempt := 1; ; attempt++ {
		resp, replayed, err = s.idempotentOnce(ctx, req.IdempotencyID, hash, run)
		if !errors.Is(err, errIdempotencyRace) || attempt == idempotencyAttempts {
			break
		}
	}
	if errors.Is(err, errIdempotencyRace) {
		err = &Error{Kind: EUNAVAILABLE, Detail: "Another request with this Idempotency-Key is in progress; retry shortly."}
	}
	if err == nil && s.idempotentRequests.Add(1)%s.idempotencyPurgeEvery() == 0 {
		s.purgeIdempotencyRecords(ctx)
	}
	return resp, replayed, err
}

func (s *Service) idempotentOnce(ctx context.Context, id IdempotencyID, hash string, run func(context.Context) (*IdempotentResponse, error)) (resp *IdempotentResponse, replayed bool, err error) {
	err = s.store.base().WriteTx(ctx, func(tx Tx) error {
		resp, replayed = nil, false
		now := s.timestamp()
		rec, err := tx.GetIdempotencyRecord(ctx, id)
		switch {
		case err == nil && now.Before(rec.CreatedAt.Add(IdempotencyWindow)):
			if rec.RequestHash != "" && rec.RequestHash != hash {
				return &Error{Kind: EINVALID, Parameter: IdempotencyKeyParameter,
					Detail: "This Idempotency-Key was already used for " + id.Method + " " + id.Path +
						" with a different request body in the last 24 hours; send a new key with a new request."}
			}
			body, err := s.secrets.Open(rec.BodySealed)
			if err != nil {
				return err
			}
			resp, replayed = &IdempotentResponse{Status: rec.Status, ContentType: rec.ContentType,
				Location: rec.Location, Body: []byte(body)}, true
			return nil
		case err == nil:
			// Expired: the key is free again.
			if err := tx.DeleteIdempotencyRecord(ctx, id); err != nil {
				return err
			}
		case ErrorKind(err) != ENOTFOUND:
			return err
		}
		rec = &IdempotencyRecord{IdempotencyID: id, RequestHash: hash, CreatedAt: now}
		if err := tx.InsertIdempotencyRecord(ctx, rec); ErrorKind(err) == ECONFLICT {
			return errIdempotencyRace
		} else if err != nil {
			return err
		}
		outer := &outerTx{tx: tx}
		answer, err := run(context.WithValue(ctx, outerTxKey{}, outer))
		if err != nil {
			return err
		}
		if outer.broken != nil {
			return outer.broken
		}
		if answer == nil {
			return Errorf(EINTERNAL, "idempotent request produced no answer")
		}
		resp = answer
		if !answer.Succeeded() {
			return tx.DeleteIdempotencyRecord(ctx, id)
		}
		rec.Status, rec.ContentType, rec.Location = answer.Status, answer.ContentType, answer.Location
		rec.BodySealed = s.secrets.Seal(string(answer.Body))
		return tx.CompleteIdempotencyRecord(ctx, rec)
	})
	if err != nil {
		return nil, false, err
	}
	return resp, replayed, nil
}

// unreadableBody stands for a body that is not one JSON value, when it may
// hold secrets: nothing of it is fingerprinted. Such a body is refused by its
// handler (400) and never recorded, and it cannot match a recorded body,
// which was JSON. A NUL byte cannot begin valid JSON, so no body stands for it.
var unreadableBody = []byte("\x00unreadable")

// withoutSecrets returns what the fingerprint of body is taken over: body
// itself when it has no secret members, otherwise body with the value of
// every member at one of the pointers (and the colon before it) replaced by
// a NUL byte, which valid JSON cannot hold, every other byte kept. Names
// match without regard to case and escapes, as loosely as any JSON decoder
// might, so that no spelling of a secret's name gets its value fingerprinted.
func withoutSecrets(body []byte, pointers []string) []byte {
	if len(pointers) == 0 {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // any number decodes, however long
	var out []byte
	var last int64 // body[:last] is in out
	var value func(pointer string) error
	value = func(pointer string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				tok, err := dec.Token()
				if err != nil {
					return err
				}
				name, _ := tok.(string) // a member name is always a string
				member := pointer + "/" + escapePointer(name)
				if !matchesPointer(member, pointers) {
					if err := value(member); err != nil {
						return err
					}
					continue
				}
				start := dec.InputOffset()
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return err
				}
				out = append(append(out, body[last:start]...), 0)
				last = dec.InputOffset()
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := value(pointer + "/" + strconv.Itoa(i)); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if err := value(""); err != nil {
		if errors.Is(err, io.EOF) && len(bytes.TrimSpace(body)) == 0 {
			return body // no body at all
		}
		return unreadableBody
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return unreadableBody // more after the value
	}
	return append(out, body[last:]...)
}

// escapePointer escapes a member name as a JSON pointer's reference token.
func escapePointer(name string) string {
	return strings.ReplaceAll(strings.ReplaceAll(name, "~", "~0"), "/", "~1")
}

func matchesPointer(pointer string, pointers []string) bool {
	for _, p := range pointers {
		if strings.EqualFold(pointer, p) {
			return true
		}
	}
	return false
}

// purgeIdempotencyRecords deletes a bounded batch of expired records. It runs
// after a request, never inside one, and a failure only delays the purge.
func (s *Service) purgeIdempotencyRecords(ctx context.Context) {
	before := s.timestamp().Add(-IdempotencyWindow)
	_ = s.store.base().WriteTx(ctx, func(tx Tx) error {
		_, err := tx.PurgeIdempotencyRecords(ctx, before, idempotencyPurgeBatch)
		return err
	})
}

func (s *Service) idempotencyPurgeEvery() uint64 {
	if n := s.purgeEvery.Load(); n > 0 {
		return n
	}
	return idempotencyPurgeEvery
}

// outerTx is the transaction of an idempotent request, which the service's
// own transactions join while they serve it.
type outerTx struct {
	tx Tx
	// broken is set when a nested transaction could not be rolled back: the
	// outer one must then not commit.
	broken error
}

type outerTxKey struct{}

// joiningStore is the store as the service sees it: outside an idempotent
// request it is the store itself; inside one, WriteTx and ReadTx run their
// function as a nested transaction of the request's (so that a failing
// WriteTx rolls back its own writes and nothing else, as it would alone).
type joiningStore struct {
	Store
}

func (j joiningStore) base() Store { return j.Store }

func (j joiningStore) WriteTx(ctx context.Context, fn func(Tx) error) error {
	if outer, ok := ctx.Value(outerTxKey{}).(*outerTx); ok {
		return outer.nested(ctx, fn)
	}
	if ctx.Value(readTxKey{}) != nil {
		// Inside ReadAs: a programming error, which would also hold one
		// connection of a pool while waiting for another.
		return Errorf(EINTERNAL, "a write transaction inside a read-only request")
	}
	return j.Store.WriteTx(ctx, fn)
}

func (j joiningStore) ReadTx(ctx context.Context, fn func(Tx) error) error {
	// A read joins too: it must see the request's own uncommitted writes, and
	// on SQLite the writer connection it would otherwise wait for is the one
	// the request holds.
	if outer, ok := ctx.Value(outerTxKey{}).(*outerTx); ok {
		return outer.nested(ctx, fn)
	}
	// Inside ReadAs, a read is part of the request's read transaction.
	if tx, ok := ctx.Value(readTxKey{}).(Tx); ok {
		return fn(tx)
	}
	return j.Store.ReadTx(ctx, fn)
}

// readTxKey holds, in the context of ReadAs's function, the read
// transaction that the service's reads join.
type readTxKey struct{}

func (o *outerTx) nested(ctx context.Context, fn func(Tx) error) error {
	if o.broken != nil {
		return o.broken
	}
	err := o.tx.Nested(ctx, fn)
	if errors.Is(err, ErrNestedRollback) {
		o.broken = err
	}
	return err
}

var _ Store = joiningStore{}
