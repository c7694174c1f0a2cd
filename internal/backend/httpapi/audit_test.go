package httpapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// auditEventJSON is one entry of the audit log.
type auditEventJSON struct {
	RecordType     string         `json:"record_type"`
	ID             string         `json:"id"`
	AccountID      string         `json:"account_id"`
	ActorAccountID *string        `json:"actor_account_id"`
	ChangeMadeBy   string         `json:"change_made_by"`
	Action         string         `json:"action"`
	Changes        map[string]any `json:"changes"`
	CreatedAt      string         `json:"created_at"`
}

// auditPage reads one page of an audit log endpoint as key.
func auditPage(t *testing.T, srv *backendtest.Server, path, key, query string) (list[auditEventJSON], *apiResponse) {
	t.Helper()
	if query != "" {
		path += "?" + query
	}
	r := call(t, srv, http.MethodGet, path, key, nil)
	r.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(r.body), `"data":[`) {
		t.Fatalf("%s; data must be an array", r)
	}
	var out list[auditEventJSON]
	r.decode(t, &out)
	return out, r
}

// wholeAuditLog pages through an audit log endpoint and returns every event,
// with the raw bodies it came in.
func wholeAuditLog(t *testing.T, srv *backendtest.Server, path, key, query string) ([]auditEventJSON, [][]byte) {
	t.Helper()
	var (
		events []auditEventJSON
		bodies [][]byte
	)
	for n := 1; ; n++ {
		q := fmt.Sprintf("page[number]=%d&page[size]=250", n)
		if query != "" {
			q += "&" + query
		}
		page, r := auditPage(t, srv, path, key, q)
		events = append(events, page.Data...)
		bodies = append(bodies, r.body)
		if n >= page.Meta.TotalPages {
			return events, bodies
		}
	}
}

// checkAuditShape checks what every event must be: complete, newest first,
// and without an actor exactly when the operator acted.
func checkAuditShape(t *testing.T, events []auditEventJSON) {
	t.Helper()
	for i, e := range events {
		if e.RecordType != "audit_event" || e.ID == "" || e.AccountID == "" || e.Action == "" || e.Changes == nil || !timestampPattern.MatchString(e.CreatedAt) {
			t.Fatalf("incomplete event %+v", e)
		}
		if (e.ChangeMadeBy == "operator") != (e.ActorAccountID == nil) {
			t.Fatalf("event %+v: the actor must be null exactly for the operator", e)
		}
		if i > 0 && e.CreatedAt > events[i-1].CreatedAt {
			t.Fatalf("events not newest first: %s after %s", e.CreatedAt, events[i-1].CreatedAt)
		}
	}
}

