package usage_test

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

const reportAddr = "data.telnyx_usage_report.test"

// sms is a messaging event of account at at: count messages of parts parts each.
func sms(account string, at time.Time, direction, messageType, country string, parts int) map[string]any {
	return map[string]any{
		"id": uuid.NewString(), "account_id": account, "product": "messaging", "occurred_at": at.UTC().Format(time.RFC3339Nano),
		"direction": direction, "message_type": messageType, "country_iso": country, "parts": parts,
	}
}

// times repeats an event n times, each with an id of its own.
func times(n int, event map[string]any) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		e := make(map[string]any, len(event))
		for k, v := range event {
			e[k] = v
		}
		e["id"] = uuid.NewString()
		out[i] = e
	}
	return out
}

// today is the backend's current UTC day, at midnight: events dated then are
// never in the future, and count in today's rollups.
func today(srv *backendtest.Server) time.Time {
	return srv.Now().UTC().Truncate(24 * time.Hour)
}

// report is a telnyx_usage_report "test" with body, after the provider block.
func report(providerBlock, body string) string {
	return providerBlock + fmt.Sprintf(`
data "telnyx_usage_report" "test" {
%s
}
`, body)
}

// between is the HCL of a report window from start to end (UTC midnights).
func between(start, end time.Time) string {
	return fmt.Sprintf("  start_date = %q\n  end_date   = %q\n", start.Format(time.RFC3339), end.Format(time.RFC3339))
}

// number is the Terraform number of a decimal literal, at Terraform's
// precision, never through a float64.
func number(t *testing.T, s string) *big.Float {
	t.Helper()
	f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return f
}

// row is what the state must hold for one report row: dimensions as
// name=value pairs, metrics as name=decimal pairs.
func row(t *testing.T, dimensions, metrics string) knownvalue.Check {
	dims := map[string]knownvalue.Check{}
	for name, v := range pairs(dimensions) {
		dims[name] = knownvalue.StringExact(v)
	}
	nums := map[string]knownvalue.Check{}
	for name, v := range pairs(metrics) {
		nums[name] = knownvalue.NumberExact(number(t, v))
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"dimensions": knownvalue.MapExact(dims),
		"metrics":    knownvalue.MapExact(nums),
	})
}

// pairs reads "a=1 b=2" into a map.
func pairs(s string) map[string]string {
	out := map[string]string{}
	for _, f := range strings.Fields(s) {
		k, v, _ := strings.Cut(f, "=")
		out[k] = v
	}
	return out
}
