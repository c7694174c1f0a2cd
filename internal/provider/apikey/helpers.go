package apikey

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// sameTime reports whether a and b are RFC 3339 times that denote the same
// instant, however each is written.
func sameTime(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339, a)
	tb, errB := time.Parse(time.RFC3339, b)
	return errA == nil && errB == nil && ta.Equal(tb)
}

// sameInstant plans expires_at: null when it is not configured (a key without
// expiry, not a value the API picks), and the value in state when the
// configuration writes the same instant in another form, such as the API's
// millisecond UTC form after an import.
type sameInstant struct{}

func (sameInstant) Description(_ context.Context) string {
	return "keeps the value in state when the configured time denotes the same instant"
}

func (m sameInstant) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (sameInstant) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	switch {
	case req.ConfigValue.IsNull():
		resp.PlanValue = types.StringNull()
	case req.ConfigValue.IsUnknown() || req.StateValue.IsNull() || req.StateValue.IsUnknown():
	case sameTime(req.ConfigValue.ValueString(), req.StateValue.ValueString()):
		resp.PlanValue = req.StateValue
	}
}

// rfc3339Validator accepts an RFC 3339 time such as 2030-01-31T00:00:00Z.
type rfc3339Validator struct{}

func (rfc3339Validator) Description(_ context.Context) string {
	return "value must be an RFC 3339 time such as 2030-01-31T00:00:00Z"
}

func (v rfc3339Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (rfc3339Validator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid time",
			fmt.Sprintf("%q is not an RFC 3339 time: write it like 2030-01-31T00:00:00Z or 2030-01-31T02:00:00+02:00.", req.ConfigValue.ValueString()))
	}
}

// durationValidator accepts a Go duration of at least minimum.
type durationValidator struct{ minimum time.Duration }

func (v durationValidator) Description(_ context.Context) string {
	return fmt.Sprintf("value must be a Go duration such as 15m or 1h, at least %s", v.minimum)
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d < v.minimum {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q is not a duration of at least %s: use a Go duration such as 15m or 1h.", req.ConfigValue.ValueString(), v.minimum))
	}
}
