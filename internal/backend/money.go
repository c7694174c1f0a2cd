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

// Bounds on money, so that every sum the backend computes fits in Money.
//
// Every sum a read makes of one ledger (the balance, what is pending, an
// invoice's lines, total, credits and settled balance) adds up some of the
// ledger's entries, in whatever order the database takes them (SQLite fails
// on an overflow midway), perhaps negated, and at most one credit limit on
// top. Such a sum is never further from zero than the ledger's turnover (the
// sum of its entries' absolute amounts) plus MaxAmount. Writes keep the
// turnover within MaxLedgerTurnover, checked in the write transaction with
// the ledger's current sums, so that no sum can exceed 10^18 + 10^15
// micro-units, well inside the 9.2 × 10^18 of an int64.
const (
	// MaxAmount bounds the absolute value of one amount an operator sets:
	// an adjustment and a credit limit (1,000,000,000.00).
	MaxAmount Money = 1_000_000_000 * MicrosPerUnit
	// MaxLedgerTurnover bounds the sum of the absolute amounts of all the
	// entries of one ledger, over its life (1,000,000,000,000.00): a
	// write that would take a ledger past it is refused.
	MaxLedgerTurnover Money = 1_000_000_000_000 * MicrosPerUnit
)

// Abs returns |m|. Every amount within MaxLedgerTurnover has one; the one
// amount without (math.MinInt64) comes back as MaxInt64, which no bound lets
// through.
func (m Money) Abs() Money {
	switch {
	case m == math.MinInt64:
		return math.MaxInt64
	case m < 0:
		return -m
	}
	return m
}

// WithinMaxAmount reports whether |m| ≤ MaxAmount.
func (m Money) WithinMaxAmount() bool { return m >= -MaxAmount && m <= MaxAmount }

// AddTurnover returns the turnover of a ledger after entries of amounts
// are posted to it, and false when that would exceed MaxLedgerTurnover.
func AddTurnover(turnover Money, amounts ...Money) (Money, bool) {
	for _, a := range amounts {
		// Both terms are within 0..MaxInt64 and the first within the
		// bound: the test cannot overflow.
		abs := a.Abs()
		if turnover < 0 || turnover > MaxLedgerTurnover || abs > MaxLedgerTurnover-turnover {
			return turnover, false
		}
		turnover += abs
	}
	return turnover, true
}
