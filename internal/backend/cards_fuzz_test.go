package backend

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// luhnByTable is the Luhn check written another way than luhnValid: from
// the left, with the doubled digits' values read from a table.
func luhnByTable(digits string) bool {
	doubled := [10]int{0, 2, 4, 6, 8, 1, 3, 5, 7, 9}
	sum := 0
	for i := range len(digits) {
		d := int(digits[i] - '0')
		if (len(digits)-i)%2 == 0 {
			d = doubled[d]
		}
		sum += d
	}
	return sum%10 == 0
}

var brands = []string{BrandVisa, BrandMastercard, BrandAmex, BrandDiscover, BrandDiners, BrandJCB, BrandUnionPay, BrandUnknown}

// FuzzCardValidation checks the card rules against their definitions: which
// numbers are accepted (digits and spaces, 12 to 19 digits, the Luhn check,
// computed another way here), that the Luhn check catches every single-digit
// typing error, that the brand depends on the first four digits only, that
// the CVC has the brand's length, that expiry is a matter of whole months
// and monotone in time, and that no error repeats the number or the CVC.
func FuzzCardValidation(f *testing.F) {
	for _, seed := range []struct {
		number, cvc   string
		month, year   int
		nowUnixSecond int64
	}{
		{"4242424242424242", "123", 12, 2030, 1767225600},    // Visa, 2026-01-01
		{"4242 4242 4242 4242", "1234", 1, 2026, 1767225600}, // spaces; expiring this month
		{"378282246310005", "1234", 12, 2025, 1767225600},    // Amex; expired last month
		{"5555555555554444", "12a", 13, 999, 1767225600},     // Mastercard; bad CVC, month, year
		{"6011111111111117", "", 0, 2077, 1767225600},        // Discover; more than 50 years ahead
		{"4242424242424241", "123", 6, 2030, 0},              // wrong check digit
		{"4242-4242-4242-4242", "123", 6, 2030, 0},           // dashes
		{"٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢", "123", 6, 2030, 0},              // Arabic-Indic digits
		{"42424242424", "123", 6, 2030, 0},                   // 11 digits
		{"42424242424242424242", "123", 6, 2030, 0},          // 20 digits
		{"3530111333300000", "123", 2, 2031, 1767225600},     // JCB
		{"6200000000000005", "123", 2, 2031, 1767225600},     // UnionPay
	} {
		f.Add(seed.number, seed.cvc, seed.month, seed.year, seed.nowUnixSecond)
	}
	f.Fuzz(func(t *testing.T, number, cvc string, month, year int, nowUnix int64) {
		stripped := strings.ReplaceAll(number, " ", "")
		wantOK := stripped != "" && allDigits(stripped) && len(stripped) >= 12 && len(stripped) <= 19 && luhnByTable(stripped)
		digits, err := cardNumber(&number)
		if (err == nil) != wantOK {
			t.Fatalf("cardNumber(%q) = %q, %v; want accepted = %v", number, digits, err, wantOK)
		}
		if err != nil && len(stripped) >= 6 && strings.Contains(err.Error(), stripped) {
			t.Fatalf("the error for %q repeats the number: %v", number, err)
		}
		if err != nil {
			return
		}
		if digits != stripped {
			t.Fatalf("cardNumber(%q) = %q, want its digits %q", number, digits, stripped)
		}

		// Luhn detects every single-digit error.
		for i := range len(digits) {
			for d := byte('0'); d <= '9'; d++ {
				if d == digits[i] {
					continue
				}
				typo := digits[:i] + string(d) + digits[i+1:]
				if luhnValid(typo) {
					t.Fatalf("%q passes the Luhn check with digit %d changed: %q", digits, i, typo)
				}
			}
		}

		brand := cardBrand(digits)
		if !slices.Contains(brands, brand) {
			t.Fatalf("cardBrand(%q) = %q, not a known brand", digits, brand)
		}
		if prefixBrand := cardBrand(digits[:4]); prefixBrand != brand {
			t.Fatalf("cardBrand(%q) = %q but cardBrand of its first four digits = %q", digits, brand, prefixBrand)
		}

		cvcLen := 3
		if brand == BrandAmex {
			cvcLen = 4
		}
		cvcErr := checkCVC(&cvc, brand)
		if (cvcErr == nil) != (len(cvc) == cvcLen && allDigits(cvc)) {
			t.Fatalf("checkCVC(%q, %s) = %v; want accepted only with %d digits", cvc, brand, cvcErr, cvcLen)
		}
		if cvcErr != nil && len(cvc) >= 3 && strings.Contains(cvcErr.Error(), cvc) {
			t.Fatalf("the error for CVC %q repeats it: %v", cvc, cvcErr)
		}

		m, monthErr := expMonth(&month)
		y, yearErr := expYear(&year)
		if (monthErr == nil) != (month >= 1 && month <= 12) || (yearErr == nil) != (year >= 1000 && year <= 9999) {
			t.Fatalf("expMonth(%d), expYear(%d) = %v, %v", month, year, monthErr, yearErr)
		}
		if monthErr != nil || yearErr != nil {
			return
		}
		now := time.Unix(nowUnix%(400*365*24*3600), 0).UTC() // years 1570 to 2370
		expiry := y*12 + m - 1                               // months since year 0
		current := now.Year()*12 + int(now.Month()) - 1
		expiryErr := checkExpiry(m, y, now)
		wantExpiryOK := expiry >= current && y <= now.Year()+maxExpiryYears
		if (expiryErr == nil) != wantExpiryOK {
			t.Fatalf("checkExpiry(%02d/%d) at %s = %v; want accepted = %v", m, y, now.Format(time.RFC3339), expiryErr, wantExpiryOK)
		}
		// Only whole months count: a card good at some instant is good from
		// the first instant of that month.
		if expiryErr == nil {
			monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
			if err := checkExpiry(m, y, monthStart); err != nil {
				t.Fatalf("%02d/%d is good at %s but not at the start of that month: %v", m, y, now, err)
			}
		}
	})
}
