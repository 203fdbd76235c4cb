package accounts_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/secrets"
)

const profilePath = "/api/v1/users/profile/"

// profileClient signs a user in and returns a client holding its cookies.
func profileClient(t *testing.T, s *apptest.Server, email string, mutate func(*accounts.NewUser)) (*apptest.Client, *model.User) {
	t.Helper()
	u := createUser(t, s, email, mutate)
	c := s.Client()
	c.Post("/api/v1/users/login/api/", credentials(email, testPassword)).Expect(t, http.StatusOK)
	return c, u
}

// testImage encodes a w x h picture in format (png, jpeg or gif).
func testImage(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{R: 30, G: 120, B: 200, A: 255})
	}
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withPNGText inserts a tEXt chunk after the IHDR chunk of a PNG, the way
// cameras and editors add metadata.
func withPNGText(data []byte, key, value string) []byte {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4
	payload := append([]byte(key+"\x00"), value...)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	typed := append([]byte("tEXt"), payload...)
	chunk = append(chunk, typed...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(typed))
	out := append([]byte{}, data[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, data[ihdrEnd:]...)
}

// tinyWebP is a 1x1 lossless WebP image.
var tinyWebP, _ = base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")

func TestProfileGetAndPatch(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		c, u := profileClient(t, s, "profile@example.com", func(n *accounts.NewUser) { n.IsStaff = true })
		for _, path := range []string{profilePath, "/api/v1/users/profile"} {
			resp := c.Get(path).Expect(t, http.StatusOK)
			if resp.Get("id") != float64(u.ID) || resp.Get("email") != u.Email || resp.Get("pending_email") != nil || resp.Get("profile_picture") != nil {
				resp.Errorf(t, "unexpected profile")
			}
		}

		updated := c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{
			"username": "renamed", "phone_number": "09181234567", "first_name": "Nina", "middle_name": "", "last_name": "Ortiz", "suffix": "III",
			"csrfmiddlewaretoken": "ignored",
		}))).Expect(t, http.StatusOK)
		for field, want := range map[string]any{"username": "renamed", "phone_number": "+639181234567", "first_name": "Nina",
			"middle_name": nil, "last_name": "Ortiz", "suffix": "III"} {
			if got := updated.Get(field); got != want {
				t.Errorf("%s = %v, want %v", field, got, want)
			}
		}
		// PUT is a partial update too, and an empty phone number clears it.
		cleared := c.Do(http.MethodPut, "/api/v1/users/profile", ptr(apptest.JSON(map[string]any{"phone_number": ""}))).Expect(t, http.StatusOK)
		if cleared.Get("phone_number") != nil || cleared.Get("username") != "renamed" {
			cleared.Errorf(t, "PUT with one field must change only that field")
		}

		other := createUser(t, s, "other@example.com", func(n *accounts.NewUser) { n.Username = "Taken"; p := "+15550001111"; n.PhoneNumber = &p })
		before := readUser(t, s, u.ID)
		cases := []struct {
			name string
			body map[string]any
			want map[string]any
		}{
			{"blank username", map[string]any{"username": ""}, map[string]any{"username": []string{"This field may not be blank."}}},
			{"taken username", map[string]any{"username": "TAKEN"}, map[string]any{"username": []string{"This username is already taken. Please choose a different one."}}},
			{"bad username", map[string]any{"username": "a b"}, map[string]any{"username": []string{"Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."}}},
			{"taken phone", map[string]any{"phone_number": *other.PhoneNumber}, map[string]any{"phone_number": []string{"A user with this phone number already exists."}}},
			{"bad phone", map[string]any{"phone_number": "555"}, map[string]any{"phone_number": []string{"Phone number must be in E.164 format (e.g., +15551234567) or local format (09XXXXXXXXX)."}}},
			{"bad suffix", map[string]any{"suffix": "Dr."}, map[string]any{"suffix": []string{`"Dr." is not a valid choice.`}}},
			{"taken e-mail", map[string]any{"email": "OTHER@example.com"}, map[string]any{"email": []string{"A user with this email already exists."}}},
			{"bad e-mail", map[string]any{"email": "nope"}, map[string]any{"email": []string{"Enter a valid email address."}}},
			{"picture as text", map[string]any{"profile_picture": "data"}, map[string]any{"profile_picture": []string{"The submitted data was not a file. Check the encoding type on the form."}}},
			{"several at once", map[string]any{"username": "", "suffix": "Dr.", "phone_number": "1"}, map[string]any{
				"username": []string{"This field may not be blank."}, "suffix": []string{`"Dr." is not a valid choice.`},
				"phone_number": []string{"Phone number must be in E.164 format (e.g., +15551234567) or local format (09XXXXXXXXX)."}}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				expectBody(t, c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(tc.body))), http.StatusBadRequest, tc.want)
			})
		}
		after := readUser(t, s, u.ID)
		if after.UpdatedAt != before.UpdatedAt || *after.Username != *before.Username {
			t.Error("a rejected profile update changed the row")
		}
	})
}

