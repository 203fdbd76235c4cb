package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// staticFiles are the bundled assets with a content hash per file. Page
// links carry the hash as ?v=, so a year-long cache lifetime is safe: a new
// build with changed content changes the URL.
type staticFiles struct {
	files    map[string][]byte // path below static/ to content
	versions map[string]string
	modTime  time.Time
}

func loadStatic() (*staticFiles, error) {
	s := &staticFiles{files: map[string][]byte{}, versions: map[string]string{}, modTime: time.Unix(0, 0)}
	err := fs.WalkDir(staticFS, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(name)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(name, "static/")
		sum := sha256.Sum256(data)
		s.files[rel] = data
		s.versions[rel] = hex.EncodeToString(sum[:6])
		return nil
	})
	return s, err
}

// url returns the versioned URL of an asset. An unknown asset is a template
// bug. It gets an unversioned URL, so the page still renders and the 404
// shows up in the browser console and the tests.
func (s *staticFiles) url(rel string) string {
	if v, ok := s.versions[rel]; ok {
		return "/static/" + rel + "?v=" + v
	}
	return "/static/" + rel
}

// ServeStatic serves GET /static/<path>.
func (p *Pages) ServeStatic(w http.ResponseWriter, r *http.Request) {
	rel := strings.TrimPrefix(path.Clean("/"+r.PathValue("path")), "/")
	data, ok := p.static.files[rel]
	if !ok {
		p.NotFound(w, r)
		return
	}
	contentType := mime.TypeByExtension(path.Ext(rel))
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+p.static.versions[rel]+`"`)
	http.ServeContent(w, r, rel, p.static.modTime, bytes.NewReader(data))
}

// Favicon serves GET /favicon.ico with the logo PNG, for browsers and pages
// that ask for the icon at that fixed path. Its URL carries no content
// version, so it is cached for a day instead of a year.
func (p *Pages) Favicon(w http.ResponseWriter, r *http.Request) {
	const rel = "images/map-logo.png"
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("ETag", `"`+p.static.versions[rel]+`"`)
	http.ServeContent(w, r, rel, p.static.modTime, bytes.NewReader(p.static.files[rel]))
}
