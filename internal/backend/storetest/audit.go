package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Conformance of the audit log part of Tx: inserts, events about no
// account, and the scoped, filtered, paged list.

func testAuditEventInsert(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "A")
	f.write(func(tx backend.Tx) error {
		for _, e := range []*backend.AuditEvent{
			{ID: uuid.NewString(), AccountID: a.ID, ActorAccountID: m.ID, ChangeMadeBy: backend.ChangeByAccountManager,
				Action: "managed_account.update", Changes: map[string]any{"status": map[string]any{"old": "enabled", "new": "disabled"}}, CreatedAt: f.tick()},
			{ID: uuid.NewString(), AccountID: m.ID, ChangeMadeBy: backend.ChangeByOperator, Action: "account.cancel", CreatedAt: f.tick()},
		} {
			if err := tx.InsertAuditEvent(f.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	e := &backend.AuditEvent{ID: uuid.NewString(), AccountID: uuid.NewString(), ChangeMadeBy: backend.ChangeByOperator, Action: "x", CreatedAt: f.tick()}
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAuditEvent(f.ctx, e) }); err == nil {
		t.Error("an audit event about an account that does not exist was stored")
	}
}

// testAuditEventWithoutAccount: a change about no account (the operator's
// price book) is stored without one, listed with the whole log, and in no
// account's or manager's scope.
func testAuditEventWithoutAccount(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	e := &backend.AuditEvent{ID: uuid.NewString(), ChangeMadeBy: backend.ChangeByOperator, Action: "pricing.price_book.set",
		Changes: map[string]any{"rate_count": float64(3)}, CreatedAt: f.tick()}
	f.write(func(tx backend.Tx) error { return tx.InsertAuditEvent(f.ctx, e) })
	f.read(func(tx backend.Tx) error {
		all, total, err := tx.ListAuditEvents(f.ctx, backend.AuditQuery{Page: backend.Page{Number: 1, Size: 10}})
		if err != nil {
			return err
		}
		if total != 1 || len(all) != 1 || all[0].ID != e.ID || all[0].AccountID != "" || all[0].Changes["rate_count"] != float64(3) {
			t.Errorf("the whole log is %+v (total %d), want the event without an account", all, total)
		}
		for _, q := range []backend.AuditQuery{{ManagerScope: m.ID}, {AccountID: m.ID}} {
			q.Page = backend.Page{Number: 1, Size: 10}
			got, total, err := tx.ListAuditEvents(f.ctx, q)
			if err != nil {
				return err
			}
			if total != 0 || len(got) != 0 {
				t.Errorf("%+v lists %+v, want nothing", q, got)
			}
		}
		return nil
	})
}

func testAuditList(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "A")
	other := f.manager("o@example.com")
	b := f.managed(other, "b@example.com", "B")
	var events []*backend.AuditEvent
	for i, acct := range []*backend.Account{m, a, b, a, other, m} {
		e := &backend.AuditEvent{ID: uuid.NewString(), AccountID: acct.ID, ActorAccountID: m.ID,
			ChangeMadeBy: backend.ChangeByAccountManager, Action: fmt.Sprintf("action.%d", i),
			Changes: map[string]any{"n": float64(i), "nested": map[string]any{"old": "x", "new": "y"}}, CreatedAt: f.tick()}
		if i == 4 {
			e.ActorAccountID, e.ChangeMadeBy = "", backend.ChangeByOperator
		}
		events = append(events, e)
	}
	f.write(func(tx backend.Tx) error {
		for _, e := range events {
			if err := tx.InsertAuditEvent(f.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	list := func(q backend.AuditQuery) ([]*backend.AuditEvent, int) {
		t.Helper()
		if q.Page == (backend.Page{}) {
			q.Page = backend.Page{Number: 1, Size: 50}
		}
		var (
			got   []*backend.AuditEvent
			total int
		)
		f.read(func(tx backend.Tx) error {
			var err error
			got, total, err = tx.ListAuditEvents(f.ctx, q)
			return err
		})
		return got, total
	}
	actions := func(list []*backend.AuditEvent) []string {
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = e.Action
		}
		return out
	}
	check := func(name string, q backend.AuditQuery, want ...string) {
		t.Helper()
		got, total := list(q)
		if !slices.Equal(actions(got), want) || total != len(want) {
			t.Errorf("%s: got %v (total %d), want %v", name, actions(got), total, want)
		}
	}
	check("everything, newest first", backend.AuditQuery{}, "action.5", "action.4", "action.3", "action.2", "action.1", "action.0")
	check("a manager's scope", backend.AuditQuery{ManagerScope: m.ID}, "action.5", "action.3", "action.1", "action.0")
	check("one account", backend.AuditQuery{AccountID: a.ID}, "action.3", "action.1")
	check("another manager's account in scope is empty", backend.AuditQuery{ManagerScope: m.ID, AccountID: b.ID})
	from, to := events[1].CreatedAt, events[3].CreatedAt
	check("inclusive time range", backend.AuditQuery{From: &from, To: &to}, "action.3", "action.2", "action.1")
	got, total := list(backend.AuditQuery{Page: backend.Page{Number: 3, Size: 2}})
	if !slices.Equal(actions(got), []string{"action.1", "action.0"}) || total != 6 {
		t.Errorf("page 3 of 2 = %v (total %d)", actions(got), total)
	}
	// Fields round-trip, an operator's event has no actor.
	all, _ := list(backend.AuditQuery{})
	op := all[1]
	if op.ActorAccountID != "" || op.ChangeMadeBy != backend.ChangeByOperator || !op.CreatedAt.Equal(events[4].CreatedAt) || op.AccountID != other.ID {
		t.Errorf("operator event = %+v", op)
	}
	if nested, ok := all[0].Changes["nested"].(map[string]any); !ok || nested["new"] != "y" || all[0].Changes["n"] != float64(5) {
		t.Errorf("changes = %#v", all[0].Changes)
	}
}
