package httpapi

import (
	"bytes"
	_ "embed" // the OpenAPI document
	"net/http"
)

// openAPIDocument describes every route that routes registers; openapi_test.go
// fails when the two differ.
//
//go:embed openapi.yaml
var openAPIDocument []byte

// OpenAPIDocument returns the OpenAPI 3.1 document that the server serves at
// GET /openapi.yaml.
func OpenAPIDocument() []byte { return bytes.Clone(openAPIDocument) }

// openAPI serves the document without authentication: it holds no secret, and
// a client needs it before it has a key.
func (s *server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPIDocument)
}
