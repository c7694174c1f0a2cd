package portal

import (
	"net/http"
	"strings"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// notificationsPage is an account's notifications (DESIGN 3.8): what it is
// notified of and where, what was sent lately, and the key that verifies
// its webhooks. Settings are made through the API.
type notificationsPage struct {
	Settings   []settingRow
	Deliveries []deliveryRow
	// More is how many older deliveries the page leaves out.
	More      int
	PublicKey string
}

// settingRow is one setting: its condition, its parameters and where it
// notifies.
type settingRow struct {
	ID, Condition, Parameters, Profile string
	// Channels are the channels notified: the setting's one, or every
	// channel of its profile.
	Channels []string
}

// deliveryRow is one notification on its way to one channel.
type deliveryRow struct {
	D          *backend.NotificationDelivery
	Event      string
	Channel    string
	LastError  string
	LastStatus int
}

// deliveriesShown is how many of the newest deliveries the page shows.
const deliveriesShown = 50

// allOf is a page large enough for every notification object of an
// account (at most MaxNotificationChannelsPerAccount of each kind).
var allOf = backend.Page{Number: 1, Size: backend.MaxPageSize}

func (p *Portal) notifications(rq *request) error {
	ctx, c := rq.r.Context(), rq.caller
	conditions, _, err := p.svc.ListNotificationEventConditions(ctx, c, backend.ConditionQuery{Page: allOf})
	if err != nil {
		return err
	}
	profiles, _, err := p.svc.ListNotificationProfiles(ctx, c, allOf)
	if err != nil {
		return err
	}
	channels, _, err := p.svc.ListNotificationChannels(ctx, c, backend.ChannelQuery{Page: allOf})
	if err != nil {
		return err
	}
	settings, _, err := p.svc.ListNotificationSettings(ctx, c, backend.SettingQuery{Page: allOf})
	if err != nil {
		return err
	}
	deliveries, meta, err := p.svc.AccountDeliveries(ctx, c, backend.Page{Number: 1, Size: deliveriesShown})
	if err != nil {
		return err
	}
	conditionNames, eventNames := map[string]string{}, map[string]string{}
	for _, cond := range conditions {
		conditionNames[cond.ID], eventNames[cond.EventType] = cond.Name, cond.Name
	}
	profileNames := map[string]string{}
	for _, pr := range profiles {
		profileNames[pr.ID] = pr.Name
	}
	page := &notificationsPage{PublicKey: p.svc.WebhookPublicKey(), More: meta.TotalResults - len(deliveries)}
	for _, st := range settings {
		row := settingRow{ID: st.ID, Condition: conditionNames[st.ConditionID], Profile: profileNames[st.ProfileID]}
		var params []string
		for _, prm := range st.Parameters {
			params = append(params, prm.Name+" "+prm.Value)
		}
		row.Parameters = strings.Join(params, ", ")
		for _, ch := range channels {
			if ch.ProfileID == st.ProfileID && (st.ChannelID == "" || st.ChannelID == ch.ID) {
				row.Channels = append(row.Channels, channelLabel(ch.Type, ch.Destination))
			}
		}
		page.Settings = append(page.Settings, row)
	}
	for _, d := range deliveries {
		row := deliveryRow{D: d, Event: eventNames[d.Notification.EventType], Channel: channelLabel(d.ChannelType, d.Destination)}
		if d.Status != backend.DeliveryDelivered {
			row.LastError, row.LastStatus = d.LastError, d.LastStatus
		}
		page.Deliveries = append(page.Deliveries, row)
	}
	v := p.newView(rq, "Notifications", "notifications")
	v.Page = page
	p.render(rq, http.StatusOK, "notifications", v)
	return nil
}

// channelLabel names a channel by its type and destination.
func channelLabel(t backend.ChannelType, destination string) string {
	names := map[backend.ChannelType]string{backend.ChannelWebhook: "Webhook", backend.ChannelEmail: "Email", backend.ChannelSMS: "SMS"}
	name, ok := names[t]
	if !ok {
		name = string(t)
	}
	return name + " " + destination
}