func TestProfileRestrictedFields(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		c, u := profileClient(t, s, "plain@example.com", nil)
		want := map[string]any{"error": "Permission denied", "detail": "You can only update: otp_enabled, phone_number, profile_picture, " +
			"profile_picture-clear, username. Attempted to update restricted fields: email, first_name, is_superuser"}
		expectBody(t, c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"username": "ok", "is_superuser": true, "first_name": "X", "email": "x@example.com"}))),
			http.StatusForbidden, want)
		if row := readUser(t, s, u.ID); row.IsSuperuser || row.FirstName != "Test" || *row.Username == "ok" {
			t.Error("a refused update changed the row")
		}
		// Self-service fields and the form token are allowed.
		resp := c.Do(http.MethodPatch, profilePath, ptr(apptest.Form(map[string]string{"username": "allowed", "csrfmiddlewaretoken": "x"}))).Expect(t, http.StatusOK)
		if resp.Get("username") != "allowed" {
			resp.Errorf(t, "a self-service field was not updated")
		}
	})
}

func TestProfileOTPEnabled(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		c, u := profileClient(t, s, "otp@example.com", nil)
		// Turning it off while it is off is a no-op.
		c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"otp_enabled": false}))).Expect(t, http.StatusOK)
		on := c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"otp_enabled": true}))).Expect(t, http.StatusOK)
		if on.Get("otp_enabled") != true || !readUser(t, s, u.ID).OTPEnabled {
			on.Errorf(t, "otp_enabled true must turn e-mail codes on")
		}
		expectBody(t, c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"otp_enabled": false}))), http.StatusBadRequest,
			map[string]any{"otp_enabled": []string{"Use the 2FA disable endpoint to turn off two-factor authentication."}})
		expectBody(t, c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"otp_enabled": "sometimes"}))), http.StatusBadRequest,
			map[string]any{"otp_enabled": []string{"Must be a valid boolean."}})

		// Within the window opened by verify-disable-otp, false turns it off.
		execSQL(t, s, "UPDATE users SET otp_disable_grant_until = ? WHERE id = ?", s.Clock.Now().Add(5*time.Minute), u.ID)
		off := c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"otp_enabled": false}))).Expect(t, http.StatusOK)
		if off.Get("otp_enabled") != false || readUser(t, s, u.ID).OTPEnabled {
			off.Errorf(t, "otp_enabled false inside the window must turn the second factor off")
		}
	})
}

