package backend

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var cardSecrets = []string{"/card/number", "/card/cvc"}

// TestWithoutSecretsCutsOnlyTheSecrets: the fingerprinted form of a body
// holds no byte of a secret's value, under any spelling of its name, and
// keeps every other byte, so that two bodies that differ in anything else
// still differ.
func TestWithoutSecretsCutsOnlyTheSecrets(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"card", `{"type":"card","card":{"number":"4242 4242 4242 4242","exp_month":7,"cvc":"123"},"x":1}`,
			"{\"type\":\"card\",\"card\":{\"number\"\x00,\"exp_month\":7,\"cvc\"\x00},\"x\":1}"},
		{"spaces kept outside the values", "{ \"card\" : { \"number\" : \"4242\" , \"cvc\":\"1\" } }",
			"{ \"card\" : { \"number\"\x00 , \"cvc\"\x00 } }"},
		{"a number that is a JSON number", `{"card":{"number":4242424242424242}}`, "{\"card\":{\"number\"\x00}}"},
		{"an object or array in place of a value", `{"card":{"number":{"a":["4242"]},"cvc":["123"]}}`,
			"{\"card\":{\"number\"\x00,\"cvc\"\x00}}"},
		{"another case", `{"CARD":{"Number":"4242"}}`, "{\"CARD\":{\"Number\"\x00}}"},
		{"escaped names", `{"c\u0061rd":{"num\u0062er":"4242"}}`, "{\"c\\u0061rd\":{\"num\\u0062er\"\x00}}"},
		{"each of duplicate members", `{"card":{"number":"4242","number":"5555"}}`, "{\"card\":{\"number\"\x00,\"number\"\x00}}"},
		{"a number elsewhere is no secret", `{"number":"4242","card":{"n":{"number":"1"}}}`, `{"number":"4242","card":{"n":{"number":"1"}}}`},
		{"in an array, by index", `[{"card":{"number":"4242"}}]`, `[{"card":{"number":"4242"}}]`},
		{"no body", "", ""},
		{"a body of spaces", "  \n", "  \n"},
		{"not JSON", `{"card":{"number":"4242"`, "\x00unreadable"},
		{"more after the value", `{"card":{}} {"card":{"number":"4242"}}`, "\x00unreadable"},
		{"null", `null`, `null`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(withoutSecrets([]byte(c.body), cardSecrets)); got != c.want {
				t.Errorf("withoutSecrets(%q) = %q, want %q", c.body, got, c.want)
			}
		})
	}
	if got := withoutSecrets([]byte(`{"card":{"number":"4242"}}`), nil); string(got) != `{"card":{"number":"4242"}}` {
		t.Errorf("a route without secrets: %q, want the body as it is", got)
	}
	// A member name with a slash or a tilde is escaped in its pointer.
	if got := string(withoutSecrets([]byte(`{"a/b":{"~":"x"}}`), []string{"/a~1b/~0"})); got != "{\"a/b\":{\"~\"\x00}}" {
		t.Errorf("escaped pointer: %q", got)
	}
}

// FuzzWithoutSecrets: whatever the rest of a body is, a secret's value never
// reaches the fingerprinted form, and bodies that differ only in it give the
// same form.
func FuzzWithoutSecrets(f *testing.F) {
	f.Add(`{"type":"card"}`, "4242424242424242", "123")
	f.Add(`{}`, `"quoted" \ value`, "")
	f.Add(`{"card":{"exp_month":7},"billing_details":{"name":"A"}}`, "9", "0")
	f.Fuzz(func(t *testing.T, rest, number, cvc string) {
		var other map[string]any
		if json.Unmarshal([]byte(rest), &other) != nil || other == nil {
			return
		}
		delete(other, "card")
		body := func(number, cvc string) []byte {
			m := map[string]any{"card": map[string]any{"number": number, "cvc": cvc, "exp_month": 7}}
			for k, v := range other {
				if !strings.EqualFold(k, "card") {
					m[k] = v
				}
			}
			b, err := json.Marshal(m)
			if err != nil {
				t.Skip()
			}
			return b
		}
		got := withoutSecrets(body(number, cvc), cardSecrets)
		if bytes.Equal(got, unreadableBody) {
			t.Fatalf("a valid body is unreadable: %s", body(number, cvc))
		}
		if other := withoutSecrets(body("other"+number, "x"+cvc), cardSecrets); !bytes.Equal(got, other) {
			t.Fatalf("bodies that differ only in secrets fingerprint differently:\n%q\n%q", got, other)
		}
		others, _ := json.Marshal(other)
		for _, secret := range []string{number, cvc} {
			quoted, _ := json.Marshal(secret)
			if bytes.Contains(others, quoted) || bytes.Contains([]byte(`"card""number""cvc""exp_month"`), quoted) {
				continue // the value is also elsewhere in the body, or a name
			}
			if bytes.Contains(got, quoted) {
				t.Fatalf("the fingerprinted form %q holds the secret %q", got, secret)
			}
		}
	})
}
