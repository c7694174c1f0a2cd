package backend

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Notifications made (DESIGN 3.8): when a condition occurs, each setting of
// it gets a Notification, written in the transaction of the change that
// caused it (the charge that crossed a threshold, the declined payment, the
// disable), with one delivery per channel. A webhook delivery is pending
// until the delivery worker sends it (notification_delivery.go); an email
// or SMS cannot leave this machine and is written to the outbox, delivered,
// at once. A crash after the commit loses nothing: the worker finds the
// pending deliveries when it starts.

// Notification is one occurrence of a condition, for one setting. Its ID is
// the webhook's data.id: the same on every attempt and every channel, for
// receivers to deduplicate.
type Notification struct {
	ID          string
	AccountID   string
	SettingID   string
	ConditionID string
	EventType   string
	// Payload is the webhook's data.payload: a JSON object.
	Payload    string
	OccurredAt time.Time
}

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

// Delivery statuses: pending until a webhook is answered 2xx (delivered)
// or has been tried DeliveryOptions.MaxAttempts times (failed).
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed"
)

// NotificationDelivery is a notification on its way to one channel. The
// channel's type and destination are copied: a delivery goes where the
// channel pointed when the notification was made.
type NotificationDelivery struct {
	ID             string
	NotificationID string
	AccountID      string
	ChannelID      string
	ChannelType    ChannelType
	Destination    string
	// Subject and Message are what an email or SMS says (the outbox);
	// empty for a webhook, whose body is built at each attempt.
	Subject, Message string
	Status           DeliveryStatus
	Attempts         int
	NextAttemptAt    time.Time
	// LeaseOwner and LeaseUntil say which worker is sending it, until when.
	LeaseOwner  string
	LeaseUntil  *time.Time
	LastStatus  int // the last attempt's HTTP status; 0 when it got none
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DeliveredAt *time.Time

	// Notification is the notification delivered, when loaded with it.
	Notification *Notification
	// AttemptLog are the recorded attempts, oldest first, when loaded.
	AttemptLog []*DeliveryAttempt
}

// DeliveryAttempt is one try of a delivery.
type DeliveryAttempt struct {
	DeliveryID string
	Number     int // from 1
	At         time.Time
	Status     int    // the HTTP status answered; 0 when none
	Error      string // why it failed; empty when it succeeded
}

// DeliveryQuery selects a page of deliveries, newest first. Empty fields do
// not filter.
type DeliveryQuery struct {
	AccountID   string
	ChannelType ChannelType
	Status      DeliveryStatus
	Page        Page
}

// NotificationDeliveries is the part of NotificationStore that keeps what
// was notified.
type NotificationDeliveries interface {
	// InsertNotification stores a notification with its deliveries, and
	// the attempts each of them already has (AttemptLog).
	InsertNotification(ctx context.Context, n *Notification, deliveries []*NotificationDelivery) error
	// ClaimDueDeliveries leases to owner, until leaseUntil, at most limit
	// webhook deliveries that are pending, due at or before now and not
	// leased past now, and returns them with their notification. It shares
	// them out across accounts: the pending webhooks due at or before now
	// are ranked within their account, those leased past now (in flight)
	// first, then the longest due first, and the claim takes the lowest
	// ranks, the longest due first among equal ranks. So an account with
	// thousands due, or in flight to receivers that hang, does not hold
	// back another's first: that is claimed before the busy account's
	// second one in flight, whatever their due times. Where writers run
	// concurrently (PostgreSQL) it skips the deliveries another transaction
	// holds rather than wait for them.
	ClaimDueDeliveries(ctx context.Context, now, leaseUntil time.Time, owner string, limit int) ([]*NotificationDelivery, error)
	// RecordDeliveryAttempt stores attempt a of d and writes d's Status,
	// Attempts, NextAttemptAt, LastStatus, LastError, DeliveredAt and
	// UpdatedAt, releasing its lease, but only while owner holds the lease
	// (ECONFLICT otherwise: another worker took the delivery over).
	RecordDeliveryAttempt(ctx context.Context, d *NotificationDelivery, a *DeliveryAttempt, owner string) error
	// ListNotificationDeliveries returns a page of the deliveries q
	// selects, newest first (ties broken on ID), with their notification
	// and attempts, and their number across all pages.
	ListNotificationDeliveries(ctx context.Context, q DeliveryQuery) ([]*NotificationDelivery, int, error)
	// PurgeNotifications deletes at most limit notifications, the oldest
	// first, each whose every delivery finished (delivered, failed, or an
	// outbox entry) before before, together with those deliveries and
	// their attempts, and returns how many notifications it deleted. A
	// notification with a delivery still pending (due, leased or waiting
	// for a retry) is kept whole. Where writers run concurrently
	// (PostgreSQL) it skips the notifications another transaction holds.
	PurgeNotifications(ctx context.Context, before time.Time, limit int) (int, error)
}

