package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// TestDecodeBodyErrors pins what decodeBody answers to each kind of bad
// body: the kind (400 or 422), the pointer, and the detail, which names the
// field. A detail ending in "…" is a prefix: the rest is the parser's
// own words.
func TestDecodeBodyErrors(t *testing.T) {
	account := func() any { return &createManagedAccountBody{} }
	card := func() any { return &createPaymentMethodBody{} }
	channels := func() any { return &updateGlobalChannelLimitBody{} }
	apiKey := func() any { return &createAPIKeyBody{} }
	batch := func() any { return &usageEventsBody{} }
	rates := func() any { return &rateSetBody{} }
	none := func() any { return &struct{}{} }
	const (
		bad     = backend.EBADREQUEST
		invalid = backend.EINVALID
		notJSON = "The request body is not valid JSON: …"
		textMsg = " must be valid UTF-8 text, without lone surrogates (\\ud800-\\udfff)."
	)
	cases := []struct {
		body    string
		dst     func() any
		kind    backend.Kind // "" when the body is accepted
		pointer string
		detail  string
	}{
		// Not JSON, or not one JSON value.
		{`{"business_name": "Acme"`, account, bad, "/", "The request body is not valid JSON: it ends too early."},
		{`{"business_name":"abc`, account, bad, "/", "The request body is not valid JSON: it ends too early."},
		{`business_name=Acme`, account, bad, "/", notJSON},
		{`{"business_name":"x",}`, account, bad, "/", notJSON},
		{`{"business_name":"x\q"}`, account, bad, "/", notJSON},
		{strings.Repeat("[", 10001) + strings.Repeat("]", 10001), account, bad, "/", notJSON},
		{`{"business_name":"Acme"} {"x":1}`, account, bad, "/", "The request body must hold a single JSON object, with nothing after it."},
		{`{"business_name":"Acme"}}`, account, bad, "/", "The request body must hold a single JSON object, with nothing after it."},
		// Malformed beats everything else wrong with the body.
		{`{"colour":1,"business_name":"a","business_name":"b"`, account, bad, "/", notJSON},
		{"{\"business_name\":\"\xff\",}", account, bad, "/", notJSON},
		// Not an object.
		{`[{"business_name":"Acme"}]`, account, invalid, "/", "The request body must be a JSON object."},
		{`"text"`, account, invalid, "/", "The request body must be a JSON object."},
		{`42`, account, invalid, "/", "The request body must be a JSON object."},
		// Names: exact, known, at every depth.
		{`{"business_name":"Acme","colour":"red"}`, account, invalid, "/colour", "colour is not a field of this request body."},
		{`{"Business_Name":"Acme"}`, account, invalid, "/Business_Name", "Business_Name is not a field of this request body."},
		{`{"business_name":"Acme","a/b~c":1}`, account, invalid, "/a~1b~0c", "a/b~c is not a field of this request body."},
		{`{"card":{"pin":"0000"}}`, card, invalid, "/card/pin", "card.pin is not a field of this request body."},
		{`{"events":[{"id":"a"},{"id":"b","colour":"1"}]}`, batch, invalid, "/events/1/colour", "events.1.colour is not a field of this request body."},
		{`{"rates":[{"product":"messaging","price":"1"}]}`, rates, invalid, "/rates/0/price", "rates.0.price is not a field of this request body."},
		{`{"a":1}`, none, invalid, "/a", "a is not a field of this request body."},
		{`{}`, none, "", "", ""},
		// A wrong name is reported before a wrong type, wherever it is.
		{`{"business_name":42,"colour":"red"}`, account, invalid, "/colour", "colour is not a field of this request body."},
		{`{"card":"x","billing_details":{"y":1}}`, card, invalid, "/billing_details/y", "billing_details.y is not a field of this request body."},
		// Types, with the value's JSON type (and the number when an integer
		// is due).
		{`{"business_name":42}`, account, invalid, "/business_name", "business_name must be a string, not number."},
		{`{"rollup_billing":"yes"}`, account, invalid, "/rollup_billing", "rollup_billing must be a boolean, not string."},
		{`{"rollup_billing":1e999}`, account, invalid, "/rollup_billing", "rollup_billing must be a boolean, not number."},
		{`{"card":{"number":4242}}`, card, invalid, "/card/number", "card.number must be a string, not number."},
		{`{"card":"4242"}`, card, invalid, "/card", "card must be an object, not string."},
		{`{"card":["4242"]}`, card, invalid, "/card", "card must be an object, not array."},
		{`{"channel_limit":2.5}`, channels, invalid, "/channel_limit", "channel_limit must be an integer, not number 2.5."},
		{`{"channel_limit":9223372036854775808}`, channels, invalid, "/channel_limit", "channel_limit must be an integer, not number 9223372036854775808."},
		{`{"channel_limit":1e2}`, channels, invalid, "/channel_limit", "channel_limit must be an integer, not number 1e2."},
		{`{"channel_limit":true}`, channels, invalid, "/channel_limit", "channel_limit must be an integer, not bool."},
		{`{"channel_limit":"3"}`, channels, invalid, "/channel_limit", "channel_limit must be an integer, not string."},
		{`{"channel_limit":{}}`, channels, invalid, "/channel_limit", "channel_limit must be an integer, not object."},
		{`{"channel_limit":[]}`, channels, invalid, "/channel_limit", "channel_limit must be an integer, not array."},
		{`{"channel_limit":-1}`, channels, "", "", ""},
		{`{"channel_limit":null}`, channels, "", "", ""},
		{`{"tags":["ok",1]}`, apiKey, invalid, "/tags/1", "tags.1 must be a string, not number."},
		{`{"tags":"ok"}`, apiKey, invalid, "/tags", "tags must be an array, not string."},
		{`{"events":[{"id":"a"},{"id":"b","parts":"1"}]}`, batch, invalid, "/events/1/parts", "events.1.parts must be an integer, not string."},
		{`{"events":[{"id":"a"},{"id":"b","parts":-1.5}]}`, batch, invalid, "/events/1/parts", "events.1.parts must be an integer, not number -1.5."},
		{`{"events":{"id":"a"}}`, batch, invalid, "/events", "events must be an array, not object."},
		{`{"events":[1,2]}`, batch, invalid, "/events/0", "events.0 must be an object, not number."},
		{`{"rates":[{"product":"voice","rate":0.005}]}`, rates, invalid, "/rates/0/rate", "rates.0.rate must be a string, not number."},
		// NUL characters, in values and in names.
		{`{"business_name":"Ac\u0000me"}`, account, invalid, "/business_name", "business_name must not contain NUL characters (\\u0000)."},
		{`{"tags":["a\u0000"]}`, apiKey, invalid, "/tags/0", "tags.0 must not contain NUL characters (\\u0000)."},
		{`{"business_name":"Acme","a\u0000":1}`, account, invalid, "/", "Field names must not contain NUL characters (\\u0000)."},
		{`{"card":{"number":"1","x\u0000":1}}`, card, invalid, "/card", "Field names must not contain NUL characters (\\u0000)."},
		{`{"business_name":"x\\u0000"}`, account, "", "", ""}, // an escaped backslash, then text
		// Members given twice, at every depth, escaped or not.
		{`{"business_name":"x","business_name":"y"}`, account, invalid, "/business_name", "business_name is given more than once."},
		{`{"business_name":"x","business\u005fname":"x"}`, account, invalid, "/business_name", "business_name is given more than once."},
		{`{"card":{"number":"1","cvc":"2","number":"3"}}`, card, invalid, "/card/number", "card.number is given more than once."},
		{`{"events":[{"id":"a"},{"id":"b","parts":1,"parts":2}]}`, batch, invalid, "/events/1/parts", "events.1.parts is given more than once."},
		{`{"events":[],"events":[]}`, batch, invalid, "/events", "events is given more than once."},
		{`{"colour":1,"colour":2}`, account, invalid, "/colour", "colour is not a field of this request body."},
		// Text that is not UTF-8 or holds a lone surrogate, in values and
		// in names.
		{"{\"business_name\":\"x\xff\"}", account, invalid, "/business_name", "business_name" + textMsg},
		{`{"business_name":"x\ud800"}`, account, invalid, "/business_name", "business_name" + textMsg},
		{`{"business_name":"x\udc00y"}`, account, invalid, "/business_name", "business_name" + textMsg},
		{`{"tags":["ok","\ud800\u0041"]}`, apiKey, invalid, "/tags/1", "tags.1" + textMsg},
		{"{\"events\":[{\"id\":\"a\"},{\"id\":\"b\xed\xa0\x80\"}]}", batch, invalid, "/events/1/id", "events.1.id" + textMsg},
		{"{\"business_name\":\"x\",\"a\xff\":1}", account, invalid, "/", "Field names" + textMsg},
		{`{"card":{"n\udfff":1}}`, card, invalid, "/card", "Field names" + textMsg},
		{`{"business_name":"x \ud83d\ude00"}`, account, "", "", ""},
		// The first fault in the body is the one reported, but a wrong type
		// only when there is no other fault.
		{`{"business_name":"a","business_name":"b","colour":1}`, account, invalid, "/business_name", "business_name is given more than once."},
		{`{"colour":1,"business_name":"a","business_name":"b"}`, account, invalid, "/colour", "colour is not a field of this request body."},
		{`{"rollup_billing":"yes","business_name":"\ud800"}`, account, invalid, "/business_name", "business_name" + textMsg},
		{`{"rollup_billing":"yes","business_name":"\u0000"}`, account, invalid, "/business_name", "business_name must not contain NUL characters (\\u0000)."},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
		err := decodeBody(httptest.NewRecorder(), r, tc.dst(), bodyRequired)
		name := tc.body
		if len(name) > 80 {
			name = name[:80] + "…"
		}
		if tc.kind == "" {
			if err != nil {
				t.Errorf("%q: %v, want it accepted", name, err)
			}
			continue
		}
		var got *backend.Error
		if !errors.As(err, &got) {
			t.Errorf("%q: %v, want a %s error at %q", name, err, tc.kind, tc.pointer)
			continue
		}
		prefix, isPrefix := strings.CutSuffix(tc.detail, "…")
		detailOK := got.Detail == tc.detail || isPrefix && strings.HasPrefix(got.Detail, prefix)
		if got.Kind != tc.kind || got.Pointer != tc.pointer || !detailOK {
			t.Errorf("%q:\n got %s %q %q\nwant %s %q %q", name, got.Kind, got.Pointer, got.Detail, tc.kind, tc.pointer, tc.detail)
		}
	}
}

