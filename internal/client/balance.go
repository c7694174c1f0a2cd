package client

import "context"

// Balance is the contract's UserBalance.
type Balance struct {
	RecordType      string `json:"record_type"`
	Balance         string `json:"balance"`
	Pending         string `json:"pending"`
	CreditLimit     string `json:"credit_limit"`
	AvailableCredit string `json:"available_credit"`
	Currency        string `json:"currency"`
}

// GetBalance returns the calling account's balance.
func (c *Client) GetBalance(ctx context.Context) (*Balance, error) {
	return get[Balance](ctx, c, "/balance", nil)
}