// emitNotification notifies the settings of a condition that occurred:
// each gets a notification, with a delivery to each of its channels the
// condition supports (none when it has none). payload is the webhook's
// data.payload for a setting; subject and message, what an email or SMS
// says. It runs in the transaction of the change that caused it.
func (s *Service) emitNotification(ctx context.Context, tx Tx, settings []*NotificationSetting, cond *NotificationEventCondition,
	payload func(st *NotificationSetting) map[string]any, subject, message string,
) error {
	now := s.timestamp()
	emitted := false
	for _, st := range settings {
		channels, err := tx.ProfileChannels(ctx, st.ProfileID)
		if err != nil {
			return err
		}
		n := &Notification{ID: newID(), AccountID: st.AccountID, SettingID: st.ID, ConditionID: cond.ID, EventType: cond.EventType, OccurredAt: now}
		var deliveries []*NotificationDelivery
		for _, ch := range channels {
			if (st.ChannelID != "" && ch.ID != st.ChannelID) || !cond.Supports(ch.Type) {
				continue
			}
			d := &NotificationDelivery{
				ID: newID(), NotificationID: n.ID, AccountID: st.AccountID, ChannelID: ch.ID, ChannelType: ch.Type,
				Destination: ch.Destination, Status: DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
			}
			if ch.Type != ChannelWebhook {
				// Nothing leaves this machine: the outbox is its delivery.
				d.Subject, d.Message, d.Status, d.Attempts, d.DeliveredAt = subject, message, DeliveryDelivered, 1, &now
				d.AttemptLog = []*DeliveryAttempt{{DeliveryID: d.ID, Number: 1, At: now}}
			}
			deliveries = append(deliveries, d)
		}
		if len(deliveries) == 0 {
			continue
		}
		p := payload(st)
		p["account_id"], p["notification_setting_id"] = st.AccountID, st.ID
		body, err := json.Marshal(p)
		if err != nil {
			return Errorf(EINTERNAL, "encode a notification's payload: %v", err)
		}
		n.Payload = string(body)
		if err := tx.InsertNotification(ctx, n, deliveries); err != nil {
			return err
		}
		emitted = true
	}
	if emitted {
		s.notifications.wakeWorker()
	}
	return nil
}

// accountName is how a notification names an account: its organization,
// or its email.
func accountName(a *Account) string {
	if a.OrganizationName != "" {
		return a.OrganizationName
	}
	return a.Email
}

// afterCharge runs after charges (entries of zero or less) were posted to
// the ledger of account: auto-recharge, then the balance alerts
// of every account whose balance that ledger holds. A threshold fires when
// the charges took the settled balance from at or above it to below it,
// once auto-recharge has run: a balance that was already below does not
// fire again until it has been back at or above (a later charge sees that
// in the balance it starts from), so there is no alert storm, and a charge
// that auto-recharge makes good does not fire at all.
func (s *Service) afterCharge(ctx context.Context, tx Tx, account *Account, entries ...*LedgerEntry) error {
	var charged Money
	for _, e := range entries {
		// Bounded by the turnover the entries were checked against.
		charged += e.Amount
	}
	settings, err := tx.ConditionSettings(ctx, ConditionBalanceBelow, account.ID, true)
	if err != nil {
		return err
	}
	if len(settings) == 0 {
		return s.autoRecharge(ctx, tx, account)
	}
	at := s.now()
	sums, err := tx.LedgerTotals(ctx, account.ID, at)
	if err != nil {
		return err
	}
	// The charges settle when they are made: before them the balance was
	// less them. (Both are bounded by the ledger's turnover: no overflow.)
	before := sums.Settled - charged
	if err := s.autoRecharge(ctx, tx, account); err != nil {
		return err
	}
	if sums, err = tx.LedgerTotals(ctx, account.ID, s.now()); err != nil {
		return err
	}
	after := sums.Settled
	var crossed []*NotificationSetting
	for _, st := range settings {
		if before >= st.Threshold && after < st.Threshold {
			crossed = append(crossed, st)
		}
	}
	if len(crossed) == 0 {
		return nil
	}
	cond := conditionByID(ConditionBalanceBelow)
	// One notification per setting; each says its own threshold.
	for _, st := range crossed {
		subject := fmt.Sprintf("Balance below %s %s", st.Threshold, Currency)
		message := fmt.Sprintf("The balance of account %s is %s %s, below the threshold of %s %s (notification setting %s).",
			st.AccountID, after, Currency, st.Threshold, Currency, st.ID)
		err := s.emitNotification(ctx, tx, []*NotificationSetting{st}, cond, func(*NotificationSetting) map[string]any {
			return map[string]any{"balance": after.String(), "threshold_amount": st.Threshold.String(), "currency": Currency}
		}, subject, message)
		if err != nil {
			return err
		}
	}
	return nil
}

