package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// usageBatchBody is the body of a batch of 10,000 usage events, the biggest
// body the API takes.
func usageBatchBody() string {
	events := make([]string, backend.MaxUsageBatch)
	for i := range events {
		events[i] = fmt.Sprintf(`{"id": "0190f3a1-7c2e-7b4d-8f3a-%012d", "account_id": "4b7e1c3a-0f6d-4a57-9a43-7d1c2b3e4f50",
			"product": "messaging", "occurred_at": "2025-01-16T10:11:12.345Z", "direction": "outbound",
			"country_iso": "US", "message_type": "SMS", "product_name": "long_code", "parts": %d}`, i, i%3+1)
	}
	return `{"events": [` + strings.Join(events, ",") + `]}`
}

// BenchmarkDecodeUsageBatch decodes a batch of 10,000 usage events as the
// API does (strictly): a fifth of its ingestion through HTTP.
func BenchmarkDecodeUsageBatch(b *testing.B) {
	body := usageBatchBody()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var into usageEventsBody
		r := httptest.NewRequest(http.MethodPost, "/reference/usage_events", strings.NewReader(body))
		if err := decodeBodyLimit(httptest.NewRecorder(), r, &into, bodyRequired, maxUsageBodyBytes); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeUsageBatchEncodingJSON decodes the same batch with
// encoding/json alone, which checks none of what the API refuses (names in
// another case, members given twice, invalid UTF-8, NUL characters): the
// yardstick for BenchmarkDecodeUsageBatch on the same machine.
func BenchmarkDecodeUsageBatchEncodingJSON(b *testing.B) {
	body := []byte(usageBatchBody())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var into usageEventsBody
		if err := json.Unmarshal(body, &into); err != nil {
			b.Fatal(err)
		}
	}
}
