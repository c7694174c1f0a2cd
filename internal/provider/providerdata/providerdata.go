// Package providerdata holds what the provider hands to its resources, data
// sources and ephemeral resources once it is configured, and what they share:
// the bases that receive it, the reporting of API errors, timeouts, import
// identifiers, removal, and the handling of values and plans they have in
// common.
package providerdata

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// Data is the one value every resource, data source and ephemeral resource
// receives from the provider's Configure.
type Data struct {
	// Client acts as the provider's account: the managed account named by
	// the provider's managed_account_id, else the api_key's own account.
	Client *client.Client
	// Manager calls with the provider's api_key itself. It resolves the
	// primary keys of managed accounts, so it must be a manager's key to
	// act as one of them.
	Manager *client.Client

	mu   sync.Mutex
	keys map[string]*accountKey
}

// accountKey is a managed account's primary key, resolved at most once per
// provider instance. Its own lock lets concurrent resources wait for one
// lookup of the same account without serialising lookups of different ones.
type accountKey struct {
	mu  sync.Mutex
	key string
}

// New returns the Data of a provider whose api_key is manager's. Until
// ActAs is called, Client is manager too.
func New(manager *client.Client) *Data {
	return &Data{Client: manager, Manager: manager}
}

// ActAs makes Client act as the managed account id, for the whole provider
// instance.
func (d *Data) ActAs(ctx context.Context, managedAccountID string) error {
	c, err := d.ClientFor(ctx, managedAccountID)
	if err != nil {
		return err
	}
	d.Client = c
	return nil
}

// ClientFor returns a client that acts as the managed account id, using its
// primary key fetched through Manager (GET /managed_accounts/{id}) the first
// time and cached for the life of the provider instance. An empty id means
// the provider's own account: Client. A failed lookup is not cached, so a
// later call tries again. The key never leaves the returned client.
func (d *Data) ClientFor(ctx context.Context, managedAccountID string) (*client.Client, error) {
	if managedAccountID == "" {
		return d.Client, nil
	}
	d.mu.Lock()
	if d.keys == nil {
		d.keys = map[string]*accountKey{}
	}
	entry, ok := d.keys[managedAccountID]
	if !ok {
		entry = &accountKey{}
		d.keys[managedAccountID] = entry
	}
	d.mu.Unlock()

	entry.mu.Lock()
	defer entry.mu.Unlock()
	if entry.key == "" {
		a, err := d.Manager.GetManagedAccount(ctx, managedAccountID)
		if err != nil {
			return nil, fmt.Errorf("look up managed account %s to act as it: %w", managedAccountID, err)
		}
		if a.APIKey == "" {
			return nil, fmt.Errorf("the API answered managed account %s without its api_key, so the provider cannot act as it", managedAccountID)
		}
		entry.key = a.APIKey
	}
	return d.Manager.WithAPIKey(entry.key), nil
}

// AccountClient is ClientFor for a resource's or data source's method: a
// lookup that fails is added to diags as an error, and yields nil.
func (d *Data) AccountClient(ctx context.Context, managedAccountID string, diags *diag.Diagnostics) *client.Client {
	c, err := d.ClientFor(ctx, managedAccountID)
	if err != nil {
		AddAPIError(diags, "Unable to act as the managed account "+managedAccountID, err)
		return nil
	}
	return c
}

// FromConfigure extracts the provider's Data from a resource's or data
// source's ConfigureRequest.ProviderData. It returns nil without a diagnostic
// when the provider is not configured yet (Terraform calls Configure early,
// during validation), and nil with an error for a value of another type.
func FromConfigure(providerData any, diags *diag.Diagnostics) *Data {
	if providerData == nil {
		return nil
	}
	d, ok := providerData.(*Data)
	if !ok || d == nil {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerdata.Data, got %T. This is a bug in the provider; please report it.", providerData))
		return nil
	}
	return d
}

// AddAPIError adds an error diagnostic for a failed API call. summary says
// what failed and on which object ("Unable to update the API key <id>"). The
// detail carries the API's own words, then what to do about this kind of
// failure (see advice), then everything the API said (status, code, title,
// detail, the field it is about, the request id), so that a user can act on
// it or quote it. own is advice only the caller can give (an object that
// exists although its create failed, say), put before the advice by kind. A
// call that ran out of time says so first: the fix is then a longer timeout
// or a healthier API, not a change of the configuration.
func AddAPIError(diags *diag.Diagnostics, summary string, err error, own ...string) {
	// The detail's paragraphs: what happened, the caller's advice, the
	// advice by kind of failure, the whole error.
	var paragraphs []string
	generic := ""
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		summary += ": timed out"
		paragraphs = append(paragraphs, fmt.Sprintf(
			"The operation timed out before the Telnyx API completed it. A resource's create, update and delete may "+
				"take as long as its timeouts block allows (%s), the provider's retries of the API included; raise the "+
				"timeout if the API is slow, or check that it is reachable and healthy.", defaultTimeouts()))
	case errors.Is(err, context.Canceled):
		summary += ": cancelled"
		paragraphs = append(paragraphs, "The operation was cancelled (Terraform was interrupted) before the Telnyx API completed it.")
	default:
		if apiErr, ok := errors.AsType[*client.Error](err); ok {
			paragraphs = append(paragraphs, "The Telnyx API answered: "+apiErr.Detail())
		}
		generic = advice(err)
	}
	paragraphs = append(paragraphs, own...)
	if generic != "" {
		paragraphs = append(paragraphs, generic)
	}
	diags.AddError(summary, strings.Join(append(paragraphs, err.Error()), "\n\n"))
}
