package main

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// The secret-canary suite (canary_test.go) sends known values through every
// endpoint and form that takes a secret, then looks for them, and for every
// form derived from them, in each byte the backend stored or printed. This
// file holds what it looks with: the registry of canaries and of the request
// bodies that carried them, the derived forms, a scanner fast enough for a
// whole database, and the lists of secret fields read from the OpenAPI
// document and the portal's templates.

// canary is one secret value sent to (or issued by) the backend.
type canary struct {
	label string
	value string
	// issued is set for what the backend itself hands out (an API key, a
	// token, a session), which its answers may carry; a secret a client
	// sends is never echoed.
	issued bool
	// short values (a CVC: 3 or 4 digits) are found by chance in any
	// database in the clear, in hex or in base64: for them only the digests
	// and the value in the context of its field name are looked for.
	short bool
	// fields are the names a short value is sent under, for its contexts.
	fields []string
}

// carrier is a request body (or an Authorization header) that held a canary:
// its digests are derived forms of the secret too.
type carrier struct {
	label string
	data  []byte
}

// canaries is the registry of one suite run.
type canaries struct {
	secrets  []canary
	carriers []carrier
	values   map[string]string // value → label, for the coverage of requests
}

func newCanaries() *canaries { return &canaries{values: map[string]string{}} }

func (c *canaries) register(s canary) string {
	if !s.short && len(s.value) < minCanaryLen {
		panic("canary " + s.label + " is too short to be looked for in the clear; use addShort")
	}
	c.secrets = append(c.secrets, s)
	c.values[s.value] = s.label
	return s.value
}

// add registers a secret that a client sends, and returns it.
func (c *canaries) add(label, value string) string {
	return c.register(canary{label: label, value: value})
}

// issued registers a secret that the backend issued.
func (c *canaries) issued(label, value string) string {
	return c.register(canary{label: label, value: value, issued: true})
}

// addShort registers a secret too short to be told from chance in the clear
// (a CVC), sent under the given field names.
func (c *canaries) addShort(label, value string, fields ...string) string {
	return c.register(canary{label: label, value: value, short: true, fields: fields})
}

// addAPIKey registers an API key that a client sends (one it chose, or one
// that was never issued), and its two halves (the id digits and the random
// tail), which must not be stored either.
func (c *canaries) addAPIKey(label, key string) string {
	return c.apiKey(canary{label: label, value: key})
}

// issuedKey registers an API key that the backend issued, and its halves.
func (c *canaries) issuedKey(label, key string) string {
	return c.apiKey(canary{label: label, value: key, issued: true})
}

func (c *canaries) apiKey(s canary) string {
	c.register(s)
	if id, tail, ok := strings.Cut(strings.TrimPrefix(s.value, "KEY"), "_"); ok && strings.HasPrefix(s.value, "KEY") {
		c.register(canary{label: s.label + " (its id digits)", value: id, issued: s.issued})
		c.register(canary{label: s.label + " (its random tail)", value: tail, issued: s.issued})
	}
	return s.value
}

// minCanaryLen is the shortest value looked for in the clear: eight bytes do
// not turn up by chance in a few megabytes.
const minCanaryLen = 8

// carried registers data as a carrier when it holds a registered canary.
func (c *canaries) carried(label string, data []byte) {
	for _, s := range c.secrets {
		if bytes.Contains(data, []byte(s.value)) {
			c.carriers = append(c.carriers, carrier{label: label, data: bytes.Clone(data)})
			return
		}
	}
}

// needle is one derived form of a canary or a carrier.
type needle struct {
	what string // "the SHA-256 (hex) of the body of POST /v2/payment_methods"
	data []byte
}

// digests are the unkeyed digests looked for.
var digests = []struct {
	name string
	new  func() hash.Hash
}{
	{"MD5", md5.New}, {"SHA-1", sha1.New}, {"SHA-256", sha256.New}, {"SHA-512", sha512.New},
}

var base64Encodings = []struct {
	name string
	enc  *base64.Encoding
}{
	{"base64", base64.StdEncoding}, {"unpadded base64", base64.RawStdEncoding},
	{"base64url", base64.URLEncoding}, {"unpadded base64url", base64.RawURLEncoding},
}

// needles returns every form to look for.
func (c *canaries) needles() []needle {
	var out []needle
	for _, s := range c.secrets {
		of := "the " + s.label
		v := []byte(s.value)
		if s.short {
			for _, f := range s.fields {
				for _, ctx := range []string{`"` + f + `":"%s"`, `"` + f + `": "%s"`, f + `=%s`, f + `:%s`, f + `: %s`} {
					out = append(out, needle{what: of + " beside its field name " + f, data: []byte(strings.Replace(ctx, "%s", s.value, 1))})
				}
			}
		} else {
			out = append(out, encodedForms(of, v)...)
			if n, err := strconv.ParseUint(s.value, 10, 64); err == nil {
				out = append(out, needle{of + " as a big-endian integer", binary.BigEndian.AppendUint64(nil, n)},
					needle{of + " as a little-endian integer", binary.LittleEndian.AppendUint64(nil, n)})
			}
		}
		out = append(out, digestForms(of, v)...)
	}
	for _, b := range c.carriers {
		out = append(out, digestForms("the "+b.label, b.data)...)
	}
	return out
}

