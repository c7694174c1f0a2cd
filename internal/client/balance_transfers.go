package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// BalanceTransfer is money a manager moved from its balance to one of its
// managed accounts' (a reference-backend extension:
// /v2/managed_accounts/{id}/balance_transfers). Amount is a decimal string.
type BalanceTransfer struct {
	RecordType       string `json:"record_type"`
	ID               string `json:"id"`
	ManagedAccountID string `json:"managed_account_id"`
	ManagerAccountID string `json:"manager_account_id"`
	Amount           string `json:"amount"`
	Currency         string `json:"currency"`
	Description      string `json:"description"`
	CreatedAt        string `json:"created_at"`
}

// CreateBalanceTransferRequest is the body of a transfer. Amount has
// dollars and cents ("10.00"), from 0.01 to 10,000.00; Description (at most
// 255 characters, optional) is shown to the managed account with the credit.
type CreateBalanceTransferRequest struct {
	Amount      string `json:"amount"`
	Description string `json:"description,omitempty"`
}

// ListBalanceTransfersOptions page the list of a managed account's
// transfers. Empty fields are not sent.
type ListBalanceTransfersOptions struct {
	PageNumber int
	PageSize   int
}

func (o ListBalanceTransfersOptions) values() url.Values {
	return pageValues(o.PageNumber, o.PageSize)
}

func balanceTransfersPath(managedAccountID string) string {
	return "/managed_accounts/" + url.PathEscape(managedAccountID) + "/balance_transfers"
}

// CreateBalanceTransfer moves req.Amount from the calling manager's balance
// to the managed account's. Like every POST of this client, it carries an
// Idempotency-Key that its retries reuse, so a retried transfer whose answer
// was lost moves the money once. The API refuses (422) an amount beyond the
// manager's available balance (balance plus credit limit), and a managed
// account under rollup billing, disabled or cancelled.
func (c *Client) CreateBalanceTransfer(ctx context.Context, managedAccountID string, req CreateBalanceTransferRequest) (*BalanceTransfer, error) {
	return send[BalanceTransfer](ctx, c, http.MethodPost, balanceTransfersPath(managedAccountID), req)
}

// ListBalanceTransfers returns one page of the transfers the calling
// manager made to a managed account, newest first.
func (c *Client) ListBalanceTransfers(ctx context.Context, managedAccountID string, opts ListBalanceTransfersOptions) ([]BalanceTransfer, PageMeta, error) {
	return list[BalanceTransfer](ctx, c, balanceTransfersPath(managedAccountID), opts.values())
}

// AllBalanceTransfers iterates over every page of a managed account's
// transfers, starting at opts.PageNumber (default 1). It stops at the first
// error, which it yields.
func (c *Client) AllBalanceTransfers(ctx context.Context, managedAccountID string, opts ListBalanceTransfersOptions) iter.Seq2[BalanceTransfer, error] {
	return paginate(opts.PageNumber, func(page int) ([]BalanceTransfer, PageMeta, error) {
		o := opts
		o.PageNumber = page
		return c.ListBalanceTransfers(ctx, managedAccountID, o)
	})
}