// TestAuditChangeMadeBy: each mutation is recorded with its actor, and as the
// manager's when a manager acts on a managed account or as one, through its
// primary key or any key made with such a key; as the owner's otherwise; as
// the operator's (with no actor) for the operator API. No event holds a
// secret.
func TestAuditChangeMadeBy(t *testing.T) {
	srv := backendtest.Start(t)
	secrets := []string{srv.ManagerKey, srv.OperatorKey, "first-long-password", "second-long-password"}
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Audited", "password": "first-long-password"})
	secrets = append(secrets, managed.APIKey, managed.APIToken)
	call(t, srv, http.MethodPatch, "/v2/managed_accounts/"+managed.ID, srv.ManagerKey,
		map[string]any{"password": "second-long-password", "managed_account_allow_custom_pricing": true}).wantStatus(t, http.StatusOK)
	call(t, srv, http.MethodPost, "/v2/managed_accounts/"+managed.ID+"/actions/disable", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	call(t, srv, http.MethodPost, "/v2/managed_accounts/"+managed.ID+"/actions/enable", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)

	// Acting as the managed account through its primary key.
	actingID, actingKey := srv.CreateAPIKey(t, managed.APIKey, map[string]any{"description": "made acting as"})
	// A key made with that key is the manager's too.
	secondID, secondKey := srv.CreateAPIKey(t, actingKey, map[string]any{"description": "made by a manager's key"})
	patchKey(t, srv, secondKey, actingID, map[string]any{"description": "renamed by the second key"})
	// The manager on its own account, with its primary key and with a key of its own.
	ownID, ownKey := srv.CreateAPIKey(t, srv.ManagerKey, map[string]any{"description": "the manager's own"})
	ownSecondID, ownSecondKey := srv.CreateAPIKey(t, ownKey, nil)
	srv.RevokeAPIKey(t, ownKey, ownSecondID)
	secrets = append(secrets, actingKey, secondKey, ownKey, ownSecondKey)
	// The operator.
	srv.Adjust(t, managed.ID, "5.00")

	events, bodies := wholeAuditLog(t, srv, "/reference/audit_events", srv.OperatorKey, "")
	checkAuditShape(t, events)
	find := func(action, accountID, keyID string) auditEventJSON {
		t.Helper()
		var found []auditEventJSON
		for _, e := range events {
			if e.Action == action && e.AccountID == accountID && (keyID == "" || e.Changes["api_key_id"] == keyID) {
				found = append(found, e)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%d events %s on %s (key %q), want 1: %+v", len(found), action, accountID, keyID, events)
		}
		return found[0]
	}
	cases := []struct {
		name                      string
		action, accountID, keyID  string
		wantActor, wantChangeMade string
	}{
		{"the operator creates the manager", "manager_account.create", srv.ManagerID, "", "", "operator"},
		{"the manager creates its managed account", "managed_account.create", managed.ID, "", srv.ManagerID, "account_manager"},
		{"the manager updates it", "managed_account.update", managed.ID, "", srv.ManagerID, "account_manager"},
		{"the manager disables it", "managed_account.disable", managed.ID, "", srv.ManagerID, "account_manager"},
		{"the manager enables it", "managed_account.enable", managed.ID, "", srv.ManagerID, "account_manager"},
		{"its primary key creates a key", "api_key.create", managed.ID, actingID, managed.ID, "account_manager"},
		{"a key made by it creates a key", "api_key.create", managed.ID, secondID, managed.ID, "account_manager"},
		{"a key made by it updates a key", "api_key.update", managed.ID, actingID, managed.ID, "account_manager"},
		{"the manager's primary key creates a key", "api_key.create", srv.ManagerID, ownID, srv.ManagerID, "account_owner"},
		{"the manager's own key creates a key", "api_key.create", srv.ManagerID, ownSecondID, srv.ManagerID, "account_owner"},
		{"the manager's own key revokes a key", "api_key.revoke", srv.ManagerID, ownSecondID, srv.ManagerID, "account_owner"},
		{"the operator adjusts the balance", "ledger.adjustment", managed.ID, "", "", "operator"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := find(tc.action, tc.accountID, tc.keyID)
			actor := ""
			if e.ActorAccountID != nil {
				actor = *e.ActorAccountID
			}
			if actor != tc.wantActor || e.ChangeMadeBy != tc.wantChangeMade {
				t.Fatalf("event %s %s on %s: actor %q, change_made_by %q; want %q and %q",
					e.ID, e.Action, e.AccountID, actor, e.ChangeMadeBy, tc.wantActor, tc.wantChangeMade)
			}
		})
	}

	t.Run("events say what changed", func(t *testing.T) {
		update := find("api_key.update", managed.ID, actingID)
		want := map[string]any{"old": "made acting as", "new": "renamed by the second key"}
		if got, _ := update.Changes["description"].(map[string]any); got["old"] != want["old"] || got["new"] != want["new"] {
			t.Fatalf("api_key.update changes %v, want description %v", update.Changes, want)
		}
		if got := find("managed_account.update", managed.ID, "").Changes; got["password_changed"] != true {
			t.Fatalf("managed_account.update changes %v, want password_changed", got)
		}
		if got := find("api_key.create", srv.ManagerID, ownID).Changes; got["description"] != "the manager's own" || got["masked_key"] == nil {
			t.Fatalf("api_key.create changes %v", got)
		}
	})

	t.Run("the operator's events have a null actor", func(t *testing.T) {
		_, r := auditPage(t, srv, "/reference/audit_events", srv.OperatorKey, "filter[account_id]="+srv.ManagerID+"&page[size]=250")
		if !strings.Contains(string(r.body), `"actor_account_id":null`) {
			t.Fatalf("%s; want a null actor_account_id", r)
		}
	})

	t.Run("no event holds a secret", func(t *testing.T) {
		managerEvents, managerBodies := wholeAuditLog(t, srv, "/v2/audit_events", srv.ManagerKey, "")
		if len(managerEvents) == 0 || len(events) < len(cases) {
			t.Fatalf("the logs are too short to prove anything: %d and %d events", len(managerEvents), len(events))
		}
		for _, body := range append(bodies, managerBodies...) {
			for _, secret := range secretParts(secrets) {
				if bytes.Contains(body, []byte(secret)) {
					t.Fatalf("an audit log answer holds a secret (%d characters, ending %q)", len(secret), secret[len(secret)-4:])
				}
			}
		}
	})
}

// secretParts are the secrets themselves and, for API keys, each random part
// alone, so that a leak of either half is caught.
func secretParts(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		out = append(out, s)
		if id, tail, ok := strings.Cut(strings.TrimPrefix(s, "KEY"), "_"); ok && strings.HasPrefix(s, "KEY") {
			out = append(out, id, tail)
		}
	}
	return out
}