// encodedForms are v itself, its hex (both cases) and its base64 in the four
// alphabets, also as it reads inside a longer base64 text (at each of the
// three offsets a value can start at within a 3-byte group).
func encodedForms(of string, v []byte) []needle {
	out := []needle{
		{of, v},
		{"the hex of " + of, []byte(hex.EncodeToString(v))},
		{"the upper-case hex of " + of, []byte(strings.ToUpper(hex.EncodeToString(v)))},
	}
	for _, e := range base64Encodings {
		out = append(out, needle{"the " + e.name + " of " + of, []byte(e.enc.EncodeToString(v))})
		if e.enc == base64.RawStdEncoding || e.enc == base64.RawURLEncoding {
			for skip := range 3 {
				enc := e.enc.EncodeToString(append(make([]byte, skip), v...))
				start, end := (4*skip+2)/3, 8*(skip+len(v))/6
				out = append(out, needle{"the " + e.name + " of " + of + " inside a longer text",
					[]byte(enc[start:end])})
			}
		}
	}
	return out
}

// digestForms are the unkeyed digests of data: raw, in hex (both cases) and
// in base64.
func digestForms(of string, data []byte) []needle {
	var out []needle
	for _, d := range digests {
		h := d.new()
		h.Write(data)
		sum := h.Sum(nil)
		name := "the " + d.name + " of " + of
		out = append(out, needle{name + " (raw bytes)", sum},
			needle{name + " (hex)", []byte(hex.EncodeToString(sum))},
			needle{name + " (upper-case hex)", []byte(strings.ToUpper(hex.EncodeToString(sum)))})
		for _, e := range base64Encodings {
			out = append(out, needle{name + " (" + e.name + ")", []byte(e.enc.EncodeToString(sum))})
		}
	}
	return out
}

// scanner finds needles in a haystack in one pass: it indexes the needles
// by their first eight bytes (four for the few shorter ones) and reads the
// haystack's windows, so that thousands of needles cost a lookup or two per
// byte.
type scanner struct {
	long  map[uint64][]needle
	short map[uint32][]needle
}

func newScanner(needles []needle) *scanner {
	s := &scanner{long: map[uint64][]needle{}, short: map[uint32][]needle{}}
	for _, n := range needles {
		switch {
		case len(n.data) >= 8:
			k := binary.LittleEndian.Uint64(n.data)
			s.long[k] = append(s.long[k], n)
		case len(n.data) >= 4:
			k := binary.LittleEndian.Uint32(n.data)
			s.short[k] = append(s.short[k], n)
		default:
			panic("needle shorter than four bytes: " + n.what)
		}
	}
	return s
}

// find returns what of the needles occur in haystack, each once.
func (s *scanner) find(haystack []byte) []string {
	seen := map[string]bool{}
	var found []string
	match := func(i int, candidates []needle) {
		for _, n := range candidates {
			if !seen[n.what] && bytes.HasPrefix(haystack[i:], n.data) {
				seen[n.what] = true
				found = append(found, n.what)
			}
		}
	}
	for i := 0; i+4 <= len(haystack); i++ {
		if i+8 <= len(haystack) {
			match(i, s.long[binary.LittleEndian.Uint64(haystack[i:])])
		}
		if len(s.short) > 0 {
			match(i, s.short[binary.LittleEndian.Uint32(haystack[i:])])
		}
	}
	slices.Sort(found)
	return found
}

// TestCanaryScannerFindsEveryForm is the suite's positive control: each form
// of a canary and of its carrier, hidden among random bytes, is found, and
// random bytes alone find nothing.
func TestCanaryScannerFindsEveryForm(t *testing.T) {
	c := newCanaries()
	c.add("card number", "4111 1111 1111 1111")
	c.add("card digits", "4111111111111111")
	c.addShort("CVC", "737", "cvc")
	c.carried("body of POST /v2/payment_methods", []byte(`{"card":{"number":"4111111111111111","cvc":"737"}}`))
	if len(c.carriers) != 1 {
		t.Fatalf("the body was not registered as a carrier")
	}
	needles := c.needles()
	s := newScanner(needles)
	noise := func(n int) []byte {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return b
	}
	if found := s.find(noise(1 << 20)); len(found) != 0 {
		t.Fatalf("random bytes match %v", found)
	}
	for _, n := range needles {
		haystack := slices.Concat(noise(1000), n.data, noise(1000))
		if found := s.find(haystack); !slices.Contains(found, n.what) {
			t.Errorf("%s is not found (found %v)", n.what, found)
		}
	}
	// A base64 text that holds the number at any offset gives it away.
	for skip := range 3 {
		text := base64.RawStdEncoding.EncodeToString(append(noise(skip+3), []byte("4111111111111111 and more")...))
		if len(s.find([]byte(text))) == 0 {
			t.Errorf("the number base64-encoded at offset %d of a longer text is not found", skip)
		}
	}
	for _, want := range []string{"the card digits as a big-endian integer", "the SHA-512 of the body of POST /v2/payment_methods (hex)",
		"the MD5 of the CVC (raw bytes)", "the CVC beside its field name cvc"} {
		if !slices.ContainsFunc(needles, func(n needle) bool { return n.what == want }) {
			t.Errorf("no needle is %q", want)
		}
	}
}

