// A webhook receiver for balance alerts: it verifies each webhook's
// signature as Telnyx signs them (Ed25519 over "<telnyx-timestamp>|<raw
// body>"), then acts on the event once per event id.
//
//	TELNYX_PUBLIC_KEY=<base64 public key> go run . -addr 127.0.0.1:8788
package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// tolerance is how old (or how far ahead) a webhook's timestamp may be: an
// older one may be a replay of a captured request.
const tolerance = 5 * time.Minute

// verify checks a webhook's signature and timestamp at now.
func verify(publicKey ed25519.PublicKey, signature, timestamp string, body []byte, now time.Time) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("malformed telnyx-signature-ed25519")
	}
	unix, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("malformed telnyx-timestamp")
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return errors.New("telnyx-timestamp is too far from now")
	}
	// The signed message is the timestamp, a "|" and the body exactly as
	// received: verify before parsing.
	msg := append([]byte(timestamp+"|"), body...)
	if !ed25519.Verify(publicKey, msg, sig) {
		return errors.New("the signature does not verify")
	}
	return nil
}

// event is the part of Telnyx's webhook envelope this receiver reads.
type event struct {
	Data struct {
		ID        string          `json:"id"`
		EventType string          `json:"event_type"`
		Payload   json.RawMessage `json:"payload"`
	} `json:"data"`
}

// receiver answers webhooks; handle is called once per event id (a retry
// after a lost answer repeats the id).
type receiver struct {
	publicKey ed25519.PublicKey
	now       func() time.Time
	handle    func(event)

	mu   sync.Mutex
	seen map[string]bool
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	err = verify(rc.publicKey, r.Header.Get("telnyx-signature-ed25519"), r.Header.Get("telnyx-timestamp"), body, rc.now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil || ev.Data.ID == "" {
		http.Error(w, "not a webhook envelope", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	repeat := rc.seen[ev.Data.ID]
	rc.seen[ev.Data.ID] = true
	rc.mu.Unlock()
	if !repeat {
		rc.handle(ev)
	}
	w.WriteHeader(http.StatusOK) // any 2xx: anything else is retried
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8788", "address to listen on")
	flag.Parse()
	key, err := base64.StdEncoding.DecodeString(os.Getenv("TELNYX_PUBLIC_KEY"))
	if err != nil || len(key) != ed25519.PublicKeySize {
		log.Fatal("TELNYX_PUBLIC_KEY must be the base64 of a 32-byte Ed25519 public key")
	}
	rc := &receiver{publicKey: key, now: time.Now, seen: map[string]bool{}, handle: func(ev event) {
		// Page someone, open a ticket, top the account up...
		log.Printf("%s %s: %s", ev.Data.EventType, ev.Data.ID, ev.Data.Payload)
	}}
	srv := &http.Server{Addr: *addr, Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
