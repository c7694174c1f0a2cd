package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The webhook receiver is the demo's end of the backend's webhooks: it
// verifies each as a Telnyx SDK does (written here with crypto/ed25519, not
// the backend's signing code) and prints each event once.

const webhookReceiverUsage = `reference-backend webhook-receiver listens for webhooks, verifies each one's
signature as the Telnyx SDKs do (Ed25519 over "<telnyx-timestamp>|<raw body>",
the timestamp within 5 minutes of now) and prints each verified event once, as
one JSON line on standard output: {"id","event_type","occurred_at","attempt","payload"}.
Repeats of an event (the same data.id: a retry after a lost answer) are answered
200 and not printed again. A request that does not verify is answered 401 and
noted on standard error.

The public key is --public-key (base64 of 32 bytes, as TELNYX_PUBLIC_KEY), or
else it is fetched once at start from the backend at --url, through its
operator API (GET /reference/webhook_signing_key with --operator-key).

Usage:
  reference-backend webhook-receiver [--addr 127.0.0.1:8788] (--public-key KEY | --operator-key KEY [--url URL]) [--max-events N]

Flags:
`

// Limits of the webhook receiver.
const (
	webhookTolerance    = 5 * time.Minute // the SDKs' default
	maxWebhookBody      = 1 << 20
	rememberedWebhooks  = 10000 // data.ids kept to recognise repeats
	webhookFetchTimeout = 30 * time.Second
)

// receiverConfig is everything webhook-receiver is told.
type receiverConfig struct {
	addr        string
	publicKey   string // base64, as given; empty: fetched
	url         string
	operatorKey string
	maxEvents   int
}

func parseReceiverConfig(args []string, getenv func(string) string, output io.Writer) (receiverConfig, error) {
	fs := flag.NewFlagSet("reference-backend webhook-receiver", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprint(output, webhookReceiverUsage)
		fs.PrintDefaults()
	}
	var cfg receiverConfig
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8788", "address to listen on (port 0: any free port, printed on standard error)")
	fs.StringVar(&cfg.publicKey, "public-key", "", "base64 of the 32-byte Ed25519 public key that verifies the webhooks (env TELNYX_PUBLIC_KEY)")
	fs.StringVar(&cfg.url, "url", "", "root URL of the backend to fetch the key from when --public-key is not given (env REFERENCE_BACKEND_URL; default http://127.0.0.1:8787)")
	fs.StringVar(&cfg.operatorKey, "operator-key", "", "the backend's operator key, to fetch the public key (env REFERENCE_BACKEND_OPERATOR_KEY)")
	fs.IntVar(&cfg.maxEvents, "max-events", 0, "exit (status 0) once this many events have been printed; 0: run until interrupted")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	fallback := func(v *string, env, def string) {
		if *v == "" {
			*v = getenv(env)
		}
		if *v == "" {
			*v = def
		}
	}
	fallback(&cfg.publicKey, "TELNYX_PUBLIC_KEY", "")
	fallback(&cfg.url, "REFERENCE_BACKEND_URL", "http://127.0.0.1:8787")
	fallback(&cfg.operatorKey, "REFERENCE_BACKEND_OPERATOR_KEY", "")
	if cfg.maxEvents < 0 {
		return cfg, fmt.Errorf("--max-events must be 0 or more, not %d", cfg.maxEvents)
	}
	if cfg.publicKey != "" {
		if _, err := parsePublicKey(cfg.publicKey); err != nil {
			return cfg, fmt.Errorf("--public-key: %w", err)
		}
		return cfg, nil
	}
	u, err := url.Parse(cfg.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, fmt.Errorf("--url must be an http or https URL such as http://127.0.0.1:8787, not %q", cfg.url)
	}
	cfg.url = strings.TrimSuffix(cfg.url, "/")
	if cfg.operatorKey == "" {
		return cfg, errors.New("give --public-key (or TELNYX_PUBLIC_KEY), or --operator-key (or REFERENCE_BACKEND_OPERATOR_KEY) to fetch it from the backend")
	}
	return cfg, nil
}

