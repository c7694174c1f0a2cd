package pricebook

import (
	"strings"
	"testing"
)

func TestRowsReadsTheShippedFile(t *testing.T) {
	rows, err := Rows()
	if err != nil {
		t.Fatal(err)
	}
	products := map[string]bool{}
	for _, r := range rows {
		products[r.Product] = true
	}
	for _, p := range []string{"messaging", "voice", "wireless"} {
		if !products[p] {
			t.Errorf("the shipped price book has no %s rates", p)
		}
	}
}

func TestParseRefusesMalformedFiles(t *testing.T) {
	for name, data := range map[string]string{
		"empty":            "",
		"wrong header":     "product,rate\nvoice,0.01\n",
		"reordered header": "product,direction,message_type,rate,country_iso\n",
		"short row":        "product,direction,message_type,country_iso,rate\nvoice,outbound,,US\n",
	} {
		if _, err := parse([]byte(data)); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
	rows, err := parse([]byte("product,direction,message_type,country_iso,rate\nvoice,outbound,,US,0.005\n"))
	if err != nil || len(rows) != 1 || rows[0] != (Row{Product: "voice", Direction: "outbound", CountryISO: "US", Rate: "0.005"}) {
		t.Fatalf("parse = %+v, %v", rows, err)
	}
	if !strings.HasPrefix(string(listPrices), strings.Join(header, ",")) {
		t.Fatal("the shipped file does not start with the header")
	}
}
