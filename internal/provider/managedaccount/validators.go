package managedaccount

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// maxEmailLen is the longest email the API takes.
const maxEmailLen = 254

// emailValidator accepts an email address as the API does, so that a typo
// fails the plan rather than the apply: one bare address such as
// name@example.com (no display name, no angle brackets), with a dot in its
// domain, at most 254 characters; the API trims surrounding spaces.
type emailValidator struct{}

func (emailValidator) Description(_ context.Context) string {
	return "value must be an email address such as name@example.com"
}

func (v emailValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (emailValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	raw := req.ConfigValue.ValueString()
	e := strings.TrimSpace(raw)
	addr, err := mail.ParseAddress(e)
	switch {
	case err != nil || addr.Address != e || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], "."):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid email",
			fmt.Sprintf("%q is not an email address: write one address such as name@example.com, without a name or "+
				"angle brackets, with a dot in its domain.", raw))
	case len(e) > maxEmailLen:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid email",
			fmt.Sprintf("The email is %d characters long; the API takes at most %d.", len(e), maxEmailLen))
	}
}
