package backend

import (
	"context"
	"slices"
	"time"
)

// The Notifications API's catalogue (DESIGN 3.8): the kinds of notification
// (NotificationEvent, "notification events" in the contract) and the
// conditions an account can be notified of (NotificationEventCondition).
// Both are fixed, the same for every account, and read-only; their ids are
// stable across releases and databases, so that a configuration may name
// them.

// ChannelType is the type of a notification channel (channel_type_id).
type ChannelType string

// The channel types of the contract. The backend delivers webhooks over
// HTTP; email and SMS cannot leave this machine and are written to the
// outbox instead (DESIGN 3.8). Voice is in the contract but no condition of
// the catalogue supports it, so no channel may have it.
const (
	ChannelWebhook ChannelType = "webhook"
	ChannelEmail   ChannelType = "email"
	ChannelSMS     ChannelType = "sms"
	ChannelVoice   ChannelType = "voice"
)

// AssociatedRecordAccount is the record every condition of the catalogue is
// about: an account. (The contract also has phone numbers, which this
// backend does not keep.)
const AssociatedRecordAccount = "account"

// NotificationEvent is a kind of notification.
type NotificationEvent struct {
	ID       string
	Name     string
	Category string
	// CreatedAt is when the kind was added to the catalogue.
	CreatedAt time.Time
}

// ConditionParameter is a parameter a setting of a condition gives.
type ConditionParameter struct {
	Name string
	// DataType is how the value, a string on the wire, is read: "decimal"
	// is an amount of money (ParseMoney, up to six decimals).
	DataType string
	Optional bool
}

// NotificationEventCondition is a condition an account can be notified of.
type NotificationEventCondition struct {
	ID          string
	Name        string
	Description string
	EventID     string // the NotificationEvent it belongs to
	// EventType is the event_type of the webhooks it sends.
	EventType            string
	AssociatedRecordType string
	Parameters           []ConditionParameter
	SupportedChannels    []ChannelType
	CreatedAt            time.Time
}

// Supports reports whether the condition can notify through a channel type.
func (c *NotificationEventCondition) Supports(t ChannelType) bool {
	return slices.Contains(c.SupportedChannels, t)
}

// The catalogue's ids. They are fixed: a configuration may hard-code them.
const (
	NotificationEventLowBalance      = "4db5be17-a4a0-4cfc-b039-e6569525f793"
	NotificationEventPaymentDeclined = "abc13e32-6524-4363-bdf5-fc1aba08d46b"
	NotificationEventAccountDisabled = "7f277ac2-435c-409a-ac53-0756dd37a679"

	ConditionBalanceBelow    = "f4d392ce-cb21-429b-abaf-152480c8cbb2"
	ConditionPaymentDeclined = "0a725376-6dfb-4298-99ba-6a0312c194a1"
	ConditionAccountDisabled = "196fe419-038c-4df7-a489-6ccdc1948dd2"
)

// The webhook event types of the conditions.
const (
	EventTypeBalanceBelow    = "account.balance_below_threshold"
	EventTypePaymentDeclined = "account.payment_declined"
	EventTypeAccountDisabled = "account.disabled"
)

// ParameterAmount is the balance condition's parameter: the threshold.
const ParameterAmount = "amount"

// catalogueDate is when the catalogue was first published, shown as every
// entry's created_at and updated_at.
var catalogueDate = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// deliverableChannels are the channel types the catalogue's conditions
// support.
var deliverableChannels = []ChannelType{ChannelWebhook, ChannelEmail, ChannelSMS}

var notificationEvents = []*NotificationEvent{
	{ID: NotificationEventLowBalance, Name: "Low balance", Category: "Billing", CreatedAt: catalogueDate},
	{ID: NotificationEventPaymentDeclined, Name: "Payment declined", Category: "Billing", CreatedAt: catalogueDate},
	{ID: NotificationEventAccountDisabled, Name: "Account disabled", Category: "Account", CreatedAt: catalogueDate},
}

var notificationConditions = []*NotificationEventCondition{
	{
		ID: ConditionBalanceBelow, Name: "balance below threshold", EventID: NotificationEventLowBalance,
		Description: "When the account's balance falls below the amount given, once per crossing: it notifies again " +
			"only after the balance has been at or above the amount. Under rollup billing the balance is the manager's.",
		EventType: EventTypeBalanceBelow, Parameters: []ConditionParameter{{Name: ParameterAmount, DataType: "decimal"}},
	},
	{
		ID: ConditionPaymentDeclined, Name: "payment declined", EventID: NotificationEventPaymentDeclined,
		Description: "When a top-up of the account is declined, or its auto-recharge is declined or cannot charge " +
			"(no default card, an amount out of range).",
		EventType: EventTypePaymentDeclined,
	},
	{
		ID: ConditionAccountDisabled, Name: "account disabled", EventID: NotificationEventAccountDisabled,
		Description: "When the account is disabled by its manager.",
		EventType:   EventTypeAccountDisabled,
	},
}

func init() {
	for _, c := range notificationConditions {
		c.AssociatedRecordType, c.SupportedChannels, c.CreatedAt = AssociatedRecordAccount, deliverableChannels, catalogueDate
	}
}

// conditionByID returns the catalogue's condition of id, or nil.
func conditionByID(id string) *NotificationEventCondition {
	for _, c := range notificationConditions {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// ConditionQuery selects a page of the catalogue's conditions.
type ConditionQuery struct {
	// AssociatedRecordType keeps the conditions about that kind of record;
	// empty keeps all.
	AssociatedRecordType string
	Page                 Page
}

// ListNotificationEventConditions returns a page of the catalogue's
// conditions. Any authenticated caller may read it: it is the same for
// every account. Returns EBADREQUEST for a bad page or filter.
func (s *Service) ListNotificationEventConditions(_ context.Context, c *Caller, q ConditionQuery) ([]*NotificationEventCondition, PageMeta, error) {
	if err := requireCaller(c); err != nil {
		return nil, PageMeta{}, err
	}
	if err := validatePage(&q.Page); err != nil {
		return nil, PageMeta{}, err
	}
	var matching []*NotificationEventCondition
	for _, cond := range notificationConditions {
		if q.AssociatedRecordType == "" || q.AssociatedRecordType == cond.AssociatedRecordType {
			matching = append(matching, cond)
		}
	}
	return pageOf(matching, q.Page), NewPageMeta(q.Page, len(matching)), nil
}

// ListNotificationEvents returns a page of the catalogue's kinds of
// notification, to any authenticated caller. Returns EBADREQUEST for a bad
// page.
func (s *Service) ListNotificationEvents(_ context.Context, c *Caller, page Page) ([]*NotificationEvent, PageMeta, error) {
	if err := requireCaller(c); err != nil {
		return nil, PageMeta{}, err
	}
	if err := validatePage(&page); err != nil {
		return nil, PageMeta{}, err
	}
	return pageOf(notificationEvents, page), NewPageMeta(page, len(notificationEvents)), nil
}

// pageOf cuts page p out of all, which is in order.
func pageOf[T any](all []T, p Page) []T {
	out := []T{}
	if off := p.Offset(); off < len(all) {
		out = append(out, all[off:min(off+p.Size, len(all))]...)
	}
	return out
}

// requireCaller refuses a request without an authenticated account.
func requireCaller(c *Caller) error {
	if c == nil || c.Account == nil {
		return Errorf(EUNAUTHENTICATED, "Authentication failed.")
	}
	return nil
}
