package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

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
// malformed JSON or data after the object (400, pointer "/"), a missing
// required body (400), and fields that are unknown or of the wrong type (422,
// with the field's pointer).
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
	// Unmarshal checks that the body is one valid value and nothing after
	// it before it decodes anything: a SyntaxError means it decoded nothing.
	// Any other outcome means valid JSON, and the Decoder's copy of the body
	// is spared (a usage batch is megabytes).
	err = json.Unmarshal(trimmed, dst)
	if _, syntax := errors.AsType[*json.SyntaxError](err); !syntax {
		// encoding/json matches field names case-insensitively; the
		// contract's names are exact. A wrong name is the error to report
		// even when a value is of the wrong type too (this also points at
		// nested fields); on any error the caller discards dst.
		if nameErr := checkFieldNames(trimmed, reflect.TypeOf(dst), nil); nameErr != nil {
			return nameErr
		}
		if err != nil {
			return decodeError(err, trimmed, reflect.TypeOf(dst))
		}
		return nil
	}
	// Not valid JSON: the Decoder tells what is wrong and where.
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, trimmed, reflect.TypeOf(dst))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &backend.Error{Kind: backend.EBADREQUEST, Detail: "The request body must hold a single JSON object, with nothing after it.", Pointer: "/"}
	}
	return nil
}

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

// checkFieldNames refuses, with its pointer, any object key in raw that is not
// exactly the JSON name of a field of t, recursing into nested objects and
// arrays. raw must be valid JSON (json.Valid): the scanner does not check it.
//
// It scans raw once, in document order (the first bad key of the body is the
// one reported), without building any value, so that a big body (a batch of
// 10,000 usage events) costs little more than its validation.
func checkFieldNames(raw json.RawMessage, t reflect.Type, path []string) error {
	sc := &nameScanner{b: raw}
	for _, name := range path {
		sc.path = append(sc.path, pathElem{key: name, index: -1})
	}
	return sc.value(t)
}

// nameScanner walks JSON already known to be valid. path is where it is,
// kept as a stack that is only turned into names for an error: a batch of
// 10,000 events must not allocate a path per value.
type nameScanner struct {
	b    []byte
	i    int
	path []pathElem
}

// pathElem is an object key (key, or its raw bytes when unescaped), or an
// array index when index >= 0.
type pathElem struct {
	key   string
	raw   []byte
	index int
}

func (sc *nameScanner) names() []string {
	out := make([]string, len(sc.path))
	for i, e := range sc.path {
		switch {
		case e.index >= 0:
			out[i] = strconv.Itoa(e.index)
		case e.raw != nil:
			out[i] = string(e.raw)
		default:
			out[i] = e.key
		}
	}
	return out
}

func (sc *nameScanner) skipSpace() {
	for sc.i < len(sc.b) {
		switch sc.b[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// str consumes a string and returns its raw bytes between the quotes, and
// whether they hold an escape.
func (sc *nameScanner) str() ([]byte, bool) {
	sc.i++ // the opening quote
	start, escaped := sc.i, false
	for sc.b[sc.i] != '"' {
		if sc.b[sc.i] == '\\' {
			escaped = true
			sc.i++ // the escaped character (a quote, perhaps)
		}
		sc.i++
	}
	sc.i++
	return sc.b[start : sc.i-1], escaped
}

// hasNUL tells whether the raw bytes of a JSON string (between its quotes)
// decode to text with a NUL character: no field means one, and the stores
// would treat it differently (PostgreSQL cannot store it; SQLite's LIKE and
// lower() stop at it).
func hasNUL(raw []byte) bool {
	if !bytes.Contains(raw, []byte("u0000")) {
		return false // valid JSON writes a NUL only as an escape
	}
	var text string
	if err := json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &text); err != nil {
		return false // the decoder reports malformed strings
	}
	return strings.ContainsRune(text, 0)
}

// value checks the next value against t (nil: anything goes, as inside a
// map or an interface value).
func (sc *nameScanner) value(t reflect.Type) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	sc.skipSpace()
	switch sc.b[sc.i] {
	case '{':
		var fields map[string]reflect.StructField
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		sc.i++
		for sc.skipSpace(); sc.b[sc.i] != '}'; sc.skipSpace() {
			if sc.b[sc.i] == ',' {
				sc.i++
				sc.skipSpace()
			}
			rawKey, escaped := sc.str()
			if escaped && hasNUL(rawKey) {
				pointer := fieldPointer(sc.names()) // the object that holds the key
				if pointer == "" {
					pointer = "/"
				}
				return backend.InvalidField(pointer, "Field names must not contain NUL characters (\\u0000).")
			}
			var (
				f     reflect.StructField
				known bool
				key   string
			)
			if escaped {
				_ = json.Unmarshal(append(append([]byte{'"'}, rawKey...), '"'), &key) // valid JSON: cannot fail
				f, known = fields[key]
			} else {
				f, known = fields[string(rawKey)] // no copy of the key for the lookup
			}
			elem := pathElem{key: key, index: -1}
			if !escaped {
				elem.raw = rawKey
			}
			var next reflect.Type
			if fields != nil {
				if !known {
					sc.path = append(sc.path, elem)
					name := sc.names()
					return backend.InvalidField(fieldPointer(name), "%s is not a field of this request body.", strings.Join(name, "."))
				}
				next = f.Type
			}
			sc.skipSpace()
			sc.i++ // the colon
			sc.path = append(sc.path, elem)
			if err := sc.value(next); err != nil {
				return err
			}
			sc.path = sc.path[:len(sc.path)-1]
		}
		sc.i++
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		sc.i++
		for n := 0; ; n++ {
			sc.skipSpace()
			if sc.b[sc.i] == ']' {
				break
			}
			if sc.b[sc.i] == ',' {
				sc.i++
			}
			sc.path = append(sc.path, pathElem{index: n})
			if err := sc.value(elem); err != nil {
				return err
			}
			sc.path = sc.path[:len(sc.path)-1]
		}
		sc.i++
	case '"':
		if raw, escaped := sc.str(); escaped && hasNUL(raw) {
			name := sc.names()
			return backend.InvalidField(fieldPointer(name), "%s must not contain NUL characters (\\u0000).", strings.Join(name, "."))
		}
	default: // a number, true, false or null
		for sc.i < len(sc.b) && !strings.ContainsRune(",]} \t\n\r", rune(sc.b[sc.i])) {
			sc.i++
		}
	}
	return nil
}

// jsonFieldCache holds jsonFields' answer per struct type.
var jsonFieldCache sync.Map // reflect.Type → map[string]reflect.StructField

// jsonFields maps the JSON names of the exported fields of struct type t to
// the fields.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	if cached, ok := jsonFieldCache.Load(t); ok {
		if fields, ok := cached.(map[string]reflect.StructField); ok { // always: only this function stores
			return fields
		}
	}
	fields := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		fields[tag] = f
	}
	jsonFieldCache.Store(t, fields)
	return fields
}

