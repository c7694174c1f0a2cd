// Package webhook sends the backend's notification webhooks over HTTP
// (backend.WebhookSender), as Telnyx sends its own: a POST of the JSON
// envelope with the headers telnyx-signature-ed25519 and telnyx-timestamp.
//
// It connects only where the destination policy allows
// (backend.CheckDestinationAddress): the host is resolved here, each of its
// addresses checked, and the connection made to a checked address itself,
// so that a name that resolves elsewhere between the check and the
// connection (DNS rebinding) cannot take a webhook to a private address.
// Redirects are not followed (a 3xx is an answer that is not 2xx) and no
// proxy is used.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Options configure a Sender.
type Options struct {
	// AllowPrivateDestinations lets webhooks reach private, link-local and
	// shared addresses (--notification-allow-private-destinations).
	AllowPrivateDestinations bool
	// RefuseLoopbackDestinations keeps webhooks from loopback addresses
	// (--notification-refuse-loopback-destinations).
	RefuseLoopbackDestinations bool
	// Resolver resolves hosts; nil is net.DefaultResolver.
	Resolver backend.Resolver
	// UserAgent is sent with every webhook.
	UserAgent string
}

// Headers of a webhook, as Telnyx names them.
const (
	SignatureHeader = "telnyx-signature-ed25519"
	TimestampHeader = "telnyx-timestamp"
)

// maxAnswerBytes is how much of a receiver's answer is read (and dropped),
// so that the connection can be reused.
const maxAnswerBytes = 64 << 10

// Sender sends webhooks.
type Sender struct {
	client   *http.Client
	opts     Options
	resolver backend.Resolver
	dialer   *net.Dialer
}

var _ backend.WebhookSender = (*Sender)(nil)

// New returns a Sender.
func New(o Options) *Sender {
	s := &Sender{opts: o, resolver: o.Resolver, dialer: &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}}
	if s.resolver == nil {
		s.resolver = net.DefaultResolver
	}
	s.client = &http.Client{
		Transport: &http.Transport{
			Proxy:               nil, // a proxy would connect where the policy cannot see
			DialContext:         s.dial,
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        32,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
			// No ResponseHeaderTimeout: each attempt's context
			// (--notification-timeout) bounds the whole attempt.
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s
}

// dial connects to the first address of addr's host that the policy allows
// and that answers.
func (s *Sender) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("invalid port %q", portText)
	}
	var addrs []netip.Addr
	ip, err := netip.ParseAddr(host)
	literal := err == nil
	if literal {
		addrs = []netip.Addr{ip}
	} else if addrs, err = s.resolver.LookupNetIP(ctx, "ip", host); err != nil {
		return nil, lookupError(host, err)
	}
	var refused, failed error
	for _, ip := range addrs {
		if err := backend.CheckDestinationAddress(ip, backend.DestinationPolicy{
			AllowPrivate: s.opts.AllowPrivateDestinations, RefuseLoopback: s.opts.RefuseLoopbackDestinations,
		}); err != nil {
			refused = err
			continue
		}
		conn, err := s.dialer.DialContext(ctx, network, netip.AddrPortFrom(ip.Unmap(), uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		failed = err
	}
	var destErr *backend.DestinationError
	switch {
	case failed != nil:
		return nil, dialError(failed)
	case refused != nil && !literal && errors.As(refused, &destErr):
		return nil, fmt.Errorf("destination refused: %s", destErr.ForName(host))
	case refused != nil:
		return nil, fmt.Errorf("destination refused: %w", refused)
	}
	return nil, fmt.Errorf("%s has no address", host)
}

// An attempt's error is shown to the account whose channel it is (the
// portal's notifications page), so it never names an address the backend
// resolved or connected to, nor its DNS server: the account would learn
// what its names resolve to inside the operator's network. What failed is
// kept (a refused connection, a timeout, a name that does not resolve).

// lookupError is a failed resolution of host, without the DNS server.
func lookupError(host string, err error) error {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("lookup %s: %s", host, dnsErr.Err)
	}
	return fmt.Errorf("lookup %s failed", host)
}

// dialError is a failed connection, without the address it was made to.
func dialError(err error) error {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return fmt.Errorf("%s: %w", opErr.Op, opErr.Err)
	}
	return err
}

// Send posts a webhook and answers the receiver's status. Its errors never
// repeat the URL, which may carry a token of the receiver's.
func (s *Sender) Send(ctx context.Context, req backend.WebhookRequest) (int, error) {
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return 0, errors.New("the destination is not a valid URL")
	}
	httpReq.Header.Set("Content-Type", "application/json")
	httpReq.Header.Set(SignatureHeader, req.Signature)
	httpReq.Header.Set(TimestampHeader, req.Timestamp)
	if s.opts.UserAgent != "" {
		httpReq.Header.Set("User-Agent", s.opts.UserAgent)
	}
	resp, err := s.client.Do(httpReq)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
	return resp.StatusCode, nil
}
