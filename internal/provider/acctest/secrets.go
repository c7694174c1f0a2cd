package acctest

import (
	"bytes"
	"context"
	"crypto/md5"  //nolint:gosec // an unkeyed digest an attacker could match: looked for, not used
	"crypto/sha1" //nolint:gosec // idem
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// Secret is a value that must not be found, named for messages.
type Secret struct{ Name, Value string }

// DerivedForms returns v and the forms of it that a careless encoder or a
// digest would leave, by name: hex, base64 (standard and URL alphabets, at
// each of the three alignments v can have inside a longer encoded text, such
// as a state's base64 private data) and unkeyed MD5, SHA-1, SHA-256 and
// SHA-512. Hex forms are lower case; FindSecrets matches them in any case.
// It is meant for keys and tokens: the encoded forms of a short value (a CVC)
// are a few characters that any text may hold by chance.
func DerivedForms(v string) map[string]string {
	b := []byte(v)
	digest := func(h hash.Hash) string {
		h.Write(b)
		return hex.EncodeToString(h.Sum(nil))
	}
	forms := map[string]string{
		"raw": v, "hex": hex.EncodeToString(b),
		"md5": digest(md5.New()), "sha1": digest(sha1.New()), //nolint:gosec // looked for, not used
		"sha256": digest(sha256.New()), "sha512": digest(sha512.New()),
	}
	for name, enc := range map[string]*base64.Encoding{"base64": base64.RawStdEncoding, "base64url": base64.RawURLEncoding} {
		for shift := range 3 {
			// After shift bytes of something else, the characters that
			// depend on v alone start at ceil(4*shift/3); the last one
			// may mix with what follows v.
			s := enc.EncodeToString(append(make([]byte, shift), b...))
			forms[fmt.Sprintf("%s+%d", name, shift)] = s[(4*shift+2)/3 : len(s)-1]
		}
	}
	return forms
}

// FindSecrets describes each secret found in data, in any derived form, as
// "NAME (FORM)".
func FindSecrets(data []byte, secrets []Secret) []string {
	lower := bytes.ToLower(data)
	var found []string
	for _, s := range secrets {
		for form, v := range DerivedForms(s.Value) {
			in := lower // hex and digests: any case
			if form == "raw" || strings.HasPrefix(form, "base64") {
				in = data
			}
			if bytes.Contains(in, []byte(v)) {
				found = append(found, fmt.Sprintf("%s (%s)", s.Name, form))
			}
		}
	}
	return found
}

// SecretsAbsent is a state and plan check that fails when any secret that
// secrets returns (called at check time, so that it can ask the backend about
// what the step created) appears in any derived form in the state or in the
// plan's values, sensitive values included (terraform show -json reveals
// them). A plan's configuration is left out: it echoes the literals written
// in the configuration, such as a write-only password.
func SecretsAbsent(secrets func() []Secret) interface {
	statecheck.StateCheck
	plancheck.PlanCheck
} {
	return secretsAbsent{secrets}
}

type secretsAbsent struct{ secrets func() []Secret }

func (c secretsAbsent) find(what string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode the %s: %w", what, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("decode the %s: %w", what, err)
	}
	delete(doc, "configuration")
	if raw, err = json.Marshal(doc); err != nil {
		return fmt.Errorf("encode the %s: %w", what, err)
	}
	if found := FindSecrets(raw, c.secrets()); len(found) != 0 {
		return fmt.Errorf("the %s holds %s", what, strings.Join(found, ", "))
	}
	return nil
}

func (c secretsAbsent) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil {
		resp.Error = fmt.Errorf("no state to check")
		return
	}
	resp.Error = c.find("state", req.State)
}

func (c secretsAbsent) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan == nil {
		resp.Error = fmt.Errorf("no plan to check")
		return
	}
	resp.Error = c.find("plan", req.Plan)
}