// FuzzDecodeBody: decodeBody answers any body with nil, or a 400 or 422
// with a pointer and a detail; and a body it accepts is one that
// encoding/json (lax, but the reference) decodes the same way, in which no
// object has a member twice and every string is UTF-8 text without NUL.
func FuzzDecodeBody(f *testing.F) {
	targets := []func() any{
		func() any { return &createManagedAccountBody{} },
		func() any { return &createPaymentMethodBody{} },
		func() any { return &createAPIKeyBody{} },
		func() any { return &usageEventsBody{} },
		func() any { return &rateSetBody{} },
		func() any { return &struct{}{} },
	}
	for _, seed := range []string{
		`{"business_name":"Acme","email":"a@example.com","rollup_billing":true}`,
		`{"card":{"number":"4242424242424242","cvc":"123","exp_month":12,"exp_year":2035},"billing_details":{"name":"G"}}`,
		`{"tags":["a","b"],"description":"d","expires_at":"2030-01-01T00:00:00Z"}`,
		`{"events":[{"id":"a","parts":1},{"id":"b","billed_sec":60,"bytes":null}]}`,
		`{"rates":[{"product":"voice","rate":"0.004"}],"effective_from":"2030-01-01T00:00:00Z"}`,
		`{}`, `{"a":1,"a":2}`, `{"business_name":"\ud800"}`, "{\"business_name\":\"\xff\"}", `{"business_name":"\u0000"}`,
		`{"business_name":"x","business\u005fname":"y"}`, `{"Business_Name":"x"}`, `[1]`, `{"events":[{"parts":2.5}]}`,
	} {
		for which := range targets {
			f.Add([]byte(seed), uint8(which))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		newDst := targets[int(which)%len(targets)]
		dst := newDst()
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		err := decodeBody(httptest.NewRecorder(), r, dst, bodyOptional)
		if err != nil {
			var e *backend.Error
			if !errors.As(err, &e) || (e.Kind != backend.EBADREQUEST && e.Kind != backend.EINVALID) || e.Pointer == "" || e.Detail == "" {
				t.Fatalf("%q: %#v, want a 400 or 422 with a pointer and a detail", body, err)
			}
			return
		}
		if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || string(trimmed) == "null" {
			return
		}
		ref := newDst()
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(ref); err != nil {
			t.Fatalf("%q was accepted, but encoding/json refuses it: %v", body, err)
		}
		if !reflect.DeepEqual(dst, ref) {
			t.Fatalf("%q was decoded as %+v, encoding/json decodes it as %+v", body, dst, ref)
		}
		checkMembersOnce(t, body)
		checkText(t, body, reflect.ValueOf(dst))
	})
}