func TestProfilePicture(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		c, u := profileClient(t, s, "picture@example.com", nil)
		dir := filepath.Join(s.App.Config.MediaDir, "profile_pics")
		var previous string
		for _, tc := range []struct {
			name string
			data []byte
			ext  string
		}{
			{"png", withPNGText(testImage(t, "png", 64, 48), "GPSLatitude", "14.5995"), ".png"},
			{"jpeg", testImage(t, "jpeg", 1024, 1024), ".jpg"},
			{"gif", testImage(t, "gif", 20, 20), ".png"},
			{"webp", tinyWebP, ".png"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp := c.Do(http.MethodPatch, profilePath, ptr(apptest.Multipart(nil, apptest.File{Field: "profile_picture", Name: "me." + tc.name, Data: tc.data})))
				resp.Expect(t, http.StatusOK)
				url := resp.String("profile_picture")
				if !strings.HasPrefix(url, s.URL+"/media/profile_pics/") || !strings.HasSuffix(url, tc.ext) {
					t.Fatalf("profile_picture = %q, want %s/media/profile_pics/<uuid>%s", url, s.URL, tc.ext)
				}
				file := strings.TrimPrefix(url, s.URL+"/media/profile_pics/")
				served := c.Get("/media/profile_pics/"+file).Expect(t, http.StatusOK)
				if served.Header.Get("X-Content-Type-Options") != "nosniff" || served.Header.Get("Content-Security-Policy") != "default-src 'none'" {
					t.Errorf("picture headers: nosniff=%q csp=%q", served.Header.Get("X-Content-Type-Options"), served.Header.Get("Content-Security-Policy"))
				}
				if _, format, err := image.DecodeConfig(bytes.NewReader(served.Body)); err != nil || (tc.ext == ".png") != (format == "png") {
					t.Errorf("stored picture is %q (%v), want it re-encoded", format, err)
				}
				if bytes.Contains(served.Body, []byte("GPSLatitude")) {
					t.Error("the stored picture kept the metadata of the upload")
				}
				if previous != "" {
					if _, err := os.Stat(filepath.Join(dir, previous)); !os.IsNotExist(err) {
						t.Errorf("the replaced picture %s still exists", previous)
					}
				}
				previous = file
			})
		}

		before := readUser(t, s, u.ID).ProfilePicture
		for _, tc := range []struct {
			name    string
			data    []byte
			message string
		}{
			{"too large", append(testImage(t, "png", 10, 10), make([]byte, 2<<20)...), "Profile picture file size must be less than 2MB."},
			{"not an image", []byte("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"), "Invalid image file."},
			{"truncated png", testImage(t, "png", 50, 50)[:60], "Invalid image file."},
			{"too wide", testImage(t, "png", 1025, 10), "Profile picture dimensions must not exceed 1024x1024 pixels."},
			{"too tall", testImage(t, "gif", 10, 1025), "Profile picture dimensions must not exceed 1024x1024 pixels."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp := c.Do(http.MethodPatch, profilePath, ptr(apptest.Multipart(nil, apptest.File{Field: "profile_picture", Name: "x.png", Data: tc.data})))
				expectBody(t, resp, http.StatusBadRequest, map[string]any{"profile_picture": []string{tc.message}})
			})
		}
		if after := readUser(t, s, u.ID).ProfilePicture; *after != *before {
			t.Errorf("a rejected upload changed the picture to %v", *after)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("media folder holds %d files after rejected uploads, want 1", len(entries))
		}

		// Removal by profile_picture-clear deletes the file.
		cleared := c.Do(http.MethodPatch, profilePath, ptr(apptest.Multipart(map[string]string{"profile_picture-clear": "on"}))).Expect(t, http.StatusOK)
		if cleared.Get("profile_picture") != nil {
			cleared.Errorf(t, "profile_picture-clear must remove the picture")
		}
		if _, err := os.Stat(filepath.Join(dir, previous)); !os.IsNotExist(err) {
			t.Errorf("the removed picture %s still exists", previous)
		}

		// Removal by an empty value works the same.
		c.Do(http.MethodPatch, profilePath, ptr(apptest.Multipart(nil, apptest.File{Field: "profile_picture", Name: "a.png", Data: testImage(t, "png", 8, 8)}))).Expect(t, http.StatusOK)
		removed := c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"profile_picture": nil}))).Expect(t, http.StatusOK)
		if removed.Get("profile_picture") != nil {
			removed.Errorf(t, "profile_picture null must remove the picture")
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("media folder holds %d files after removal, want 0", len(entries))
		}
		c.Get("/media/profile_pics/../../etc/passwd").Expect(t, http.StatusNotFound)
		c.Get("/media/profile_pics/missing.png").Expect(t, http.StatusNotFound)
	})
}

