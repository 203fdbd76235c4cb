// Package api embeds authd's OpenAPI document (openapi.yaml), the JSON API
// contract that the HTTP tests check every response against, and the page
// that browses it offline.
package api

import (
	_ "embed"
	"encoding/json"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// OpenAPI is the OpenAPI 3 document in YAML.
//
//go:embed openapi.yaml
var OpenAPI []byte

// DocsPage is the HTML of the offline API browser served at /api/docs/. It
// loads DocsScript and DocsStyle and nothing from other hosts.
//
//go:embed docs.html
var DocsPage []byte

// DocsScript is the script of the API browser, served at /api/docs/docs.js
// because the page's Content-Security-Policy rejects inline scripts.
//
//go:embed docs.js
var DocsScript []byte

// DocsStyle is the style sheet of the API browser, served at
// /api/docs/docs.css.
//
//go:embed docs.css
var DocsStyle []byte

var (
	jsonOnce sync.Once
	jsonDoc  any
	jsonErr  error
)

// JSON returns the document converted to JSON values.
func JSON() (any, error) {
	jsonOnce.Do(func() {
		var doc *openapi3.T
		doc, jsonErr = openapi3.NewLoader().LoadFromData(OpenAPI)
		if jsonErr != nil {
			return
		}
		var encoded []byte
		if encoded, jsonErr = doc.MarshalJSON(); jsonErr == nil {
			jsonErr = json.Unmarshal(encoded, &jsonDoc)
		}
	})
	return jsonDoc, jsonErr
}
