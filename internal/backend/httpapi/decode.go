package httpapi

// Request bodies are decoded with github.com/go-json-experiment/json, the
// encoding/json/v2 that Go ships behind GOEXPERIMENT=jsonv2 (pinned in
// go.mod; moving to the standard library's is a change of import paths),
// because it checks in its one pass what the API promises and encoding/json
// does not: member names matched exactly, each member given once, strings of
// UTF-8 text without lone surrogates. It replaced a hand-written scanner of
// member names that ran after encoding/json, and is faster as well as
// stricter. BenchmarkDecodeUsageBatch (10,000 usage events, 2.8 MB), 10 runs
// of each interleaved on a busy 2-core machine: 105 ms before, 42 ms after
// (medians; 44 and 20 ms at best), 10.3 and 7.9 MiB, 260,000 and 100,000
// allocations; encoding/json alone, checking none of this
// (BenchmarkDecodeUsageBatchEncodingJSON), took 76 ms (31 ms at best).
// Only a refused body is read again, to say where it is wrong.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 1 << 20

// bodyRule says whether an endpoint needs a body.
type bodyRule bool

const (
	bodyRequired bodyRule = true
	bodyOptional bodyRule = false
)

// decodeBody reads one JSON object from the request into dst, which must be a
// pointer to a struct. It is the only way a handler reads a body, so every
// endpoint refuses the same things the same way: a body over 1 MiB (413),
// malformed JSON or data after the object (400, pointer "/", whatever else
// is wrong with it), a missing required body (400), and (422, with the
// pointer of the member at fault) a member that is unknown, given twice, of
// the wrong type, or whose name or text is not UTF-8, holds a lone
// surrogate or a NUL character.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any, rule bodyRule) error {
	return decodeBodyLimit(w, r, dst, rule, maxBodyBytes)
}

// decodeBodyLimit is decodeBody with another size limit, for the bodies that
// are big by nature (usage batches).
func decodeBodyLimit(w http.ResponseWriter, r *http.Request, dst any, rule bodyRule, limit int64) error {
	raw, err := readBody(http.MaxBytesReader(w, r.Body, limit), r.ContentLength, limit)
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			return &backend.Error{Kind: backend.ETOOLARGE, Detail: fmt.Sprintf("The request body must be at most %d bytes.", limit)}
		}
		return &backend.Error{Kind: backend.EBADREQUEST, Detail: "The request body could not be read.", Pointer: "/"}
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		if rule == bodyRequired {
			return &backend.Error{Kind: backend.EBADREQUEST, Detail: "A JSON object is required as the request body.", Pointer: "/"}
		}
		return nil
	}
	// On any error the caller discards dst.
	if err := jsonv2.Unmarshal(trimmed, dst, strictJSON); err != nil {
		return decodeError(err, trimmed, reflect.TypeOf(dst))
	}
	// The decoder takes a NUL character for text; no field means one, and
	// the stores would treat it differently (PostgreSQL cannot store it;
	// SQLite's LIKE and lower() stop at it). Valid JSON writes it only as an
	// escape, so a body without one is not read again.
	if bytes.Contains(trimmed, escapedNUL) {
		return firstFault(trimmed, reflect.TypeOf(dst))
	}
	return nil
}

var (
	// strictJSON adds to the decoder's defaults (exact names, each once,
	// valid UTF-8) that unknown members are refused.
	strictJSON = jsonv2.RejectUnknownMembers(true)
	// faultsButTypes decodes as strictJSON does, but skips every value of
	// another type than its field's, and refuses text with a NUL character
	// (checkValue).
	faultsButTypes = jsonv2.JoinOptions(strictJSON, jsonv2.WithUnmarshalers(jsonv2.UnmarshalFromFunc(checkValue)))
	escapedNUL     = []byte(`\u0000`)
	errNUL         = errors.New("NUL character in text")
)

// readBody reads a body of at most limit bytes, in one buffer of the
// announced size when there is one, instead of growing a buffer from 512
// bytes (a usage batch is megabytes).
func readBody(r io.Reader, contentLength, limit int64) ([]byte, error) {
	if contentLength <= 0 || contentLength > limit {
		return io.ReadAll(r)
	}
	buf := make([]byte, 0, contentLength+1) // +1: room to see EOF without growing
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case errors.Is(err, io.EOF):
			return buf, nil
		case err != nil:
			return buf, err
		case len(buf) == cap(buf): // longer than announced: read on
			rest, err := io.ReadAll(r)
			return append(buf, rest...), err
		}
	}
}

// decodeError turns what the decoder refused in raw, decoded as t, into a
// domain error that says where the body is wrong. Malformed JSON is reported
// first, wherever it is; then the first fault in the body that is not a wrong
// type (an unknown name reads better than the type error its value may
// cause); then the type error.
func decodeError(err error, raw []byte, t reflect.Type) error {
	if malformed := checkSyntax(raw); malformed != nil {
		return malformed
	}
	if first := firstFault(raw, t); first != nil {
		return first
	}
	return fault(err, raw)
}

