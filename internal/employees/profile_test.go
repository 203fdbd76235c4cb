package employees_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
)

func TestProfilePatchRules(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		register(t, s, "phone.owner@example.com", map[string]any{"phone_number": "+15550001111"})
		c, _ := signedInEmployee(t, s, "editor@example.com")
		cases := []struct {
			name  string
			body  map[string]any
			field string
			want  string
		}{
			{"empty first name", map[string]any{"first_name": "  "}, "first_name", "First name cannot be empty."},
			{"null last name", map[string]any{"last_name": nil}, "last_name", "Last name cannot be empty."},
			{"phone of another employee", map[string]any{"phone_number": "+15550001111"}, "phone_number", "An employee with this phone number already exists."},
			{"bad phone", map[string]any{"phone_number": "abc"}, "phone_number", "Phone number must be in E.164 format (e.g., +15551234567) or local format (09XXXXXXXXX)."},
			{"bad suffix", map[string]any{"suffix": "Dr."}, "suffix", `"Dr." is not a valid choice.`},
			{"picture as text", map[string]any{"profile_picture": "me.png"}, "profile_picture", "The submitted data was not a file. Check the encoding type on the form."},
		}
		for _, tc := range cases {
			res := c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(tc.body))).Expect(t, http.StatusBadRequest)
			if got := fmt.Sprint(res.Get(tc.field)); got != "["+tc.want+"]" {
				res.Errorf(t, "%s: %s = %s", tc.name, tc.field, got)
			}
		}
		ok := c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"suffix": "Jr.", "department": "Budget Department",
			"email": "ignored@example.com", "company_id": "MA9999", "status": "Rejected"}))).Expect(t, http.StatusOK)
		if ok.String("employee.email") != "editor@example.com" || ok.String("employee.status") != "Approved" || ok.String("employee.company_id") == "MA9999" {
			ok.Errorf(t, "fields an employee may not change were changed")
		}
		if got := fmt.Sprint(ok.Get("updated_fields")); got != "[suffix department]" {
			ok.Errorf(t, "updated_fields = %s", got)
		}
	})
}

func TestProfilePutClearsAbsentFields(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		c, _ := signedInEmployee(t, s, "full@example.com")
		c.Do(http.MethodPatch, profilePath, ptr(apptest.Multipart(map[string]string{"middle_name": "Q", "suffix": "III", "phone_number": "09181234567"},
			apptest.File{Field: "profile_picture", Name: "p.png", Data: pngImage(t, 4, 4)}))).Expect(t, http.StatusOK)
		missing := c.Do(http.MethodPut, profilePath, ptr(apptest.JSON(map[string]any{"first_name": "Ana"}))).Expect(t, http.StatusBadRequest)
		if fmt.Sprint(missing.Get("last_name")) != "[This field is required.]" {
			missing.Errorf(t, "PUT without last_name")
		}
		put := c.Do(http.MethodPut, profilePath, ptr(apptest.JSON(map[string]any{"first_name": "Ana", "last_name": "Lim"}))).Expect(t, http.StatusOK)
		if put.String("message") != "Profile fully updated successfully" {
			put.Errorf(t, "PUT message")
		}
		for _, field := range []string{"middle_name", "suffix", "phone_number", "department", "profile_picture"} {
			if put.Get("employee."+field) != nil {
				put.Errorf(t, "PUT kept %s", field)
			}
		}
		if put.String("employee.last_name") != "Lim" {
			put.Errorf(t, "PUT did not set last_name")
		}
	})
}

func TestPictureClear(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		c, _ := signedInEmployee(t, s, "pic@example.com")
		set := c.Do(http.MethodPatch, profilePath, ptr(apptest.Multipart(nil, apptest.File{Field: "profile_picture", Name: "p.png", Data: pngImage(t, 4, 4)}))).Expect(t, http.StatusOK)
		url := set.String("employee.profile_picture")
		cleared := c.Do(http.MethodPatch, profilePath, ptr(apptest.Form(map[string]string{"profile_picture-clear": "on"}))).Expect(t, http.StatusOK)
		if cleared.Get("employee.profile_picture") != nil {
			cleared.Errorf(t, "picture not cleared")
		}
		s.Client().Get(url[len(s.URL):]).Expect(t, http.StatusNotFound)
	})
}
