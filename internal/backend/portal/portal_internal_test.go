package portal

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// TestCookiesAreSecureUnlessPlainHTTPOnLoopback: the one exception to
// Secure cookies is a developer's plain-HTTP server on loopback.
func TestCookiesAreSecureUnlessPlainHTTPOnLoopback(t *testing.T) {
	for _, tc := range []struct {
		name   string
		local  net.Addr
		tls    bool
		secure bool
	}{
		{"plain HTTP on 127.0.0.1", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8787}, false, false},
		{"plain HTTP on ::1", &net.TCPAddr{IP: net.IPv6loopback, Port: 8787}, false, false},
		{"plain HTTP on a public address (behind a TLS proxy)", &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 8787}, false, true},
		{"plain HTTP on every address", &net.TCPAddr{IP: net.IPv4zero, Port: 8787}, false, true},
		{"TLS on loopback", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8443}, true, true},
		{"no listener address known", nil, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/portal/", nil)
			r.TLS = nil
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tc.local != nil {
				r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, tc.local))
			}
			if got := newCookie(r, sessionCookie, "v").Secure; got != tc.secure {
				t.Errorf("Secure = %v, want %v", got, tc.secure)
			}
		})
	}
}

func TestFormatMoneyIsExactWithSeparators(t *testing.T) {
	for m, want := range map[int64]string{
		0: "$0.00", 1_234_500_000: "$1,234.50", -3_200_000: "-$3.20", 125: "$0.000125", 1_000_000_000_000: "$1,000,000.00",
	} {
		if got := formatMoney(backendMoney(m)); got != want {
			t.Errorf("formatMoney(%d) = %q, want %q", m, got, want)
		}
	}
	for tenths, want := range map[int64]string{0: "0.0", 5: "0.5", 12345: "1,234.5", -15: "-1.5"} {
		if got := formatTenths(tenths); got != want {
			t.Errorf("formatTenths(%d) = %q, want %q", tenths, got, want)
		}
	}
}

func TestNiceScaleCoversTheHighestValueInRoundSteps(t *testing.T) {
	for _, tc := range []struct {
		highest   float64
		whole     bool
		step, top float64
	}{
		{0, true, 1, 4}, {1, true, 1, 1}, {3, true, 1, 3}, {7, true, 2, 8}, {95, true, 50, 100}, {1234, true, 500, 1500},
		{0.4, false, 0.1, 0.4}, {1, false, 0.5, 1}, {112.8, false, 50, 150},
	} {
		step, top := niceScale(tc.highest, tc.whole)
		if step != tc.step || top != tc.top {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tc.highest, step, top, tc.step, tc.top)
		}
	}
}

func backendMoney(micros int64) backend.Money { return backend.Money(micros) }