// checkSyntax refuses raw unless it is one JSON value and nothing after it,
// taking text that is not UTF-8 and members given twice for well-formed:
// those are the fields' faults (422), not the body's (400).
func checkSyntax(raw []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(raw), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	err := dec.SkipValue()
	switch syntaxErr, isSyntax := errors.AsType[*jsontext.SyntacticError](err); {
	case err == nil:
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &backend.Error{Kind: backend.EBADREQUEST, Pointer: "/", Detail: "The request body is not valid JSON: it ends too early."}
	case isSyntax:
		return &backend.Error{Kind: backend.EBADREQUEST, Pointer: "/",
			Detail: fmt.Sprintf("The request body is not valid JSON: %v (at byte %d).", syntaxErr.Err, syntaxErr.ByteOffset)}
	default:
		return &backend.Error{Kind: backend.EBADREQUEST, Pointer: "/", Detail: "The request body is not valid JSON."}
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return &backend.Error{Kind: backend.EBADREQUEST, Detail: "The request body must hold a single JSON object, with nothing after it.", Pointer: "/"}
	}
	return nil
}

// firstFault decodes well-formed raw again as t (a pointer type), skipping
// the values of the wrong type, and returns its first fault, or nil.
func firstFault(raw []byte, t reflect.Type) error {
	if err := jsonv2.Unmarshal(raw, reflect.New(t.Elem()).Interface(), faultsButTypes); err != nil {
		return fault(err, raw)
	}
	return nil
}

// checkValue is called by the decoder for every value of faultsButTypes,
// with a pointer to its field. An object for a struct and an array for a
// slice are left to the decoder, which checks their names and goes on with
// their members; any other value is read and dropped, and refused only for
// a NUL character.
func checkValue(dec *jsontext.Decoder, field any) error {
	t := reflect.TypeOf(field).Elem()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch kind := dec.PeekKind(); {
	case kind == '{' && t.Kind() == reflect.Struct, kind == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		return jsonv2.SkipFunc
	case kind == '"':
		value, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if bytes.Contains(value, escapedNUL) && strings.ContainsRune(unquote(value), 0) {
			return errNUL
		}
		return nil
	}
	return dec.SkipValue()
}

// unquote returns the text of a valid JSON string.
func unquote(value jsontext.Value) string {
	var text string
	_ = jsonv2.Unmarshal(value, &text) // valid: cannot fail
	return text
}

// textRule is what a string that is not text breaks.
const textRule = " must be valid UTF-8 text, without lone surrogates (\\ud800-\\udfff)."

// fault turns one error of the decoder about well-formed raw into a domain
// error: the pointer of the member at fault (of the object, for a name that
// cannot be shown), and a detail that names it.
func fault(err error, raw []byte) error {
	if syntaxErr, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
		at := syntaxErr.JSONPointer
		switch {
		case errors.Is(err, jsontext.ErrDuplicateName):
			return backend.InvalidField(pointer(at), "%s is given more than once.", dotted(at))
		case inName(raw, syntaxErr.ByteOffset):
			return backend.InvalidField(pointer(at), "Field names"+textRule)
		}
		return backend.InvalidField(pointer(at), "%s"+textRule, dotted(at))
	}
	semanticErr, ok := errors.AsType[*jsonv2.SemanticError](err)
	if !ok {
		return &backend.Error{Kind: backend.EBADREQUEST, Pointer: "/", Detail: "The request body is not valid JSON."}
	}
	at := semanticErr.JSONPointer
	switch {
	case errors.Is(err, jsonv2.ErrUnknownName) && strings.ContainsRune(at.LastToken(), 0):
		return backend.InvalidField(pointer(at.Parent()), "Field names must not contain NUL characters (\\u0000).")
	case errors.Is(err, jsonv2.ErrUnknownName):
		return backend.InvalidField(pointer(at), "%s is not a field of this request body.", dotted(at))
	case errors.Is(err, errNUL):
		return backend.InvalidField(pointer(at), "%s must not contain NUL characters (\\u0000).", dotted(at))
	case at == "":
		return backend.InvalidField("/", "The request body must be a JSON object.")
	}
	goKind := reflect.Invalid
	if t := semanticErr.GoType; t != nil {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		goKind = t.Kind()
	}
	return backend.InvalidField(pointer(at), "%s must be %s, not %s.", dotted(at), jsonTypeName(goKind),
		valueName(semanticErr.JSONKind, goKind, raw, semanticErr.ByteOffset))
}

// inName tells whether offset, in a string of raw, is in a member name: the
// string is followed by a colon.
func inName(raw []byte, offset int64) bool {
	for i := int(offset); i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			rest := bytes.TrimLeft(raw[i+1:], " \t\r\n")
			return len(rest) > 0 && rest[0] == ':'
		}
	}
	return false
}

// pointer is p as the API writes the pointer of an error: "/" for the whole
// body.
func pointer(p jsontext.Pointer) string {
	if p == "" {
		return "/"
	}
	return string(p)
}

// dotted names the member at p for a person: events.3.parts.
func dotted(p jsontext.Pointer) string {
	return strings.Join(slices.Collect(p.Tokens()), ".")
}

// jsonTypeName names a Go kind the way a JSON client thinks of it.
func jsonTypeName(kind reflect.Kind) string {
	switch kind {
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "of another type"
}

// valueName names the JSON value the decoder refused, with the number itself
// when an integer was due (2.5, 1e2 and 9223372036854775808 are all numbers).
func valueName(kind jsontext.Kind, goKind reflect.Kind, raw []byte, offset int64) string {
	switch kind {
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	case '0':
		if jsonTypeName(goKind) == "an integer" && offset >= 0 && int(offset) < len(raw) {
			end := int(offset)
			for end < len(raw) && strings.IndexByte("+-.eE0123456789", raw[end]) >= 0 {
				end++
			}
			if end > int(offset) {
				return "number " + string(raw[offset:end])
			}
		}
		return "number"
	}
	return "a value of another type"
}