// checkMembersOnce fails if an object of body, which encoding/json takes for
// valid, has a member twice.
func checkMembersOnce(t *testing.T, body []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	type level struct {
		object bool
		names  map[string]bool
		name   bool // the next token of an object is a name
	}
	var stack []*level
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.name {
			if name, ok := tok.(string); ok {
				if top.names[name] {
					t.Fatalf("%q was accepted with %q twice in an object", body, name)
				}
				top.names[name] = true
				top.name = false
				continue
			}
		}
		if top != nil && top.object {
			top.name = true // after this value, a name (or the end)
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &level{object: true, names: map[string]bool{}, name: true})
		case json.Delim('['):
			stack = append(stack, &level{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}

// checkText fails if a string decoded from body is not UTF-8 or holds a NUL.
func checkText(t *testing.T, body []byte, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			checkText(t, body, v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			checkText(t, body, v.Field(i))
		}
	case reflect.Slice:
		for i := range v.Len() {
			checkText(t, body, v.Index(i))
		}
	case reflect.String:
		if s := v.String(); !utf8.ValidString(s) || strings.ContainsRune(s, 0) || strings.ContainsRune(s, utf8.RuneError) && !bytes.Contains(body, []byte("\uFFFD")) && !bytes.Contains(bytes.ToLower(body), []byte(`\ufffd`)) {
			t.Fatalf("%q was accepted with the text %q", body, s)
		}
	}
}
