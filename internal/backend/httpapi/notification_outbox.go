package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// The operator's side of notifications (DESIGN 2.4, 3.8): what was
// notified, the outbox of emails and SMS among it, and the key that
// verifies webhooks.

// notificationDeliveryJSON is one delivery of a notification to a channel.
type notificationDeliveryJSON struct {
	RecordType            string          `json:"record_type"`
	ID                    string          `json:"id"`
	NotificationID        string          `json:"notification_id"`
	AccountID             string          `json:"account_id"`
	NotificationSettingID string          `json:"notification_setting_id"`
	ChannelID             string          `json:"notification_channel_id"`
	ChannelTypeID         string          `json:"channel_type_id"`
	ChannelDestination    string          `json:"channel_destination"`
	EventType             string          `json:"event_type"`
	OccurredAt            string          `json:"occurred_at"`
	Payload               json.RawMessage `json:"payload"`
	// Subject and Message are what an email or SMS says; null for a webhook.
	Subject *string `json:"subject"`
	Message *string `json:"message"`
	Status  string  `json:"status"`
	// NextAttemptAt is when a pending webhook is tried next; null otherwise.
	NextAttemptAt *string               `json:"next_attempt_at"`
	DeliveredAt   *string               `json:"delivered_at"`
	Attempts      []deliveryAttemptJSON `json:"attempts"`
	CreatedAt     string                `json:"created_at"`
	UpdatedAt     string                `json:"updated_at"`
}

// deliveryAttemptJSON is one try of a delivery.
type deliveryAttemptJSON struct {
	Attempt     int    `json:"attempt"`
	AttemptedAt string `json:"attempted_at"`
	// StatusCode is the receiver's HTTP status; null when it gave none.
	StatusCode *int    `json:"status_code"`
	Error      *string `json:"error"`
}

func newNotificationDeliveryJSON(d *backend.NotificationDelivery) notificationDeliveryJSON {
	n := d.Notification
	out := notificationDeliveryJSON{
		RecordType: "notification_delivery", ID: d.ID, NotificationID: d.NotificationID, AccountID: d.AccountID,
		NotificationSettingID: n.SettingID, ChannelID: d.ChannelID, ChannelTypeID: string(d.ChannelType),
		ChannelDestination: d.Destination, EventType: n.EventType, OccurredAt: timestamp(n.OccurredAt),
		Payload: json.RawMessage(n.Payload), Status: string(d.Status), DeliveredAt: optionalTimestamp(d.DeliveredAt),
		Attempts: make([]deliveryAttemptJSON, 0, len(d.AttemptLog)), CreatedAt: timestamp(d.CreatedAt), UpdatedAt: timestamp(d.UpdatedAt),
	}
	if d.ChannelType != backend.ChannelWebhook {
		out.Subject, out.Message = &d.Subject, &d.Message
	}
	if d.Status == backend.DeliveryPending {
		out.NextAttemptAt = optionalTimestamp(&d.NextAttemptAt)
	}
	for _, a := range d.AttemptLog {
		at := deliveryAttemptJSON{Attempt: a.Number, AttemptedAt: timestamp(a.At)}
		if a.Status != 0 {
			at.StatusCode = &a.Status
		}
		if a.Error != "" {
			at.Error = &a.Error
		}
		out.Attempts = append(out.Attempts, at)
	}
	return out
}

// Filters of GET /reference/notifications.
const (
	filterDeliveryAccount = "filter[account_id]"
	filterDeliveryChannel = "filter[channel_type_id]"
	filterDeliveryStatus  = "filter[status]"
)

// deliveryChannelTypes and deliveryStatuses are the values of the filters.
var (
	deliveryChannelTypes = []string{string(backend.ChannelWebhook), string(backend.ChannelEmail), string(backend.ChannelSMS)}
	deliveryStatuses     = []string{string(backend.DeliveryPending), string(backend.DeliveryDelivered), string(backend.DeliveryFailed)}
)

func parseDeliveryQuery(u *url.URL) (backend.DeliveryQuery, error) {
	var q backend.DeliveryQuery
	params, err := newQueryParams(u, append([]string{filterDeliveryAccount, filterDeliveryChannel, filterDeliveryStatus}, pageParams...)...)
	if err != nil {
		return q, err
	}
	if q.AccountID, _, err = params.str(filterDeliveryAccount); err != nil {
		return q, err
	}
	channel, err := params.enumParam(filterDeliveryChannel, deliveryChannelTypes)
	if err != nil {
		return q, err
	}
	status, err := params.enumParam(filterDeliveryStatus, deliveryStatuses)
	if err != nil {
		return q, err
	}
	q.ChannelType, q.Status = backend.ChannelType(channel), backend.DeliveryStatus(status)
	q.Page, err = params.page()
	return q, err
}

// listNotificationDeliveries is GET /reference/notifications: every
// account's deliveries, newest first, the outbox among them.
func (s *server) listNotificationDeliveries(w http.ResponseWriter, r *http.Request) error {
	q, err := parseDeliveryQuery(r.URL)
	if err != nil {
		return err
	}
	list, meta, err := s.svc.ListDeliveries(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf(list, meta, newNotificationDeliveryJSON))
	return nil
}

// webhookSigningKeyJSON is the key that verifies the backend's webhooks.
type webhookSigningKeyJSON struct {
	// PublicKey is base64 of the 32-byte Ed25519 public key, as Telnyx
	// shows its own (TELNYX_PUBLIC_KEY).
	PublicKey string `json:"public_key"`
}

// webhookSigningKey is GET /reference/webhook_signing_key.
func (s *server) webhookSigningKey(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, data[webhookSigningKeyJSON]{Data: webhookSigningKeyJSON{PublicKey: s.svc.WebhookPublicKey()}})
	return nil
}
