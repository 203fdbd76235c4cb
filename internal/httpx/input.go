package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"
)

// Body size limits: 5 MiB for multipart uploads, 1 MiB for everything else.
const (
	MaxMultipartBody = 5 << 20
	MaxBody          = 1 << 20
)

// Input is a decoded request body. Every JSON route also accepts urlencoded
// and multipart forms with the same field names, so handlers read fields
// through Input and never look at the content type. Unknown fields are
// ignored by the handlers that do not read them.
type Input struct {
	values map[string]any // JSON values (numbers as json.Number) or form strings
	files  map[string][]*multipart.FileHeader
	form   bool // values came from a form, so every value is a string
}

// NewInput returns an Input over already decoded values, for tests and for
// handlers that build input from the query string.
func NewInput(values map[string]any) *Input {
	return &Input{values: values}
}

// InputFromQuery returns the query parameters of r as form input.
func InputFromQuery(r *http.Request) *Input {
	return fromValues(r.URL.Query())
}

// Decode reads the body of r according to its content type. An empty body
// decodes to an empty Input. It returns a Problem for a malformed body (400),
// a body over the size limit (413) or an unsupported content type (415).
func Decode(w http.ResponseWriter, r *http.Request) (*Input, *Problem) {
	contentType := r.Header.Get("Content-Type")
	mediaType, params, _ := mime.ParseMediaType(contentType)
	if mediaType == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, MaxMultipartBody)
		return decodeMultipart(r, params)
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyReadProblem(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &Input{values: map[string]any{}}, nil
	}
	switch mediaType {
	case "application/json", "":
		return decodeJSON(body)
	case "application/x-www-form-urlencoded":
		if !utf8.Valid(body) {
			return nil, invalidEncoding()
		}
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &Problem{Status: http.StatusBadRequest, Body: Detail("Malformed form data.", "parse_error")}
		}
		return fromValues(values), nil
	default:
		if strings.HasSuffix(mediaType, "+json") {
			return decodeJSON(body)
		}
		return nil, &Problem{Status: http.StatusUnsupportedMediaType, Body: Detail("Unsupported media type.", "unsupported_media_type")}
	}
}

func decodeJSON(body []byte) (*Input, *Problem) {
	if !utf8.Valid(body) {
		return nil, invalidEncoding()
	}
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.UseNumber()
	var parsed any
	if err := decoder.Decode(&parsed); err != nil {
		return nil, &Problem{Status: http.StatusBadRequest, Body: Detail("JSON parse error - "+jsonErrorText(err), "parse_error")}
	}
	if decoder.More() {
		return nil, &Problem{Status: http.StatusBadRequest, Body: Detail("JSON parse error - extra data after the JSON value", "parse_error")}
	}
	object, ok := parsed.(map[string]any)
	if !ok {
		return nil, &Problem{Status: http.StatusBadRequest, Body: map[string]any{
			"non_field_errors": []string{"Invalid data. Expected a dictionary, but got " + jsonTypeName(parsed) + "."},
		}}
	}
	return &Input{values: object}, nil
}

func decodeMultipart(r *http.Request, params map[string]string) (*Input, *Problem) {
	if params["boundary"] == "" {
		return nil, &Problem{Status: http.StatusBadRequest, Body: Detail("Multipart form parse error - missing boundary.", "parse_error")}
	}
	// Files above 1 MiB go to temporary files; the whole body is capped by
	// MaxBytesReader above.
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return nil, bodyReadProblem(err)
	}
	in := fromValues(r.MultipartForm.Value)
	for _, list := range r.MultipartForm.Value {
		for _, v := range list {
			if !utf8.ValidString(v) {
				return nil, invalidEncoding()
			}
		}
	}
	in.files = r.MultipartForm.File
	return in, nil
}

func bodyReadProblem(err error) *Problem {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &Problem{Status: http.StatusRequestEntityTooLarge, Body: Detail("Request body too large.", "too_large")}
	}
	return &Problem{Status: http.StatusBadRequest, Body: Detail("Malformed request body.", "parse_error")}
}

func invalidEncoding() *Problem {
	return &Problem{Status: http.StatusBadRequest, Body: Detail("Request body is not valid UTF-8.", "parse_error")}
}

func fromValues(values map[string][]string) *Input {
	in := &Input{values: map[string]any{}, form: true}
	for k, list := range values {
		if len(list) == 1 {
			in.values[k] = list[0]
			continue
		}
		items := make([]any, len(list))
		for i, v := range list {
			items[i] = v
		}
		in.values[k] = items
	}
	return in
}

// IsForm reports whether the input came from a form rather than JSON.
func (in *Input) IsForm() bool { return in.form }

// Has reports whether the field is present, even with a null or empty value.
func (in *Input) Has(key string) bool {
	_, ok := in.values[key]
	return ok || len(in.files[key]) > 0
}

// Raw returns the decoded value of a field.
func (in *Input) Raw(key string) (any, bool) {
	v, ok := in.values[key]
	return v, ok
}

// File returns the first uploaded file of a field, or nil.
func (in *Input) File(key string) *multipart.FileHeader {
	if list := in.files[key]; len(list) > 0 {
		return list[0]
	}
	return nil
}

// Keys returns the names of every field present, sorted.
func (in *Input) Keys() []string {
	keys := make([]string, 0, len(in.values)+len(in.files))
	for k := range in.values {
		keys = append(keys, k)
	}
	for k := range in.files {
		if _, dup := in.values[k]; !dup {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "str"
	case json.Number:
		return "int"
	case bool:
		return "bool"
	case nil:
		return "NoneType"
	}
	return "object"
}

func jsonErrorText(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return syntax.Error()
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of JSON input"
	}
	return err.Error()
}