// fieldByJSONName finds the exported field of struct type t whose JSON name
// is exactly name.
func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	f, ok := jsonFields(t)[name]
	return f, ok
}

// decodeError turns what encoding/json reports about raw, decoded as t, into
// a domain error that says where the body is wrong.
func decodeError(err error, raw json.RawMessage, t reflect.Type) error {
	if typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if typeErr.Field == "" {
			return backend.InvalidField("/", "The request body must be a JSON object.")
		}
		names := strings.Split(typeErr.Field, ".")
		if located, found := locateTypeError(raw, t, names, nil); found {
			names = located
		}
		return backend.InvalidField(fieldPointer(names), "%s must be %s, not %s.", strings.Join(names, "."),
			jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value)
	}
	const unknownPrefix = "json: unknown field "
	if msg := err.Error(); strings.HasPrefix(msg, unknownPrefix) {
		name, uerr := strconv.Unquote(strings.TrimPrefix(msg, unknownPrefix))
		if uerr != nil {
			name = strings.TrimPrefix(msg, unknownPrefix)
		}
		return backend.InvalidField(fieldPointer([]string{name}), "%s is not a field of this request body.", name)
	}
	if syntaxErr, ok := errors.AsType[*json.SyntaxError](err); ok {
		return &backend.Error{Kind: backend.EBADREQUEST, Pointer: "/",
			Detail: fmt.Sprintf("The request body is not valid JSON: %s (at byte %d).", syntaxErr.Error(), syntaxErr.Offset)}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &backend.Error{Kind: backend.EBADREQUEST, Pointer: "/", Detail: "The request body is not valid JSON: it ends too early."}
	}
	return &backend.Error{Kind: backend.EBADREQUEST, Pointer: "/", Detail: "The request body is not valid JSON."}
}

// locateTypeError finds in raw, decoded as t, the value the decoder refused
// at field (the dotted path of UnmarshalTypeError, which has no array
// indices) and returns its path with the indices, so that the pointer names
// the array element at fault: /events/3/parts, not /events/parts. Arrays are
// searched in order, as the decoder reads them. It runs only on a body
// already refused.
func locateTypeError(raw json.RawMessage, t reflect.Type, field, path []string) ([]string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	here := path[:len(path):len(path)]
	if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return path, len(field) == 0 // not an array where one is due
		}
		for i, item := range items {
			if located, found := locateTypeError(item, t.Elem(), field, append(here, strconv.Itoa(i))); found {
				return located, true
			}
		}
		return nil, false
	}
	if len(field) == 0 {
		return path, json.Unmarshal(raw, reflect.New(t).Interface()) != nil
	}
	if t.Kind() != reflect.Struct {
		return nil, false
	}
	f, known := fieldByJSONName(t, field[0])
	var obj map[string]json.RawMessage
	if !known || json.Unmarshal(raw, &obj) != nil {
		return nil, false
	}
	val, present := obj[field[0]]
	if !present {
		return nil, false
	}
	return locateTypeError(val, f.Type, field[1:], append(here, field[0]))
}

// fieldPointer builds an RFC 6901 JSON pointer from field names.
func fieldPointer(names []string) string {
	var b strings.Builder
	escaper := strings.NewReplacer("~", "~0", "/", "~1")
	for _, n := range names {
		b.WriteByte('/')
		b.WriteString(escaper.Replace(n))
	}
	return b.String()
}

// jsonTypeName names a Go kind the way a JSON client thinks of it.
func jsonTypeName(goKind string) string {
	switch goKind {
	case "bool":
		return "a boolean"
	case "string":
		return "a string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return "of another type"
}
