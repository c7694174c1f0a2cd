package backend

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Money is an exact amount in micro-units (millionths) of the currency, so that
// sub-cent rates add up without rounding. It is never converted to a float.
type Money int64

// MicrosPerUnit is the number of micro-units in one currency unit.
const MicrosPerUnit = 1_000_000

// Currency is the only currency the reference backend keeps accounts in.
const Currency = "USD"

// Exactly which decimal strings are amounts: an optional sign, digits, and up to
// six decimals. No exponent, no spaces, no thousands separators.
var errBadAmount = errors.New("not a decimal amount")

// ParseMoney parses a decimal string such as "25.00", "-5.5" or "0.000125".
func ParseMoney(s string) (Money, error) {
	neg := false
	body := s
	if strings.HasPrefix(body, "-") {
		neg = true
		body = body[1:]
	}
	whole, frac, hasDot := strings.Cut(body, ".")
	if whole == "" || !allDigits(whole) || (hasDot && (frac == "" || !allDigits(frac))) {
		return 0, errBadAmount
	}
	if len(frac) > 6 {
		return 0, errors.New("more than six decimal places")
	}
	// Every int64 is an amount, so that whatever String renders parses back:
	// up to MaxInt64 micro-units, or 2^63 of them below zero.
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	units, err := strconv.ParseUint(whole, 10, 64)
	if err != nil || units > limit/MicrosPerUnit {
		return 0, errors.New("amount out of range")
	}
	micros := uint64(0)
	if frac != "" {
		micros, _ = strconv.ParseUint(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
	}
	v := units*MicrosPerUnit + micros // no wrap: units <= limit/MicrosPerUnit
	if v > limit {
		return 0, errors.New("amount out of range")
	}
	if neg && v == limit {
		return math.MinInt64, nil // 2^63, which has no positive int64 to negate
	}
	m := Money(v) //nolint:gosec // G115: v <= MaxInt64 here, checked above
	if neg {
		m = -m
	}
	return m, nil
}

// ParseCents parses an amount that has exactly two decimals ("120.00"), the form
// the Telnyx API asks for where money is paid in.
func ParseCents(s string) (Money, error) {
	if i := strings.IndexByte(s, '.'); i < 0 || len(s)-i-1 != 2 {
		return 0, errors.New("amount must include dollars and cents")
	}
	return ParseMoney(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String renders the amount with at least two decimals and as many more as are
// needed to be exact: "300.00", "-5.50", "0.000125".
func (m Money) String() string {
	v := int64(m)
	sign := ""
	if v < 0 {
		sign = "-"
	}
	u := uint64(v) //nolint:gosec // G115: v >= 0 unless replaced just below
	if v < 0 {
		u = uint64(-(v + 1)) + 1 //nolint:gosec // G115: -(v+1) >= 0, and safe for MinInt64
	}
	whole := u / MicrosPerUnit
	frac := strconv.FormatUint(u%MicrosPerUnit+MicrosPerUnit, 10)[1:] // zero-padded to 6
	frac = strings.TrimRight(frac, "0")
	for len(frac) < 2 {
		frac += "0"
	}
	return sign + strconv.FormatUint(whole, 10) + "." + frac
}

// Add returns m+o, or an error when the sum would overflow.
func (m Money) Add(o Money) (Money, error) {
	s := m + o
	if (o > 0 && s < m) || (o < 0 && s > m) {
		return 0, errors.New("amount overflow")
	}
	return s, nil
}
