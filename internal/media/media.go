// Package media stores uploaded profile pictures and serves them.
//
// Uploads are not trusted. The format is detected from the content, and the
// dimensions are read from the header before any pixel is decoded, so a
// small file cannot expand into a huge bitmap. The image is then re-encoded,
// which drops metadata such as GPS positions and any payload hidden after the
// image data.
package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers the GIF decoder
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
	_ "golang.org/x/image/webp" // registers the WebP decoder
)

// Limits of profile pictures.
const (
	MaxPictureBytes     = 2 << 20
	MaxPictureDimension = 1024
	picturesFolder      = "profile_pics"
)

// Upload errors, with the messages the API returns.
var (
	ErrPictureTooLarge = errors.New("Profile picture file size must be less than 2MB.")
	ErrInvalidImage    = errors.New("Invalid image file.")
	ErrPictureTooWide  = errors.New("Profile picture dimensions must not exceed 1024x1024 pixels.")
)

// Store keeps pictures under Dir/profile_pics and builds their URLs.
type Store struct {
	Dir       string // AUTHD_MEDIA_DIR
	PublicURL string // AUTHD_PUBLIC_URL, without a trailing slash
}

// SavePicture validates an upload, re-encodes it and writes it under a new
// random name. It returns the relative path stored in profile_picture
// ("profile_pics/<uuid>.png").
func (s *Store) SavePicture(fh *multipart.FileHeader) (string, error) {
	if fh.Size > MaxPictureBytes {
		return "", ErrPictureTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return "", ErrInvalidImage
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPictureBytes+1))
	if err != nil {
		return "", ErrInvalidImage
	}
	return s.SavePictureBytes(data)
}

// SavePictureBytes is SavePicture for content already in memory.
func (s *Store) SavePictureBytes(data []byte) (string, error) {
	if len(data) > MaxPictureBytes {
		return "", ErrPictureTooLarge
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", ErrInvalidImage
	}
	switch format {
	case "png", "jpeg", "gif", "webp":
	default:
		return "", ErrInvalidImage
	}
	if cfg.Width > MaxPictureDimension || cfg.Height > MaxPictureDimension {
		return "", ErrPictureTooWide
	}
	if cfg.Width < 1 || cfg.Height < 1 {
		return "", ErrInvalidImage
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", ErrInvalidImage
	}
	var out bytes.Buffer
	ext := "png"
	if format == "jpeg" {
		ext = "jpg"
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
	} else {
		err = png.Encode(&out, img)
	}
	if err != nil {
		return "", fmt.Errorf("re-encode picture: %w", err)
	}
	rel := picturesFolder + "/" + uuid.NewString() + "." + ext
	if err := s.write(rel, out.Bytes()); err != nil {
		return "", err
	}
	return rel, nil
}

func (s *Store) write(rel string, data []byte) error {
	path := filepath.Join(s.Dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("create the picture folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".upload-*")
	if err != nil {
		return fmt.Errorf("store picture: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("store picture: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("store picture: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("store picture: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

// Delete removes a stored picture. Paths outside the pictures folder are
// ignored, so a tampered row cannot delete other files.
func (s *Store) Delete(rel string) {
	clean := filepath.ToSlash(filepath.Clean(rel))
	if !strings.HasPrefix(clean, picturesFolder+"/") || strings.Contains(clean, "..") {
		return
	}
	os.Remove(filepath.Join(s.Dir, filepath.FromSlash(clean)))
}

// URL returns the absolute URL of a stored picture, or nil.
func (s *Store) URL(rel *string) any {
	if rel == nil || *rel == "" {
		return nil
	}
	return s.PublicURL + "/media/" + *rel
}

// RelativeURL returns /media/<rel>, or nil, as the sync payloads carry it.
func RelativeURL(rel *string) any {
	if rel == nil || *rel == "" {
		return nil
	}
	return "/media/" + *rel
}

// Handler serves /media/profile_pics/<file>. Files are served with nosniff
// and a CSP that allows nothing, so an upload can never run as a page.
func (s *Store) Handler() http.Handler {
	files := http.FileServer(http.Dir(filepath.Join(s.Dir, picturesFolder)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/media/"+picturesFolder+"/")
		if name == "" || strings.Contains(name, "/") || strings.HasPrefix(name, ".") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		files.ServeHTTP(w, r2)
	})
}
