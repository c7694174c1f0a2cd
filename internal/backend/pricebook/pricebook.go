// Package pricebook holds the list prices the reference backend ships with:
// an embedded CSV file that the backend loads into its list rate set on first
// start, and that the operator can replace later (PUT /reference/price_book).
//
// The package only reads the file; the backend validates every row by the
// same rules as a price book sent over the API.
package pricebook

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"time"
)

//go:embed list_prices.csv
var listPrices []byte

// EffectiveFrom is when the shipped list prices start to apply: far enough
// in the past that usage of any realistic date finds a rate.
var EffectiveFrom = time.Date(2020, time.January, 1, 0, 0, 0, 0, time.UTC)

// Row is one list price as written in the file: the rate key (fields a
// product does not use are empty) and the rate, a decimal string per unit.
type Row struct {
	Product     string
	Direction   string
	MessageType string
	CountryISO  string
	Rate        string
}

// header is the first line the file must have, in this order.
var header = []string{"product", "direction", "message_type", "country_iso", "rate"}

// Rows returns the shipped list prices in file order.
func Rows() ([]Row, error) { return parse(listPrices) }

func parse(data []byte) ([]Row, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = len(header)
	first, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("price book: read header: %w", err)
	}
	if !slices.Equal(first, header) {
		return nil, fmt.Errorf("price book: header is %v, want %v", first, header)
	}
	var rows []Row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("price book: %w", err)
		}
		rows = append(rows, Row{Product: rec[0], Direction: rec[1], MessageType: rec[2], CountryISO: rec[3], Rate: rec[4]})
	}
}