// secretRequestFields returns the write-only members of every request body
// of doc, as "METHOD /path /json/pointer" (an array's items as "*"): the
// secrets the API takes, which the suite must send canaries through.
func secretRequestFields(doc *openapi3.T) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			for _, media := range op.RequestBody.Value.Content {
				if media.Schema == nil {
					continue
				}
				for _, p := range writeOnlyPointers(media.Schema, "", 0) {
					out = append(out, method+" "+path+" "+p)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func writeOnlyPointers(ref *openapi3.SchemaRef, pointer string, depth int) []string {
	if ref == nil || ref.Value == nil || depth > 32 {
		return nil
	}
	s := ref.Value
	var out []string
	if s.WriteOnly {
		out = append(out, pointer)
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range group {
			out = append(out, writeOnlyPointers(sub, pointer, depth+1)...)
		}
	}
	for name, prop := range s.Properties {
		out = append(out, writeOnlyPointers(prop, pointer+"/"+name, depth+1)...)
	}
	out = append(out, writeOnlyPointers(s.Items, pointer+"/*", depth+1)...)
	return out
}

// portalTemplatesDir is where the portal's page templates are, from this
// package's folder (tests run there).
var portalTemplatesDir = filepath.Join("..", "..", "internal", "backend", "portal", "templates")

var (
	postFormPattern = regexp.MustCompile(`(?s)<form[^>]*method="post"[^>]*>.*?</form>`)
	inputPattern    = regexp.MustCompile(`<input[^>]*>`)
	namePattern     = regexp.MustCompile(`\sname="([^"]+)"`)
	// secretInputPattern marks an input that takes a secret: a password
	// field, or the autocomplete tokens of card numbers, security codes,
	// passwords and one-time codes.
	secretInputPattern = regexp.MustCompile(`\stype="password"|\sautocomplete="(cc-number|cc-csc|current-password|new-password|one-time-code)"`)
)

// secretPortalInputs returns the inputs of the portal's forms that take a
// secret, as "template input-name" (template without .html.tmpl).
func secretPortalInputs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(portalTemplatesDir, "*.html.tmpl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no portal templates in %s (%v)", portalTemplatesDir, err)
	}
	var out []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		page := strings.TrimSuffix(filepath.Base(f), ".html.tmpl")
		for _, form := range postFormPattern.FindAll(src, -1) {
			for _, input := range inputPattern.FindAll(form, -1) {
				if !secretInputPattern.Match(input) {
					continue
				}
				name := namePattern.FindSubmatch(input)
				if name == nil {
					t.Fatalf("%s: a secret input without a name: %s", f, input)
				}
				out = append(out, page+" "+string(name[1]))
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestCanaryCoverageFindsEverySecretField is the control of the suite's
// coverage rule: the secret fields are read from the OpenAPI document and
// the portal's templates (the ones known today among them), and a field
// without an accepted canary, or a canary accepted through a field not
// marked secret, is reported.
func TestCanaryCoverageFindsEverySecretField(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPIDocument())
	if err != nil {
		t.Fatal(err)
	}
	fields := secretRequestFields(doc)
	inputs := secretPortalInputs(t)
	for _, want := range []string{
		"POST /v2/payment_methods /card/number", "POST /v2/payment_methods /card/cvc", "POST /v2/managed_accounts /password",
		"PATCH /v2/managed_accounts/{id} /password", "POST /reference/accounts /password",
	} {
		if !slices.Contains(fields, want) {
			t.Errorf("the document's secret fields %v lack %s", fields, want)
		}
	}
	for _, want := range []string{"signin password", "managed_account_new password", "payment_methods card_number", "payment_methods card_cvc"} {
		if !slices.Contains(inputs, want) {
			t.Errorf("the templates' secret inputs %v lack %s", inputs, want)
		}
	}
	required := []string{"POST /a /secret", "POST /b /secret", "form password"}
	gaps := coverageGaps(required, map[string]bool{"POST /a /secret": true, "POST /c /unmarked": true}, map[string]bool{"POST /b /secret": true})
	want := []string{
		"POST /b /secret takes a secret, but the canary suite sends canaries through it only in refused requests: add it to TestSecretCanaries",
		"a canary was accepted through POST /c /unmarked, which is not marked as a secret (writeOnly in openapi.yaml, or a password or card input of a portal template)",
		"form password takes a secret, but the canary suite sends no canary through it: add it to TestSecretCanaries",
	}
	if !slices.Equal(gaps, want) {
		t.Errorf("coverageGaps = %q, want %q", gaps, want)
	}
}
