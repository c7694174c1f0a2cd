package providerdata_test

import (
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// FuzzParseAccountScopedID checks the import identifier grammar, "<id>" or
// "<managed_account_id>/<id>" with neither part empty nor holding a "/":
// what is accepted joins back into the identifier it was read from, and
// what is refused does not have that form.
func FuzzParseAccountScopedID(f *testing.F) {
	for _, seed := range []string{
		"4f0c7f43-6d3a-4c8e-9c55-1f2b3c4d5e6f", "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed/4f0c7f43-6d3a-4c8e-9c55-1f2b3c4d5e6f",
		"", "/", "/key", "account/", "a/b/c", "a//b", " ", "acct/ key ", "self",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, importID string) {
		accountID, id, err := providerdata.ParseAccountScopedID(importID)
		parts := strings.Split(importID, "/")
		wellFormed := len(parts) <= 2 && !strings.Contains(importID, "//") && parts[0] != "" && parts[len(parts)-1] != ""
		if (err == nil) != wellFormed {
			t.Fatalf("ParseAccountScopedID(%q) = %q, %q, %v; want accepted = %v", importID, accountID, id, err, wellFormed)
		}
		if err != nil {
			if accountID != "" || id != "" {
				t.Fatalf("ParseAccountScopedID(%q) returned %q, %q with its error", importID, accountID, id)
			}
			return
		}
		if id == "" || strings.Contains(id, "/") || strings.Contains(accountID, "/") {
			t.Fatalf("ParseAccountScopedID(%q) = %q, %q: a part is empty or holds a /", importID, accountID, id)
		}
		joined := id
		if accountID != "" {
			joined = accountID + "/" + id
		}
		if joined != importID {
			t.Fatalf("ParseAccountScopedID(%q) = %q, %q, which join back into %q", importID, accountID, id, joined)
		}
	})
}
