package sqlstore_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

func TestEscapeLikeMatchesWildcardsLiterally(t *testing.T) {
	if got, want := sqlstore.EscapeLike(`50%_off\now`), `50\%\_off\\now`; got != want {
		t.Errorf("EscapeLike = %s, want %s", got, want)
	}
}

// TestNothingIsStoredAsNull: unset tags and changes are stored as an empty
// array and object, and read back so.
func TestNothingIsStoredAsNull(t *testing.T) {
	tags, err := sqlstore.EncodeTags(nil)
	if err != nil || tags != "[]" {
		t.Errorf("EncodeTags(nil) = %q, %v", tags, err)
	}
	if got, err := sqlstore.DecodeTags(tags); err != nil || got == nil || len(got) != 0 {
		t.Errorf("DecodeTags(%q) = %#v, %v; want an empty list", tags, got, err)
	}
	if got, err := sqlstore.DecodeTags(`["a","b"]`); err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("DecodeTags = %v, %v", got, err)
	}
	changes, err := sqlstore.EncodeAuditChanges(nil)
	if err != nil || changes != "{}" {
		t.Errorf("EncodeAuditChanges(nil) = %q, %v", changes, err)
	}
	if _, err := sqlstore.DecodeAuditChanges("not json"); err == nil {
		t.Error("DecodeAuditChanges accepted text that is not JSON")
	}
}

func TestSavepointNamesNeverRepeat(t *testing.T) {
	if a, b := sqlstore.SavepointName(), sqlstore.SavepointName(); a == b {
		t.Errorf("two savepoints named %s", a)
	}
	err := sqlstore.NestedRollbackFailed(errors.New("connection lost"), backend.NotFound("Account"))
	if !errors.Is(err, backend.ErrNestedRollback) {
		t.Errorf("%v is not ErrNestedRollback", err)
	}
}

func TestManagedAccountOrderBreaksTiesInItsDirection(t *testing.T) {
	for sort, want := range map[backend.SortOrder]string{
		{}:                                      "created_at ASC, id ASC",
		{Field: "email", Descending: true}:      "lower(email) DESC, id DESC",
		{Field: "created_at", Descending: true}: "created_at DESC, id DESC",
	} {
		if got, err := sqlstore.ManagedAccountOrder(sort); err != nil || got != want {
			t.Errorf("ManagedAccountOrder(%+v) = %q, %v; want %q", sort, got, err, want)
		}
	}
	if _, err := sqlstore.ManagedAccountOrder(backend.SortOrder{Field: "password_hash"}); err == nil {
		t.Error("ManagedAccountOrder accepted an unknown field")
	}
}
