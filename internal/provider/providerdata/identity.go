package providerdata

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Resource identity (Terraform 1.12 and later): every resource declares the
// attributes that name its object, writes them beside its state whenever it
// writes the state (create, read, update, import), and can be imported by an
// import block's identity instead of a string id. List resources return the
// same identity for each object they find.
//
// There are three shapes:
//   - a managed account: its id (IDIdentity);
//   - an object that lives on an account, such as a key or a card: the
//     managed account's id (null for the provider's own account) and the
//     object's own id (AccountScopedIdentity);
//   - what a managed account has one of, such as its custom rates: the
//     managed account's id alone (ManagedAccountIdentity).

// IDIdentity is the identity of an object named by its id alone.
type IDIdentity struct {
	ID types.String `tfsdk:"id"`
}

// IDIdentitySchema is IDIdentity's schema; what names the object, as in "the
// managed account".
func IDIdentitySchema(what string) identityschema.Schema {
	return identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"id": identityschema.StringAttribute{RequiredForImport: true, Description: "Identifier of " + what + "."},
	}}
}

// AccountScopedIdentity is the identity of an object that lives on an
// account: ManagedAccountID is null for the provider's own account.
type AccountScopedIdentity struct {
	ManagedAccountID types.String `tfsdk:"managed_account_id"`
	ID               types.String `tfsdk:"id"`
}

// NewAccountScopedIdentity is the identity of the object id of the managed
// account managedAccountID, or of the provider's own account when that is
// null or empty.
func NewAccountScopedIdentity(managedAccountID types.String, id string) AccountScopedIdentity {
	account := types.StringNull()
	if IsKnown(managedAccountID) && managedAccountID.ValueString() != "" {
		account = managedAccountID
	}
	return AccountScopedIdentity{ManagedAccountID: account, ID: types.StringValue(id)}
}

// AccountScopedIdentitySchema is AccountScopedIdentity's schema; what names
// the object, as in "the API key". With idOptional, an import may leave the
// id out (an account has one such object, found by the account).
func AccountScopedIdentitySchema(what string, idOptional bool) identityschema.Schema {
	return identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"managed_account_id": identityschema.StringAttribute{
			OptionalForImport: true,
			Description: "Identifier of the managed account " + what + " belongs to; null (left out of an import) for " +
				"the provider's own account.",
		},
		"id": identityschema.StringAttribute{
			RequiredForImport: !idOptional,
			OptionalForImport: idOptional,
			Description:       "Identifier of " + what + ".",
		},
	}}
}

// ManagedAccountIdentity is the identity of what a managed account has one
// of, named by the account.
type ManagedAccountIdentity struct {
	ManagedAccountID types.String `tfsdk:"managed_account_id"`
}

// ManagedAccountIdentitySchema is ManagedAccountIdentity's schema; what
// names the object, as in "the custom rates".
func ManagedAccountIdentitySchema(what string) identityschema.Schema {
	return identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"managed_account_id": identityschema.StringAttribute{
			RequiredForImport: true,
			Description:       "Identifier of the managed account whose " + what + " these are.",
		},
	}}
}

// SaveState writes a resource's state m and its identity. identity is the
// response's Identity, which the framework leaves nil for a resource without
// an identity schema.
func SaveState(ctx context.Context, state *tfsdk.State, identity *tfsdk.ResourceIdentity, m, ident any, diags *diag.Diagnostics) {
	diags.Append(state.Set(ctx, m)...)
	if identity != nil {
		diags.Append(identity.Set(ctx, ident)...)
	}
}

// ImportIdentity reads the identity of an import block into ident, reporting
// in diags an attribute that is set but empty (null means "not given").
// It returns false when the import is by string id (req.ID), or on an error.
func ImportIdentity(ctx context.Context, req resource.ImportStateRequest, ident any, diags *diag.Diagnostics) bool {
	if req.ID != "" || req.Identity == nil {
		return false
	}
	diags.Append(req.Identity.Get(ctx, ident)...)
	if diags.HasError() {
		return false
	}
	var attrs map[string]types.String
	switch v := ident.(type) {
	case *IDIdentity:
		attrs = map[string]types.String{"id": v.ID}
	case *AccountScopedIdentity:
		attrs = map[string]types.String{"managed_account_id": v.ManagedAccountID, "id": v.ID}
	case *ManagedAccountIdentity:
		attrs = map[string]types.String{"managed_account_id": v.ManagedAccountID}
	}
	for name, v := range attrs {
		if !v.IsNull() && v.ValueString() == "" {
			diags.AddError("Invalid import identity",
				fmt.Sprintf("The identity's %s is empty: give the identifier, or leave %s out where it may be left out.", name, name))
		}
	}
	return !diags.HasError()
}

// RemoveFromState removes from the state, in Read, a resource whose object
// is gone. The framework wants an identity after every Read without an
// error, even one that removes the resource, and a state written before
// resources had identities (or by Terraform 1.11, which keeps none) has
// none to carry over: ident, the identity of the object that was, fills in.
func RemoveFromState(ctx context.Context, resp *resource.ReadResponse, ident any) {
	resp.State.RemoveResource(ctx)
	if resp.Identity != nil && resp.Identity.Raw.IsFullyNull() {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, ident)...)
	}
}
