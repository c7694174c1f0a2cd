package portal

import (
	"strconv"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Formatting for the pages: money exactly as the ledger holds it (never
// through a float), counts with thousands separators, dates in UTC.

// formatMoney renders an amount in dollars with thousands separators and at
// least two decimals: "$1,234.50", "-$3.20", "$0.000125".
func formatMoney(m backend.Money) string {
	s := m.String()
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	return sign + "$" + groupDigits(whole) + "." + frac
}

// formatCount renders an integer with thousands separators.
func formatCount(n int64) string {
	if n < 0 {
		return "-" + groupDigits(strconv.FormatUint(uint64(-(n+1))+1, 10)) //nolint:gosec // G115: -(n+1) >= 0
	}
	return groupDigits(strconv.FormatInt(n, 10))
}

// formatTenths renders a quantity given in tenths with one decimal:
// 12345 is "1,234.5".
func formatTenths(tenths int64) string {
	if tenths < 0 {
		return "-" + formatTenths(-tenths)
	}
	return formatCount(tenths/10) + "." + strconv.FormatInt(tenths%10, 10)
}

// groupDigits puts a comma between each group of three digits.
func groupDigits(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(digits[:first])
	for i := first; i < len(digits); i += 3 {
		b.WriteByte(',')
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// roundedDiv divides n by d (d > 0), rounding half away from zero.
func roundedDiv(n, d int64) int64 {
	if n < 0 {
		return -roundedDiv(-n, d)
	}
	return (n + d/2) / d
}

// formatDate renders a time's UTC date: "14 Mar 2025".
func formatDate(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

// formatDateTime renders a time in UTC to the minute: "14 Mar 2025, 15:09 UTC".
func formatDateTime(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") }

// formatOptionalDateTime renders a time, or "Never" when there is none.
func formatOptionalDateTime(t *time.Time) string {
	if t == nil {
		return "Never"
	}
	return formatDateTime(*t)
}

// formatMonth renders a "2006-01" month as "March 2025".
func formatMonth(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return t.Format("January 2006")
}
