package backend

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Where notifications may go (DESIGN 3.8). A webhook is a request that the
// backend makes on a customer's behalf, to an address the customer chose:
// without a rule, a channel could make the backend reach what only it can
// reach (a cloud's metadata service, a database on the private network).
// So a webhook's address must be public or loopback; private and
// link-local ones need the operator's consent
// (--notification-allow-private-destinations); addresses that are never a
// host's (unspecified, multicast, broadcast, reserved) are always refused.
// The rule is checked when a channel is created or changed (on the name's
// addresses when it resolves), and again on the address each delivery
// connects to, after its own resolution (package webhook), so that a name
// that resolves elsewhere later (DNS rebinding) is caught where it matters.

// Resolver looks up a host's addresses, as net.Resolver does.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// NotificationOptions configure where notifications may go.
type NotificationOptions struct {
	// AllowPrivateDestinations lets webhooks reach private, link-local and
	// shared (carrier-grade NAT) addresses.
	AllowPrivateDestinations bool
	// RefuseLoopbackDestinations keeps webhooks from loopback addresses,
	// which are allowed by default (tests, demos): any account could
	// otherwise have the backend POST to a port of its own host.
	RefuseLoopbackDestinations bool
	// Resolver resolves a webhook's host when its channel is written; nil
	// is net.DefaultResolver.
	Resolver Resolver
}

// SetNotificationOptions replaces the notification options; the zero value
// is the default (no private destinations, the system's resolver).
func (s *Service) SetNotificationOptions(o NotificationOptions) { s.notifications.opts.Store(&o) }

// DestinationPolicy is the operator's consent that the destination rule
// asks for.
type DestinationPolicy struct {
	// AllowPrivate lets webhooks reach private and link-local addresses.
	AllowPrivate bool
	// RefuseLoopback keeps them from loopback addresses.
	RefuseLoopback bool
}

func (o NotificationOptions) policy() DestinationPolicy {
	return DestinationPolicy{AllowPrivate: o.AllowPrivateDestinations, RefuseLoopback: o.RefuseLoopbackDestinations}
}

func (s *Service) notificationOptions() NotificationOptions {
	if o := s.notifications.opts.Load(); o != nil {
		return *o
	}
	return NotificationOptions{}
}

var (
	// alwaysRefused are ranges that no webhook may reach, whatever the flag.
	alwaysRefused = mustPrefixes("0.0.0.0/8", "240.0.0.0/4", "255.255.255.255/32")
	// privateRanges need --notification-allow-private-destinations, beside
	// netip's IsPrivate and IsLinkLocalUnicast: shared address space
	// (RFC 6598) and benchmarking (RFC 2544).
	privateRanges = mustPrefixes("100.64.0.0/10", "198.18.0.0/15")
	// nat64 embeds an IPv4 address in its last 32 bits (RFC 6052).
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
)