// paymentDeclined notifies the payment settings of account a that a
// payment of amount (paid in: a top-up or an auto-recharge) was declined or
// could not be made, for reason (card_declined, no_default_payment_method,
// amount_out_of_range). pm is the card tried; nil when none was.
func (s *Service) paymentDeclined(ctx context.Context, tx Tx, a *Account, amount Money, auto bool, reason string, pm *PaymentMethod) error {
	settings, err := tx.ConditionSettings(ctx, ConditionPaymentDeclined, a.ID, false)
	if err != nil || len(settings) == 0 {
		return err
	}
	what := "A top-up"
	if auto {
		what = "An auto-recharge"
	}
	subject := fmt.Sprintf("%s of %s %s was not made", what, amount, Currency)
	message := fmt.Sprintf("%s of %s %s of %s (account %s) was not made: %s.", what, amount, Currency, accountName(a), a.ID, reason)
	return s.emitNotification(ctx, tx, settings, conditionByID(ConditionPaymentDeclined), func(*NotificationSetting) map[string]any {
		p := map[string]any{"amount": amount.String(), "currency": Currency, "auto_recharge": auto, "reason": reason}
		if pm != nil {
			p["payment_method_id"], p["brand"], p["last4"] = pm.ID, pm.Card.Brand, pm.Card.Last4
		}
		return p
	}, subject, message)
}

// rechargeFailed records an auto-recharge that was not made: its audit
// event, and the account's payment notifications.
func (s *Service) rechargeFailed(ctx context.Context, tx Tx, a *Account, amount Money, pm *PaymentMethod, changes map[string]any) error {
	if err := s.audit(ctx, tx, nil, a.ID, "auto_recharge.failed", changes); err != nil {
		return err
	}
	reason, _ := changes["reason"].(string)
	return s.paymentDeclined(ctx, tx, a, amount, true, reason, pm)
}

// topUpDeclined notifies the caller's payment settings of a declined
// top-up. The top-up itself wrote nothing, so this is a transaction of its
// own, made before the refusal is answered: when it fails, its error is
// answered instead (a retry of the top-up notifies again).
func (s *Service) topUpDeclined(ctx context.Context, c *Caller, pm *PaymentMethod, amount Money) error {
	return s.store.WriteTx(ctx, func(tx Tx) error {
		a, err := tx.GetAccount(ctx, c.Account.ID)
		if err != nil {
			return err
		}
		return s.paymentDeclined(ctx, tx, a, amount, false, "card_declined", pm)
	})
}

// accountChanged notifies what a change of a managed account's status
// calls for: a disable, its account-disabled settings.
func (s *Service) accountChanged(ctx context.Context, tx Tx, a *Account, action string) error {
	if action != "managed_account.disable" || a.Status != StatusDisabled {
		return nil
	}
	settings, err := tx.ConditionSettings(ctx, ConditionAccountDisabled, a.ID, false)
	if err != nil || len(settings) == 0 {
		return err
	}
	subject := "Account disabled"
	message := fmt.Sprintf("The account %s (%s) was disabled by its manager: its API keys and sign-in stop working until it is enabled.",
		accountName(a), a.ID)
	return s.emitNotification(ctx, tx, settings, conditionByID(ConditionAccountDisabled), func(*NotificationSetting) map[string]any {
		return map[string]any{"status": string(StatusDisabled)}
	}, subject, message)
}

// ListDeliveries returns a page of the deliveries q selects, newest first,
// with their notification and attempts: the operator's view (every
// account's, the outbox of emails and SMS among them). Returns EBADREQUEST
// for a bad page.
func (s *Service) ListDeliveries(ctx context.Context, q DeliveryQuery) ([]*NotificationDelivery, PageMeta, error) {
	if err := validatePage(&q.Page); err != nil {
		return nil, PageMeta{}, err
	}
	var (
		list  []*NotificationDelivery
		total int
	)
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		list, total, err = tx.ListNotificationDeliveries(ctx, q)
		return err
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	return list, NewPageMeta(q.Page, total), nil
}

// AccountDeliveries returns a page of the caller's own deliveries, newest
// first, with their notification and attempts (the portal's view).
func (s *Service) AccountDeliveries(ctx context.Context, c *Caller, page Page) ([]*NotificationDelivery, PageMeta, error) {
	return s.ListDeliveries(ctx, DeliveryQuery{AccountID: c.Account.ID, Page: page})
}
