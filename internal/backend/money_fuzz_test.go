package backend

import (
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

// decimalAmount is the grammar ParseMoney documents: an optional minus, digits,
// and up to six decimals.
var decimalAmount = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,6})?$`)

// exactValue is s as an exact rational, read by math/big (never a float).
func exactValue(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("big.Rat cannot read %q", s)
	}
	return r
}

// micros is m as an exact rational number of currency units.
func micros(m Money) *big.Rat {
	return new(big.Rat).SetFrac(big.NewInt(int64(m)), big.NewInt(MicrosPerUnit))
}

var (
	minMoney = micros(math.MinInt64)
	maxMoney = micros(math.MaxInt64)
)

// FuzzParseMoney checks ParseMoney against an independent reading of the
// same string (a regular expression for the grammar, math/big for the
// value), String against ParseMoney (it renders what parses back to the same
// amount, with two to six decimals), ParseCents against the two, and Add
// against big-integer addition.
func FuzzParseMoney(f *testing.F) {
	for _, seed := range [][2]string{
		{"25.00", "-5.5"}, {"0.000125", "0"}, {"-0.00", "1"}, {"9223372036854.775807", "0.000001"},
		{"-9223372036854.775808", "-0.000001"}, {"9223372036854.775808", "1"}, {"1e3", "+1"}, {" 1.00", "1.0000000"},
		{"1.", ".5"}, {"00012.340", "-00.10"}, {"１２", "--1"}, {"120.00", "120.001"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, s, other string) {
		m, err := ParseMoney(s)
		inGrammar := decimalAmount.MatchString(s)
		inRange := inGrammar && exactValue(t, s).Cmp(minMoney) >= 0 && exactValue(t, s).Cmp(maxMoney) <= 0
		if (err == nil) != inRange {
			t.Fatalf("ParseMoney(%q) = %v, %v; the grammar says %v, the range says %v", s, m, err, inGrammar, inRange)
		}
		if err != nil {
			if _, cents := ParseCents(s); cents == nil {
				t.Fatalf("ParseCents(%q) accepted what ParseMoney refuses", s)
			}
			return
		}
		if micros(m).Cmp(exactValue(t, s)) != 0 {
			t.Fatalf("ParseMoney(%q) = %d micro-units, not the string's value", s, m)
		}

		rendered := m.String()
		if !decimalAmount.MatchString(rendered) {
			t.Fatalf("%q renders as %q, outside the grammar", s, rendered)
		}
		_, frac, _ := strings.Cut(rendered, ".")
		if len(frac) < 2 || len(frac) > 6 || (len(frac) > 2 && strings.HasSuffix(frac, "0")) {
			t.Fatalf("%q renders as %q: want 2 decimals, or up to 6 without trailing zeros", s, rendered)
		}
		if again, err := ParseMoney(rendered); err != nil || again != m {
			t.Fatalf("%q renders as %q, which parses to %v, %v", s, rendered, again, err)
		}

		cents, err := ParseCents(s)
		twoDecimals := strings.Contains(s, ".") && len(s)-strings.IndexByte(s, '.') == 3
		if (err == nil) != twoDecimals || (err == nil && cents != m) {
			t.Fatalf("ParseCents(%q) = %v, %v; want %v only with exactly two decimals", s, cents, err, m)
		}

		o, err := ParseMoney(other)
		if err != nil {
			return
		}
		sum, err := m.Add(o)
		exact := new(big.Int).Add(big.NewInt(int64(m)), big.NewInt(int64(o)))
		if exact.IsInt64() != (err == nil) || (err == nil && int64(sum) != exact.Int64()) {
			t.Fatalf("%v + %v = %v, %v; exactly %v", m, o, sum, err, exact)
		}
	})
}
