package httpapi

import (
	"net/http"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// maxUsageBodyBytes bounds the body of a usage batch: 10,000 events of a few
// hundred bytes each do not fit the usual 1 MiB.
const maxUsageBodyBytes = 8 << 20

// usageEventBody is one event of POST /reference/usage_events.
type usageEventBody struct {
	ID          *string `json:"id"`
	AccountID   *string `json:"account_id"`
	Product     *string `json:"product"`
	OccurredAt  *string `json:"occurred_at"`
	Direction   *string `json:"direction"`
	CountryISO  *string `json:"country_iso"`
	MessageType *string `json:"message_type"`
	ProductName *string `json:"product_name"`
	Parts       *int64  `json:"parts"`
	BilledSec   *int64  `json:"billed_sec"`
	Bytes       *int64  `json:"bytes"`
}

type usageEventsBody struct {
	Events *[]usageEventBody `json:"events"`
}

// usageIngestionJSON is the outcome of a batch.
type usageIngestionJSON struct {
	RecordType string `json:"record_type"`
	Accepted   int    `json:"accepted"`
	Duplicates int    `json:"duplicates"`
}

func (s *server) postUsageEvents(w http.ResponseWriter, r *http.Request) error {
	var body usageEventsBody
	if err := decodeBodyLimit(w, r, &body, bodyRequired, maxUsageBodyBytes); err != nil {
		return err
	}
	var events []backend.UsageEventInput
	if body.Events != nil {
		events = make([]backend.UsageEventInput, len(*body.Events))
		for i, e := range *body.Events {
			events[i] = backend.UsageEventInput{
				ID: e.ID, AccountID: e.AccountID, Product: e.Product, OccurredAt: e.OccurredAt, Direction: e.Direction,
				CountryISO: e.CountryISO, MessageType: e.MessageType, ProductName: e.ProductName,
				Parts: e.Parts, BilledSec: e.BilledSec, Bytes: e.Bytes,
			}
		}
	}
	res, err := s.svc.IngestUsage(r.Context(), events)
	if err != nil {
		return err
	}
	if s.metrics != nil {
		noteUsage(r, res) // counted once answered (observeRequest)
	}
	writeJSON(w, http.StatusOK, data[usageIngestionJSON]{Data: usageIngestionJSON{
		RecordType: "usage_ingestion", Accepted: res.Accepted, Duplicates: res.Duplicates,
	}})
	return nil
}