func TestEmailChange(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		c, u := profileClient(t, s, "old@example.com", func(n *accounts.NewUser) { n.IsStaff = true })
		resp := c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"email": "new@example.com"}))).Expect(t, http.StatusOK)
		if resp.Get("email") != "old@example.com" || resp.Get("pending_email") != "new@example.com" {
			resp.Errorf(t, "an e-mail change must wait for confirmation")
		}
		// The token exists only in the e-mail; replace its stored hash with one
		// of a token the test knows.
		token := secrets.Token(32)
		execSQL(t, s, "UPDATE email_change_requests SET token_sha256 = ? WHERE user_id = ?", secrets.SHA256Hex(token), u.ID)

		anonymous := s.Client()
		invalid := map[string]any{"token": []string{"Invalid or expired confirmation link."}}
		expectBody(t, anonymous.Post("/api/v1/users/email/confirm/", apptest.JSON(map[string]any{"token": "wrong"})), http.StatusBadRequest, invalid)
		expectBody(t, anonymous.Post("/api/v1/users/email/confirm/", apptest.JSON(map[string]any{})), http.StatusBadRequest,
			map[string]any{"token": []string{"This field is required."}})
		expectBody(t, anonymous.Post("/api/v1/users/email/confirm", apptest.JSON(map[string]any{"token": token})), http.StatusOK,
			map[string]any{"message": "Email address updated."})
		row := readUser(t, s, u.ID)
		if row.Email != "new@example.com" || row.PendingEmail != nil {
			t.Errorf("after confirmation: email %q pending %v", row.Email, row.PendingEmail)
		}
		expectBody(t, anonymous.Post("/api/v1/users/email/confirm/", apptest.JSON(map[string]any{"token": token})), http.StatusBadRequest, invalid)

		// A token past 24 hours is invalid.
		c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"email": "later@example.com"}))).Expect(t, http.StatusOK)
		late := secrets.Token(32)
		execSQL(t, s, "UPDATE email_change_requests SET token_sha256 = ? WHERE user_id = ? AND confirmed_at IS NULL", secrets.SHA256Hex(late), u.ID)
		s.Clock.Advance(24*time.Hour + time.Second)
		c = s.Client()
		c.Post("/api/v1/users/login/api/", credentials(row.Email, testPassword)).Expect(t, http.StatusOK)
		expectBody(t, anonymous.Post("/api/v1/users/email/confirm/", apptest.JSON(map[string]any{"token": late})), http.StatusBadRequest, invalid)

		// The address was taken by someone else meanwhile.
		c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"email": "contested@example.com"}))).Expect(t, http.StatusOK)
		contested := secrets.Token(32)
		execSQL(t, s, "UPDATE email_change_requests SET token_sha256 = ? WHERE user_id = ? AND confirmed_at IS NULL", secrets.SHA256Hex(contested), u.ID)
		createUser(t, s, "Contested@example.com", nil)
		expectBody(t, anonymous.Post("/api/v1/users/email/confirm/", apptest.JSON(map[string]any{"token": contested})), http.StatusBadRequest,
			map[string]any{"email": []string{"A user with this email already exists."}})
		if row := readUser(t, s, u.ID); row.Email != "new@example.com" {
			t.Errorf("a refused confirmation changed the e-mail to %q", row.Email)
		}
	})
}

func ptr(b apptest.Body) *apptest.Body { return &b }
