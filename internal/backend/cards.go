package backend

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Card rules (DESIGN 2.2). Every error here points at the field at fault and
// never repeats the number or the CVC it was given.

// declinedTestCard is the public test number that is declined on charge.
// Only the fact that a card is this one is kept (PaymentMethod.Declines).
const declinedTestCard = "4000000000000002"

// Limits on payment methods and their fields.
const (
	MaxPaymentMethodsPerAccount = 20
	minCardDigits               = 12
	maxCardDigits               = 19
	maxPostalCodeLen            = 16
	// maxExpiryYears bounds how far ahead a card may expire: a year further
	// out is a typing mistake, not a card.
	maxExpiryYears = 50
)

// cardNumber checks a card number and returns its digits: spaces are
// allowed (and dropped), anything else but digits is refused, and the
// digits must be 12 to 19 long and pass the Luhn check.
func cardNumber(number *string) (string, error) {
	const pointer = "/card/number"
	if number == nil {
		return "", InvalidField(pointer, "card.number is required.")
	}
	digits := strings.ReplaceAll(*number, " ", "")
	if digits == "" {
		return "", InvalidField(pointer, "card.number must not be blank.")
	}
	if !allDigits(digits) {
		return "", InvalidField(pointer, "card.number must hold digits only (spaces are allowed between them).")
	}
	if len(digits) < minCardDigits || len(digits) > maxCardDigits {
		return "", InvalidField(pointer, "card.number must have %d to %d digits.", minCardDigits, maxCardDigits)
	}
	if !luhnValid(digits) {
		return "", InvalidField(pointer, "card.number is not a valid card number (its check digit is wrong).")
	}
	return digits, nil
}

// luhnValid reports whether a string of digits passes the Luhn (mod 10) check.
func luhnValid(digits string) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// Card brands, as the payment method object names them.
const (
	BrandVisa       = "visa"
	BrandMastercard = "mastercard"
	BrandAmex       = "amex"
	BrandDiscover   = "discover"
	BrandDiners     = "diners"
	BrandJCB        = "jcb"
	BrandUnionPay   = "unionpay"
	BrandUnknown    = "unknown"
)

// brandRanges maps issuer identification number prefixes to brands: a number
// whose first len(lo) digits lie in [lo, hi] is of the brand. The first match
// wins, so the narrower Discover ranges come before UnionPay's 62.
var brandRanges = []struct {
	lo, hi, brand string
}{
	{"34", "34", BrandAmex},
	{"37", "37", BrandAmex},
	{"300", "305", BrandDiners},
	{"3095", "3095", BrandDiners},
	{"36", "36", BrandDiners},
	{"38", "39", BrandDiners},
	{"3528", "3589", BrandJCB},
	{"4", "4", BrandVisa},
	{"51", "55", BrandMastercard},
	{"2221", "2720", BrandMastercard},
	{"6011", "6011", BrandDiscover},
	{"644", "649", BrandDiscover},
	{"65", "65", BrandDiscover},
	{"62", "62", BrandUnionPay},
	{"81", "81", BrandUnionPay},
}

// cardBrand detects the brand of a card number (digits only).
func cardBrand(digits string) string {
	for _, r := range brandRanges {
		if len(digits) < len(r.lo) {
			continue
		}
		// Equal-length digit strings compare as their numbers do.
		if p := digits[:len(r.lo)]; p >= r.lo && p <= r.hi {
			return r.brand
		}
	}
	return BrandUnknown
}

// expMonth checks an expiry month.
func expMonth(month *int) (int, error) {
	if month == nil {
		return 0, InvalidField("/card/exp_month", "card.exp_month is required.")
	}
	if *month < 1 || *month > 12 {
		return 0, InvalidField("/card/exp_month", "card.exp_month must be between 1 and 12.")
	}
	return *month, nil
}

// expYear checks that a year is given as four digits.
func expYear(year *int) (int, error) {
	if year == nil {
		return 0, InvalidField("/card/exp_year", "card.exp_year is required.")
	}
	if *year < 1000 || *year > 9999 {
		return 0, InvalidField("/card/exp_year", "card.exp_year must be the four-digit year, such as 2030.")
	}
	return *year, nil
}

// checkExpiry refuses a card that has expired at now: a card is good through
// the last day of its expiry month (UTC), so only whole months are compared.
func checkExpiry(month, year int, now time.Time) error {
	now = now.UTC()
	if year < now.Year() || (year == now.Year() && month < int(now.Month())) {
		return InvalidField("/card/exp_year", "The card has expired (%02d/%d).", month, year)
	}
	if year > now.Year()+maxExpiryYears {
		return InvalidField("/card/exp_year", "card.exp_year must be at most %d years ahead.", maxExpiryYears)
	}
	return nil
}

// checkCVC checks a CVC's length against the brand: four digits for
// American Express, three for every other brand.
func checkCVC(cvc *string, brand string) error {
	const pointer = "/card/cvc"
	if cvc == nil {
		return InvalidField(pointer, "card.cvc is required.")
	}
	want := 3
	if brand == BrandAmex {
		want = 4
	}
	if len(*cvc) != want || !allDigits(*cvc) {
		return InvalidField(pointer, "card.cvc must be %d digits for a %s card.", want, brand)
	}
	return nil
}

// billingDetails checks billing details and returns them: in merged onto
// current (nil for a new method, when name and country are required).
func billingDetails(in *BillingDetailsInput, current *BillingDetails) (BillingDetails, error) {
	var out BillingDetails
	if current != nil {
		out = *current
	}
	if in == nil {
		if current == nil {
			return out, InvalidField("/billing_details", "billing_details is required (name and country at least).")
		}
		return out, nil
	}
	if in.Name != nil || current == nil {
		name, err := validateName("/billing_details/name", in.Name)
		if err != nil {
			return out, err
		}
		out.Name = name
	}
	if in.PostalCode != nil {
		pc := strings.TrimSpace(*in.PostalCode)
		if utf8.RuneCountInString(pc) > maxPostalCodeLen {
			return out, InvalidField("/billing_details/postal_code", "billing_details.postal_code must be at most %d characters.", maxPostalCodeLen)
		}
		out.PostalCode = pc
	}
	if in.Country != nil || current == nil {
		if in.Country == nil {
			return out, InvalidField("/billing_details/country", "billing_details.country is required.")
		}
		if !isCountryCode(*in.Country) {
			return out, InvalidField("/billing_details/country",
				"billing_details.country must be an ISO 3166-1 alpha-2 country code in capitals, such as US.")
		}
		out.Country = *in.Country
	}
	return out, nil
}

// countryCodes are the officially assigned ISO 3166-1 alpha-2 codes.
const countryCodes = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS " +
	"BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO " +
	"IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH " +
	"MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM " +
	"PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG " +
	"TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

var countrySet = func() map[string]bool {
	set := map[string]bool{}
	for c := range strings.FieldsSeq(countryCodes) {
		set[c] = true
	}
	return set
}()

func isCountryCode(c string) bool { return countrySet[c] }