// TestAuditTimeRange pins down filter[created_at][gte] and [lte]: RFC 3339,
// both bounds inclusive, and a 400 naming the parameter for anything else.
func TestAuditTimeRange(t *testing.T) {
	srv := backendtest.Start(t)
	// Later than everything Start wrote, on whole seconds.
	t1 := srv.Now().UTC().Add(time.Hour).Truncate(time.Second)
	var keys []string
	for i := range 3 {
		srv.SetTime(t1.Add(time.Duration(i) * time.Minute))
		id, _ := srv.CreateAPIKey(t, srv.ManagerKey, map[string]any{"description": fmt.Sprintf("key %d", i)})
		keys = append(keys, id)
	}
	rfc := func(d time.Duration) string { return t1.Add(d).Format(time.RFC3339Nano) }
	cases := []struct {
		query string
		want  []string // the keys whose creation events match, newest first
	}{
		{"filter[created_at][gte]=" + rfc(0), []string{keys[2], keys[1], keys[0]}},
		{"filter[created_at][gte]=" + rfc(time.Minute), []string{keys[2], keys[1]}},
		{"filter[created_at][gte]=" + rfc(time.Minute+time.Millisecond), []string{keys[2]}},
		{"filter[created_at][gte]=" + rfc(0) + "&filter[created_at][lte]=" + rfc(time.Minute), []string{keys[1], keys[0]}},
		{"filter[created_at][gte]=" + rfc(2*time.Minute) + "&filter[created_at][lte]=" + rfc(2*time.Minute), []string{keys[2]}},
		{"filter[created_at][gte]=" + rfc(3*time.Minute), nil},
		// The same instant in another zone, with fractional seconds.
		{"filter[created_at][gte]=" + url.QueryEscape(t1.Add(time.Minute).In(time.FixedZone("", -5*3600)).Format("2006-01-02T15:04:05.000-07:00")), []string{keys[2], keys[1]}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			for _, path := range []string{"/v2/audit_events", "/reference/audit_events"} {
				key := srv.ManagerKey
				if strings.HasPrefix(path, "/reference") {
					key = srv.OperatorKey
				}
				page, _ := auditPage(t, srv, path, key, tc.query)
				var got []string
				for _, e := range page.Data {
					if e.Action != "api_key.create" {
						t.Fatalf("%s: unexpected event %+v in the range", path, e)
					}
					id, _ := e.Changes["api_key_id"].(string)
					got = append(got, id)
				}
				if !slices.Equal(got, tc.want) || page.Meta.TotalResults != len(tc.want) {
					t.Fatalf("%s: got %v (total %d), want %v", path, got, page.Meta.TotalResults, tc.want)
				}
			}
		})
	}
	t.Run("lte alone includes the events before the range", func(t *testing.T) {
		page, _ := auditPage(t, srv, "/v2/audit_events", srv.ManagerKey, "filter[created_at][lte]="+rfc(0))
		if len(page.Data) < 2 || page.Data[0].Changes["api_key_id"] != keys[0] || page.Data[len(page.Data)-1].Action != "manager_account.create" {
			t.Fatalf("got %+v; want the first key's creation, then everything before it", page.Data)
		}
	})

	bad := []struct{ query, parameter string }{
		{"filter[created_at][gte]=yesterday", "filter[created_at][gte]"},
		{"filter[created_at][gte]=2030-01-01", "filter[created_at][gte]"},
		{"filter[created_at][gte]=2030-01-01T00:00:00", "filter[created_at][gte]"},
		{"filter[created_at][lte]=2030-13-01T00:00:00Z", "filter[created_at][lte]"},
		{"filter[created_at][lte]=", "filter[created_at][lte]"},
		// An unescaped "+" in a query string is a space.
		{"filter[created_at][gte]=2030-01-01T00:00:00+01:00", "filter[created_at][gte]"},
		{"filter[created_at][gte]=" + rfc(time.Minute) + "&filter[created_at][lte]=" + rfc(0), "filter[created_at][lte]"},
		{"filter[created_at][gte]=" + rfc(0) + "&filter[created_at][gte]=" + rfc(time.Minute), "filter[created_at][gte]"},
		{"filter[created_at][gt]=" + rfc(0), "filter[created_at][gt]"},
		{"filter[actor_account_id]=x", "filter[actor_account_id]"},
		{"filter[account_id]=", "filter[account_id]"},
		{"page[size]=251", "page[size]"},
		{"page[number]=0", "page[number]"},
	}
	for _, b := range bad {
		t.Run("refuses "+b.query, func(t *testing.T) {
			call(t, srv, http.MethodGet, "/v2/audit_events?"+b.query, srv.ManagerKey, nil).
				wantError(t, errWant{status: 400, code: "10015", parameter: b.parameter})
			call(t, srv, http.MethodGet, "/reference/audit_events?"+b.query, srv.OperatorKey, nil).
				wantError(t, errWant{status: 400, code: "10015", parameter: b.parameter})
		})
	}
}

