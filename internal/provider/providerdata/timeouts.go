package providerdata

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// How long a resource's create, update and delete may take when its timeouts
// block does not say. Each covers the whole operation, retries and their
// waits included; the client's own retry budget (max_retries with waits of
// up to retry_wait_max) normally ends well before.
const (
	DefaultCreateTimeout = 10 * time.Minute
	DefaultUpdateTimeout = 10 * time.Minute
	DefaultDeleteTimeout = 10 * time.Minute
)

const timeoutFormat = `A duration such as "30s", "5m" or "1h30m" (units "s", "m" and "h").`

// TimeoutsBlock is the timeouts block every resource has: how long its
// create, update and delete may take, each with the default above.
func TimeoutsBlock(ctx context.Context) schema.Block {
	block := timeouts.Block(ctx, timeouts.Opts{
		Create: true,
		Update: true,
		Delete: true,
		CreateDescription: fmt.Sprintf("How long creating may take, retries of the API included (default `%s`). %s",
			formatDuration(DefaultCreateTimeout), timeoutFormat),
		UpdateDescription: fmt.Sprintf("How long an update in place may take, retries of the API included (default `%s`). %s",
			formatDuration(DefaultUpdateTimeout), timeoutFormat),
		DeleteDescription: fmt.Sprintf("How long destroying may take, retries of the API included (default `%s`). %s "+
			"It applies once it is in the state: set it, apply, then destroy.", formatDuration(DefaultDeleteTimeout), timeoutFormat),
	})
	// The package gives the block no description of its own; the generated
	// docs read better with one.
	if nested, ok := block.(schema.SingleNestedBlock); ok {
		nested.MarkdownDescription = "How long each operation may take before the provider gives up with a \"timed out\" " +
			"error. The time covers the API's answers and the provider's retries between them (see the provider's " +
			"`max_retries`): a retry that would wait past the deadline is not attempted."
		return nested
	}
	return block
}

// formatDuration writes 10m rather than time.Duration's 10m0s.
func formatDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	default:
		return d.String()
	}
}

// defaultTimeouts says what the defaults are, in a few words.
func defaultTimeouts() string {
	if DefaultCreateTimeout == DefaultUpdateTimeout && DefaultUpdateTimeout == DefaultDeleteTimeout {
		return formatDuration(DefaultCreateTimeout) + " each by default"
	}
	return fmt.Sprintf("by default %s to create, %s to update and %s to delete",
		formatDuration(DefaultCreateTimeout), formatDuration(DefaultUpdateTimeout), formatDuration(DefaultDeleteTimeout))
}

// WithTimeout bounds ctx by one operation's timeout: timeout is the
// operation's method of the resource's timeouts value (plan.Timeouts.Create,
// say), fallback its default. A timeout that cannot be read is reported in
// diags, and ctx is then returned unbounded; the caller stops on the error.
// The returned cancel must always be called.
func WithTimeout(ctx context.Context, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics),
	fallback time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	d, problems := timeout(ctx, fallback)
	diags.Append(problems...)
	if problems.HasError() {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}
