package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// The portal's sessions, stored by the hash of their token.

// sessionID is a fresh session ID, 64 hex digits as the service makes them.
func sessionID() string { return strings.ReplaceAll(uuid.NewString()+uuid.NewString(), "-", "") }

func (f *fixture) portalSession(accountID, actingAsID string) *backend.PortalSession {
	now := f.tick()
	return &backend.PortalSession{
		ID: sessionID(), AccountID: accountID, ActingAsID: actingAsID,
		CreatedAt: now, LastSeenAt: now.Add(time.Microsecond), ExpiresAt: now.Add(backend.PortalSessionMaxAge),
	}
}

func (f *fixture) getPortalSession(id string) (*backend.PortalSession, error) {
	var ps *backend.PortalSession
	err := f.s.ReadTx(f.ctx, func(tx backend.Tx) error {
		var err error
		ps, err = tx.GetPortalSession(f.ctx, id)
		return err
	})
	return ps, err
}

func samePortalSession(t *testing.T, got, want *backend.PortalSession) {
	t.Helper()
	for _, tm := range []time.Time{got.CreatedAt, got.LastSeenAt, got.ExpiresAt} {
		if tm.Location() != time.UTC {
			t.Errorf("time %v is not in UTC", tm)
		}
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.LastSeenAt.Equal(want.LastSeenAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("times = %v / %v / %v, want %v / %v / %v", got.CreatedAt, got.LastSeenAt, got.ExpiresAt,
			want.CreatedAt, want.LastSeenAt, want.ExpiresAt)
	}
	g, w := *got, *want
	g.CreatedAt, g.LastSeenAt, g.ExpiresAt = w.CreatedAt, w.LastSeenAt, w.ExpiresAt
	if g != w {
		t.Errorf("session = %+v\nwant      %+v", g, w)
	}
}

func testPortalSessionRoundTrip(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("portal-manager@example.com")
	a := f.managed(m, "portal-managed@example.com", "Portal Managed")
	own, acting := f.portalSession(m.ID, ""), f.portalSession(m.ID, a.ID)
	f.write(func(tx backend.Tx) error {
		if err := tx.InsertPortalSession(f.ctx, own); err != nil {
			return err
		}
		return tx.InsertPortalSession(f.ctx, acting)
	})
	for _, want := range []*backend.PortalSession{own, acting} {
		got, err := f.getPortalSession(want.ID)
		if err != nil {
			t.Fatalf("GetPortalSession: %v", err)
		}
		samePortalSession(t, got, want)
	}
}

func testPortalSessionIdentity(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("portal-identity@example.com")
	ps := f.portalSession(m.ID, "")
	f.write(func(tx backend.Tx) error { return tx.InsertPortalSession(f.ctx, ps) })
	again := f.portalSession(m.ID, "")
	again.ID = ps.ID
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertPortalSession(f.ctx, again) }), backend.ECONFLICT)

	orphan := f.portalSession(uuid.NewString(), "")
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertPortalSession(f.ctx, orphan) }); err == nil {
		t.Error("a session of an account that does not exist was stored")
	}
	actingOnNothing := f.portalSession(m.ID, uuid.NewString())
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertPortalSession(f.ctx, actingOnNothing) }); err == nil {
		t.Error("a session acting as an account that does not exist was stored")
	}
}

func testPortalSessionNotFound(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	missing := sessionID()
	_, err := f.getPortalSession(missing)
	wantKind(t, err, backend.ENOTFOUND)
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.TouchPortalSession(f.ctx, missing, f.tick()) }), backend.ENOTFOUND)
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.DeletePortalSession(f.ctx, missing) }), backend.ENOTFOUND)
}

func testTouchPortalSessionSetsOnlyLastSeen(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("portal-touch@example.com")
	ps := f.portalSession(m.ID, "")
	f.write(func(tx backend.Tx) error { return tx.InsertPortalSession(f.ctx, ps) })
	seen := f.tick().Add(time.Hour)
	f.write(func(tx backend.Tx) error { return tx.TouchPortalSession(f.ctx, ps.ID, seen) })
	got, err := f.getPortalSession(ps.ID)
	if err != nil {
		t.Fatalf("GetPortalSession: %v", err)
	}
	want := *ps
	want.LastSeenAt = seen
	samePortalSession(t, got, &want)
}

func testDeletedPortalSessionIsGone(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("portal-delete@example.com")
	gone, kept := f.portalSession(m.ID, ""), f.portalSession(m.ID, "")
	f.write(func(tx backend.Tx) error {
		if err := tx.InsertPortalSession(f.ctx, gone); err != nil {
			return err
		}
		return tx.InsertPortalSession(f.ctx, kept)
	})
	f.write(func(tx backend.Tx) error { return tx.DeletePortalSession(f.ctx, gone.ID) })
	_, err := f.getPortalSession(gone.ID)
	wantKind(t, err, backend.ENOTFOUND)
	if _, err := f.getPortalSession(kept.ID); err != nil {
		t.Errorf("the other session: %v, want it kept", err)
	}
}

// testPurgePortalSessions: expired sessions (at their absolute expiry,
// inclusive, or idle since before the bound) go, at most limit at a time;
// live ones stay.
func testPurgePortalSessions(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("portal-purge@example.com")
	now := base.Add(24 * time.Hour)
	idleBefore := now.Add(-backend.PortalSessionIdleTimeout)
	var live, expired []*backend.PortalSession
	for i := range 3 {
		ps := f.portalSession(m.ID, "")
		ps.LastSeenAt, ps.ExpiresAt = now.Add(-time.Duration(i)*time.Minute), now.Add(time.Hour)
		live = append(live, ps)
	}
	atExpiry := f.portalSession(m.ID, "")
	atExpiry.LastSeenAt, atExpiry.ExpiresAt = now, now
	idle := f.portalSession(m.ID, "")
	idle.LastSeenAt, idle.ExpiresAt = idleBefore.Add(-time.Microsecond), now.Add(time.Hour)
	old := f.portalSession(m.ID, "")
	old.LastSeenAt, old.ExpiresAt = base, base.Add(time.Hour)
	expired = append(expired, atExpiry, idle, old)
	f.write(func(tx backend.Tx) error {
		for _, ps := range append(append([]*backend.PortalSession{}, live...), expired...) {
			if err := tx.InsertPortalSession(f.ctx, ps); err != nil {
				return err
			}
		}
		return nil
	})
	purge := func(limit int) int {
		t.Helper()
		var n int
		f.write(func(tx backend.Tx) error {
			var err error
			n, err = tx.PurgePortalSessions(f.ctx, now, idleBefore, limit)
			return err
		})
		return n
	}
	if n := purge(2); n != 2 {
		t.Errorf("first purge with limit 2 deleted %d, want 2", n)
	}
	if n := purge(10); n != 1 {
		t.Errorf("second purge deleted %d, want the 1 left", n)
	}
	if n := purge(10); n != 0 {
		t.Errorf("third purge deleted %d, want 0", n)
	}
	for _, ps := range expired {
		if _, err := f.getPortalSession(ps.ID); backend.ErrorKind(err) != backend.ENOTFOUND {
			t.Errorf("expired session (last seen %v, expires %v): %v, want it purged", ps.LastSeenAt, ps.ExpiresAt, err)
		}
	}
	for _, ps := range live {
		if _, err := f.getPortalSession(ps.ID); err != nil {
			t.Errorf("live session (last seen %v): %v, want it kept", ps.LastSeenAt, err)
		}
	}
}