// TestAuditScope: a manager reads events about itself and its managed
// accounts only; a managed account cannot read the log; the operator reads
// every account's, filtered by account.
func TestAuditScope(t *testing.T) {
	srv := backendtest.Start(t)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Mine"})
	otherID, otherKey := srv.NewManager(t)
	theirs := createManaged(t, srv, otherKey, map[string]any{"business_name": "Theirs"})
	srv.AdvanceTime(time.Millisecond) // so that newest first is one order, not a tie
	srv.CreateAPIKey(t, theirs.APIKey, nil)

	mine, _ := wholeAuditLog(t, srv, "/v2/audit_events", srv.ManagerKey, "")
	checkAuditShape(t, mine)
	for _, e := range mine {
		if e.AccountID != srv.ManagerID && e.AccountID != managed.ID {
			t.Fatalf("the manager sees %+v, outside its tree", e)
		}
	}
	page, _ := auditPage(t, srv, "/v2/audit_events", srv.ManagerKey, "filter[account_id]="+managed.ID)
	if len(page.Data) != 1 || page.Data[0].Action != "managed_account.create" || page.Meta.TotalResults != 1 {
		t.Fatalf("filter[account_id] on its managed account: %+v", page.Data)
	}
	for _, id := range []string{theirs.ID, otherID, "00000000-0000-0000-0000-000000000000"} {
		if page, _ := auditPage(t, srv, "/v2/audit_events", srv.ManagerKey, "filter[account_id]="+id); len(page.Data) != 0 || page.Meta.TotalResults != 0 {
			t.Fatalf("filter[account_id]=%s outside the tree answered %+v, want nothing", id, page.Data)
		}
	}

	t.Run("a managed account's keys are refused", func(t *testing.T) {
		_, userKey := srv.CreateAPIKey(t, managed.APIKey, nil)
		for _, key := range []string{managed.APIKey, userKey} {
			call(t, srv, http.MethodGet, "/v2/audit_events", key, nil).wantError(t, errWant{status: 403, code: "10010"})
		}
	})

	t.Run("the operator reads any account's", func(t *testing.T) {
		got, _ := wholeAuditLog(t, srv, "/reference/audit_events", srv.OperatorKey, "filter[account_id]="+theirs.ID)
		checkAuditShape(t, got)
		var actions []string
		for _, e := range got {
			if e.AccountID != theirs.ID {
				t.Fatalf("filter[account_id]=%s answered %+v", theirs.ID, e)
			}
			actions = append(actions, e.Action)
		}
		if !slices.Equal(actions, []string{"api_key.create", "managed_account.create"}) {
			t.Fatalf("actions %v", actions)
		}
		if got[1].ActorAccountID == nil || *got[1].ActorAccountID != otherID || got[1].ChangeMadeBy != "account_manager" {
			t.Fatalf("the creation of another manager's account: %+v", got[1])
		}
		all, _ := wholeAuditLog(t, srv, "/reference/audit_events", srv.OperatorKey, "")
		if len(all) <= len(mine) {
			t.Fatalf("the operator sees %d events, no more than one manager's %d", len(all), len(mine))
		}
		call(t, srv, http.MethodGet, "/reference/audit_events", srv.ManagerKey, nil).wantError(t, errWant{status: 401, code: "10009"})
	})
}