func mustPrefixes(cidrs ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

// CheckDestinationAddress tells whether a webhook may reach addr: nil when
// it may, a *DestinationError saying why not otherwise.
func CheckDestinationAddress(addr netip.Addr, p DestinationPolicy) error {
	addr = addr.Unmap()
	if addr.Is6() && nat64.Contains(addr) {
		b := addr.As16()
		addr = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	switch {
	case !addr.IsValid():
		return &DestinationError{Addr: addr}
	case addr.IsLoopback():
		if p.RefuseLoopback {
			return &DestinationError{Addr: addr, Loopback: true}
		}
		return nil
	case addr.IsUnspecified() || addr.IsMulticast() || addr.IsInterfaceLocalMulticast() || inAny(addr, alwaysRefused):
		return &DestinationError{Addr: addr}
	case addr.IsPrivate() || addr.IsLinkLocalUnicast() || inAny(addr, privateRanges):
		if p.AllowPrivate {
			return nil
		}
		return &DestinationError{Addr: addr, Private: true}
	}
	return nil
}

// DestinationError is an address the destination policy refuses.
type DestinationError struct {
	Addr netip.Addr
	// Private: the address is private or link-local, which the operator
	// may allow; otherwise it is never a host's.
	Private bool
	// Loopback: the address is loopback, which the operator refused.
	Loopback bool
}

func (e *DestinationError) Error() string { return e.Addr.String() + " is " + e.what() }

// ForName says why host, a name, is refused, without the address it
// resolved to: the account that chose the name sees this, and the backend
// must not answer DNS questions about the operator's network.
func (e *DestinationError) ForName(host string) string {
	return host + " resolves to " + e.what()
}

func (e *DestinationError) what() string {
	if e.Loopback {
		return "a loopback address, which this server does not send webhooks to (--notification-refuse-loopback-destinations)"
	}
	if e.Private {
		return "a private or link-local address, which webhooks may reach only when the server is started " +
			"with --notification-allow-private-destinations"
	}
	return "an address a webhook cannot be delivered to"
}

func inAny(addr netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Limits of notification channels.
const (
	maxDestinationLen = 2048
	// destinationLookupTimeout bounds the resolution of a webhook's host
	// when its channel is written.
	destinationLookupTimeout = 3 * time.Second
)

// e164 is a phone number in E.164 form: a plus and 8 to 15 digits.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// validateDestination checks a channel's destination for its type and
// returns it as stored. pointer is the destination's field.
func (s *Service) validateDestination(ctx context.Context, pointer string, t ChannelType, destination string) (string, error) {
	if len(destination) > maxDestinationLen {
		return "", InvalidField(pointer, "channel_destination must be at most %d bytes.", maxDestinationLen)
	}
	switch t {
	case ChannelEmail:
		e, err := ValidateEmail(pointer, destination)
		if err != nil {
			return "", InvalidField(pointer, "An email channel's channel_destination must be an email address such as ops@example.com.")
		}
		return e, nil
	case ChannelSMS:
		if !e164.MatchString(destination) {
			return "", InvalidField(pointer, "An sms channel's channel_destination must be a phone number in E.164 form, such as +13125550000.")
		}
		return destination, nil
	case ChannelWebhook:
		return destination, s.checkWebhookURL(ctx, pointer, destination)
	}
	return "", InvalidField("/channel_type_id", "channel_type_id %q cannot be used.", t)
}

// checkWebhookURL checks a webhook channel's URL: absolute http or https,
// with a host, without credentials or a fragment, to an address the policy
// allows. A name that does not resolve now is accepted: every delivery
// checks the addresses it connects to.
func (s *Service) checkWebhookURL(ctx context.Context, pointer, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return InvalidField(pointer, "A webhook channel's channel_destination must be an absolute http or https URL, such as https://example.com/hooks.")
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return InvalidField(pointer, "A webhook channel's channel_destination must be an http or https URL, not %s.", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return InvalidField(pointer, "A webhook channel's channel_destination must name a host.")
	}
	if u.User != nil {
		return InvalidField(pointer, "A webhook channel's channel_destination must not carry credentials (user:password@): they would be kept and shown in the clear.")
	}
	if u.Fragment != "" || strings.HasSuffix(raw, "#") {
		return InvalidField(pointer, "A webhook channel's channel_destination must not have a fragment (#…).")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return InvalidField(pointer, "A webhook channel's channel_destination has an invalid port %q.", port)
		}
	}
	opts := s.notificationOptions()
	host := u.Hostname()
	if addr, err := netip.ParseAddr(host); err == nil {
		if err := CheckDestinationAddress(addr, opts.policy()); err != nil {
			return InvalidField(pointer, "This webhook URL cannot be used: %v.", err)
		}
		return nil
	}
	resolver := opts.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	lookupCtx, cancel := context.WithTimeout(ctx, destinationLookupTimeout)
	defer cancel()
	addrs, err := resolver.LookupNetIP(lookupCtx, "ip", host)
	if err != nil {
		return nil //nolint:nilerr // an unresolvable name is checked again at delivery, on the addresses it then has
	}
	for _, addr := range addrs {
		var refused *DestinationError
		if err := CheckDestinationAddress(addr, opts.policy()); errors.As(err, &refused) {
			return InvalidField(pointer, "This webhook URL cannot be used: %s.", refused.ForName(host))
		}
	}
	return nil
}
