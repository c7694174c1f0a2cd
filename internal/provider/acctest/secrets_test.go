package acctest_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestFindSecrets checks the scan itself: each form of a secret is found, by
// its own name, inside a larger document (hex and digests in upper case too,
// base64 at each alignment inside an encoded document), and nothing is found
// in a document without the secret.
func TestFindSecrets(t *testing.T) {
	secret := acctest.Secret{Name: "a canary", Value: "KEY0123456789_canary-value"}
	for form, v := range acctest.DerivedForms(secret.Value) {
		doc := []byte(`{"x":"` + strings.ToUpper(v) + `"}`)
		if form == "raw" {
			doc = []byte(`{"x":"` + v + `"}`)
		}
		var shift int
		if _, err := fmt.Sscanf(form, "base64+%d", &shift); err == nil {
			doc = []byte(base64.RawStdEncoding.EncodeToString([]byte(strings.Repeat("{", shift) + secret.Value + `"}`)))
		} else if _, err := fmt.Sscanf(form, "base64url+%d", &shift); err == nil {
			doc = []byte(base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("{", shift) + secret.Value + `"}`)))
		}
		want := secret.Name + " (" + form + ")"
		if found := acctest.FindSecrets(doc, []acctest.Secret{secret}); !slices.Contains(found, want) {
			t.Errorf("%s is not found in %q (found %v)", want, doc, found)
		}
	}
	if found := acctest.FindSecrets([]byte(`{"api_key":null,"masked_key":"KEY0...alue"}`), []acctest.Secret{secret}); len(found) != 0 {
		t.Errorf("found %v in a document without the secret", found)
	}
}
