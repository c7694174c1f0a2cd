package backend

import (
	"math"
	"strings"
	"testing"
)

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Money
	}{
		{"0", 0},
		{"0.00", 0},
		{"-0", 0},
		{"-0.00", 0},
		{"25.00", 25_000_000},
		{"25", 25_000_000},
		{"-5.5", -5_500_000},
		{"-0.50", -500_000},
		{"0.000001", 1},
		{"-0.000001", -1},
		{"0.000125", 125},
		{"12.345678", 12_345_678},
		{"007.10", 7_100_000},
		{"9223372036854.775807", math.MaxInt64},
		{"-9223372036854.775808", math.MinInt64},
		{"-9223372036854.775807", -math.MaxInt64},
	} {
		got, err := ParseMoney(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseMoneyRejects(t *testing.T) {
	for _, in := range []string{
		"", "-", "+5", "--1", ".", ".5", "-.5", "12.", "1e5", "1E5", "0x10", "1,000.00", "1 000", " 1", "1 ", "1.2.3",
		"1.1234567",                           // more than six decimals
		"NaN", "Inf", "-Inf", "٣", "１", "1.٣", // only ASCII digits
		"9223372036854.775808",  // MaxInt64 + 1 micro-unit
		"-9223372036854.775809", // MinInt64 - 1 micro-unit
		"9223372036855",
		"99999999999999999999999",
		"-" + strings.Repeat("9", 40),
	} {
		if got, err := ParseMoney(in); err == nil {
			t.Errorf("ParseMoney(%q) = %d, want an error", in, got)
		}
	}
}

func TestParseCents(t *testing.T) {
	for in, want := range map[string]Money{"120.00": 120_000_000, "-0.01": -10_000, "0.50": 500_000} {
		if got, err := ParseCents(in); err != nil || got != want {
			t.Errorf("ParseCents(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"120", "120.0", "120.000", "1.5", ".50", "1e2.00"} {
		if got, err := ParseCents(in); err == nil {
			t.Errorf("ParseCents(%q) = %d, want an error", in, got)
		}
	}
}

func TestMoneyString(t *testing.T) {
	for _, tc := range []struct {
		in   Money
		want string
	}{
		{0, "0.00"},
		{1, "0.000001"},
		{-1, "-0.000001"},
		{10_000, "0.01"},
		{500_000, "0.50"},
		{-500_000, "-0.50"},
		{-5_500_000, "-5.50"},
		{125, "0.000125"},
		{300_000_000, "300.00"},
		{12_345_678, "12.345678"},
		{12_345_600, "12.3456"},
		{math.MaxInt64, "9223372036854.775807"},
		{math.MinInt64, "-9223372036854.775808"},
	} {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("Money(%d).String() = %q, want %q", int64(tc.in), got, tc.want)
		}
	}
}

func TestMoneyAdd(t *testing.T) {
	if got, err := Money(1).Add(2); err != nil || got != 3 {
		t.Errorf("1+2 = %d, %v", got, err)
	}
	if got, err := Money(-5).Add(2); err != nil || got != -3 {
		t.Errorf("-5+2 = %d, %v", got, err)
	}
	for _, tc := range [][2]Money{{math.MaxInt64, 1}, {math.MinInt64, -1}, {math.MaxInt64 / 2, math.MaxInt64/2 + 2}} {
		if got, err := tc[0].Add(tc[1]); err == nil {
			t.Errorf("%d + %d = %d, want an overflow error", int64(tc[0]), int64(tc[1]), int64(got))
		}
	}
	if got, err := Money(math.MaxInt64).Add(math.MinInt64); err != nil || got != -1 {
		t.Errorf("MaxInt64 + MinInt64 = %d, %v; want -1", int64(got), err)
	}
}

// FuzzMoneyRoundTrip checks that every amount survives String then ParseMoney.
func FuzzMoneyRoundTrip(f *testing.F) {
	for _, v := range []int64{0, 1, -1, 999_999, 1_000_000, -1_000_001, 25_000_000, math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		s := Money(v).String()
		got, err := ParseMoney(s)
		if err != nil || got != Money(v) {
			t.Fatalf("ParseMoney(%q) = %d, %v; want %d", s, int64(got), err, v)
		}
	})
}

// TestTurnoverBounds: the turnover adds absolute amounts up to
// MaxLedgerTurnover and no further, and no amount, however extreme, wraps
// it around.
func TestTurnoverBounds(t *testing.T) {
	limit := MaxLedgerTurnover
	for _, tc := range []struct {
		turnover Money
		amounts  []Money
		want     Money
		ok       bool
	}{
		{0, nil, 0, true},
		{0, []Money{5, -7}, 12, true},
		{limit - 2, []Money{-1, 1}, limit, true},
		{limit - 1, []Money{-2}, limit - 1, false},
		{limit, []Money{1}, limit, false},
		{0, []Money{math.MinInt64}, 0, false},
		{0, []Money{math.MaxInt64}, 0, false},
		{1, []Money{limit}, 1, false},
		{limit + 1, []Money{0}, limit + 1, false},
		{-1, []Money{0}, -1, false},
	} {
		got, ok := AddTurnover(tc.turnover, tc.amounts...)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("AddTurnover(%d, %v) = %d, %v; want %d, %v", tc.turnover, tc.amounts, got, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		m      Money
		abs    Money
		within bool
	}{
		{0, 0, true}, {-5, 5, true}, {MaxAmount, MaxAmount, true}, {-MaxAmount, MaxAmount, true},
		{MaxAmount + 1, MaxAmount + 1, false}, {-MaxAmount - 1, MaxAmount + 1, false},
		{math.MinInt64, math.MaxInt64, false}, {math.MaxInt64, math.MaxInt64, false},
	} {
		if got := tc.m.Abs(); got != tc.abs {
			t.Errorf("(%d).Abs() = %d, want %d", tc.m, got, tc.abs)
		}
		if got := tc.m.WithinMaxAmount(); got != tc.within {
			t.Errorf("(%d).WithinMaxAmount() = %v, want %v", tc.m, got, tc.within)
		}
	}
	// The bounds keep every sum of a ledger, and a credit limit on top, in range.
	if _, err := limit.Add(MaxAmount); err != nil || limit > math.MaxInt64/2 {
		t.Errorf("MaxLedgerTurnover %s leaves no room for a credit limit", limit)
	}
}
