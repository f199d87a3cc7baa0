package api

import (
	_ "embed"
	"net/http"
)

// openapiDoc describes every route of the API: an OpenAPI 3.1 document,
// validated (and every answer checked against it) by the package's tests.
//
//go:embed openapi.json
var openapiDoc []byte

// OpenAPI returns the API's OpenAPI document.
func OpenAPI() []byte { return append([]byte(nil), openapiDoc...) }

func (h *Handlers) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openapiDoc)
}
