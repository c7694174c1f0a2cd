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
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			return &backend.Error{Kind: backend.ETOOLARGE, Detail: fmt.Sprintf("The request body must be at most %d bytes.", maxBodyBytes)}
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
	// encoding/json matches field names case-insensitively; the contract's
	// names are exact, so check them first (this also points at nested fields).
	if err := checkFieldNames(trimmed, reflect.TypeOf(dst), nil); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &backend.Error{Kind: backend.EBADREQUEST, Detail: "The request body must hold a single JSON object, with nothing after it.", Pointer: "/"}
	}
	return nil
}

// checkFieldNames refuses, with its pointer, any object key in raw that is not
// exactly the JSON name of a field of t, recursing into nested objects and
// arrays. Malformed JSON is left for the decoder to report.
func checkFieldNames(raw json.RawMessage, t reflect.Type, path []string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		for key, val := range obj {
			f, ok := fieldByJSONName(t, key)
			if !ok {
				name := append(path[:len(path):len(path)], key)
				return backend.InvalidField(fieldPointer(name), "%s is not a field of this request body.", strings.Join(name, "."))
			}
			if err := checkFieldNames(val, f.Type, append(path[:len(path):len(path)], key)); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil
		}
		for i, item := range items {
			if err := checkFieldNames(item, t.Elem(), append(path[:len(path):len(path)], strconv.Itoa(i))); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldByJSONName finds the exported field of struct type t whose JSON name
// is exactly name.
func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
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
		if tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// decodeError turns what encoding/json reports into a domain error that says
// where the body is wrong.
func decodeError(err error) error {
	if typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if typeErr.Field == "" {
			return backend.InvalidField("/", "The request body must be a JSON object.")
		}
		pointer := fieldPointer(strings.Split(typeErr.Field, "."))
		return backend.InvalidField(pointer, "%s must be %s, not %s.", typeErr.Field, jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value)
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