// parsePublicKey decodes base64 of an Ed25519 public key.
func parsePublicKey(s string) (ed25519.PublicKey, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("not base64 of a %d-byte Ed25519 public key", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(key), nil
}

func (a *app) runWebhookReceiver(ctx context.Context, args []string) int {
	cfg, err := parseReceiverConfig(args, a.getenv, a.stderr)
	return runCommand(a, "webhook-receiver", err, func() error { return a.receiveWebhooks(ctx, cfg) })
}

// receiveWebhooks serves until ctx ends or --max-events events are printed.
func (a *app) receiveWebhooks(ctx context.Context, cfg receiverConfig) error {
	encoded := cfg.publicKey
	if encoded == "" {
		var err error
		if encoded, err = fetchSigningKey(ctx, cfg); err != nil {
			return err
		}
	}
	key, err := parsePublicKey(encoded)
	if err != nil {
		return fmt.Errorf("the backend's public key: %w", err)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rcv := &webhookReceiver{key: key, out: a.stdout, log: a.stderr, maxEvents: cfg.maxEvents, done: cancel, seen: map[string]bool{}}
	srv := &http.Server{Handler: rcv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	fmt.Fprintf(a.stderr, "webhook-receiver listening on http://%s\n", ln.Addr())
	if a.onListen != nil {
		a.onListen(ln.Addr().String())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// The answer to the last event printed goes out before the exit.
	shutdownCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer stop()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// fetchSigningKey asks the backend's operator API for the public key.
func fetchSigningKey(ctx context.Context, cfg receiverConfig) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, webhookFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.url+"/reference/webhook_signing_key", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+cfg.operatorKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch the public key: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxWebhookBody))
	if err != nil {
		return "", fmt.Errorf("fetch the public key: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetch the public key: GET /reference/webhook_signing_key answered %d", resp.StatusCode)
	}
	var doc struct {
		Data struct {
			PublicKey string `json:"public_key"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("fetch the public key: %w", err)
	}
	return doc.Data.PublicKey, nil
}

// webhookReceiver verifies and prints webhooks.
type webhookReceiver struct {
	key       ed25519.PublicKey
	out, log  io.Writer
	maxEvents int
	done      func() // called once maxEvents are printed

	mu      sync.Mutex
	printed int
	seen    map[string]bool
	order   []string // the ids of seen, oldest first
}

// receivedEvent is the line printed for an event.
type receivedEvent struct {
	ID         string          `json:"id"`
	EventType  string          `json:"event_type"`
	OccurredAt string          `json:"occurred_at"`
	Attempt    int             `json:"attempt"`
	Payload    json.RawMessage `json:"payload"`
}

func (r *webhookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "webhooks are POSTed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxWebhookBody))
	if err != nil {
		http.Error(w, "the body could not be read", http.StatusBadRequest)
		return
	}
	if err := verifyWebhook(r.key, req.Header, body, time.Now()); err != nil {
		fmt.Fprintf(r.log, "webhook-receiver: refused a request to %s: %v\n", req.URL.Path, err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var env struct {
		Data struct {
			EventType  string          `json:"event_type"`
			ID         string          `json:"id"`
			OccurredAt string          `json:"occurred_at"`
			Payload    json.RawMessage `json:"payload"`
		} `json:"data"`
		Meta struct {
			Attempt int `json:"attempt"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Data.ID == "" {
		fmt.Fprintf(r.log, "webhook-receiver: a signed body that is not a webhook envelope\n")
		http.Error(w, "not a webhook envelope", http.StatusBadRequest)
		return
	}
	line, err := json.Marshal(receivedEvent{
		ID: env.Data.ID, EventType: env.Data.EventType, OccurredAt: env.Data.OccurredAt, Attempt: env.Meta.Attempt, Payload: env.Data.Payload,
	})
	if err != nil {
		http.Error(w, "the payload is not JSON", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	repeat := r.seen[env.Data.ID]
	full := r.maxEvents > 0 && r.printed >= r.maxEvents
	if !repeat && !full {
		r.remember(env.Data.ID)
		r.printed++
		fmt.Fprintf(r.out, "%s\n", line)
		if r.printed == r.maxEvents {
			r.done()
		}
	}
	r.mu.Unlock()
	if repeat {
		fmt.Fprintf(r.log, "webhook-receiver: a repeat of event %s (attempt %d), not printed again\n", env.Data.ID, env.Meta.Attempt)
	}
	w.WriteHeader(http.StatusOK)
}

// remember records id, forgetting the oldest beyond rememberedWebhooks.
// Called with r.mu held.
func (r *webhookReceiver) remember(id string) {
	r.seen[id] = true
	r.order = append(r.order, id)
	if len(r.order) > rememberedWebhooks {
		delete(r.seen, r.order[0])
		r.order = r.order[1:]
	}
}

// verifyWebhook checks a webhook's signature as the Telnyx SDKs do: the
// base64 telnyx-signature-ed25519 is key's signature of telnyx-timestamp,
// "|" and the raw body, and the timestamp (Unix seconds) is within
// webhookTolerance of now.
func verifyWebhook(key ed25519.PublicKey, h http.Header, body []byte, now time.Time) error {
	timestamp, encoded := h.Get("telnyx-timestamp"), h.Get("telnyx-signature-ed25519")
	if timestamp == "" || encoded == "" {
		return errors.New("telnyx-timestamp or telnyx-signature-ed25519 is missing")
	}
	seconds, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("telnyx-timestamp is not Unix seconds")
	}
	if skew := now.Sub(time.Unix(seconds, 0)); skew > webhookTolerance || skew < -webhookTolerance {
		return fmt.Errorf("telnyx-timestamp is %s away from now, beyond %s", skew.Round(time.Second), webhookTolerance)
	}
	signature, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return errors.New("telnyx-signature-ed25519 is not base64")
	}
	msg := make([]byte, 0, len(timestamp)+1+len(body))
	msg = append(append(append(msg, timestamp...), '|'), body...)
	if !ed25519.Verify(key, msg, signature) {
		return errors.New("the signature does not verify")
	}
	return nil
}
