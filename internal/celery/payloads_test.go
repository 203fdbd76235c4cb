package celery

import (
	"encoding/json"
	"testing"
	"time"
)

// checkJSON compares the JSON encoding of value with want, byte for byte.
func checkJSON(t *testing.T, value any, want string) {
	t.Helper()
	got, err := json.Marshal(value)
	if err != nil {
		t.Fatalf("json.Marshal(%T) returned error: %v", value, err)
	}
	if string(got) != want {
		t.Errorf("JSON of %T =\n%s\nwant\n%s", value, got, want)
	}
}

func TestPythonTime(t *testing.T) {
	manila := time.FixedZone("PHT", 8*60*60)
	tests := []struct {
		name string
		time time.Time
		want string
	}{
		{"microseconds", time.Date(2025, 1, 31, 8, 15, 0, 123456000, time.UTC), "2025-01-31T08:15:00.123456+00:00"},
		{"nanoseconds dropped", time.Date(2025, 1, 31, 8, 15, 0, 123456999, time.UTC), "2025-01-31T08:15:00.123456+00:00"},
		{"zero fraction", time.Date(2025, 1, 31, 8, 15, 0, 0, time.UTC), "2025-01-31T08:15:00.000000+00:00"},
		{"leading zero fraction", time.Date(2025, 1, 31, 8, 15, 0, 1000, time.UTC), "2025-01-31T08:15:00.000001+00:00"},
		{"other zone", time.Date(2025, 1, 31, 16, 15, 0, 500000000, manila), "2025-01-31T08:15:00.500000+00:00"},
	}
	for _, tc := range tests {
		if got := PythonTime(tc.time); got != tc.want {
			t.Errorf("%s: PythonTime = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestProfilePictureURL(t *testing.T) {
	tests := []struct {
		name string
		file *string
		want *string
	}{
		{"nil", nil, nil},
		{"empty", stringPointer(""), nil},
		{"base name", stringPointer("a.jpg"), stringPointer("/media/profile_pics/a.jpg")},
		{"stored name", stringPointer("profile_pics/a.jpg"), stringPointer("/media/profile_pics/a.jpg")},
		{"space and plus", stringPointer("my pic+1.jpg"), stringPointer("/media/profile_pics/my%20pic%2B1.jpg")},
		{"safe punctuation", stringPointer("a~b!c*(d)'e-f_g.png"), stringPointer("/media/profile_pics/a~b!c*(d)'e-f_g.png")},
		{"non-ascii", stringPointer("ñ.png"), stringPointer("/media/profile_pics/%C3%B1.png")},
		{"query characters", stringPointer("a?b#c%d.png"), stringPointer("/media/profile_pics/a%3Fb%23c%25d.png")},
	}
	for _, tc := range tests {
		got := ProfilePictureURL(tc.file)
		switch {
		case got == nil && tc.want == nil:
		case got == nil || tc.want == nil:
			t.Errorf("%s: ProfilePictureURL = %v, want %v", tc.name, got, tc.want)
		case *got != *tc.want:
			t.Errorf("%s: ProfilePictureURL = %s, want %s", tc.name, *got, *tc.want)
		}
	}
}

func TestRolePayload(t *testing.T) {
	t.Run("tts with null description", func(t *testing.T) {
		payload := NewRolePayload(Role{ID: 3, Name: "Admin", System: SystemTTS, CreatedAt: testTime}, ActionUpdate)
		checkJSON(t, payload, `{"role_id":3,"name":"Admin","system":"tts","description":null,"is_custom":false,`+
			`"created_at":"2025-01-31T08:15:00.123456+00:00","action":"update"}`)
	})

	t.Run("tts with description", func(t *testing.T) {
		role := Role{ID: 3, Name: "Admin", System: SystemTTS, Description: stringPointer("All access"), CreatedAt: testTime}
		checkJSON(t, NewRolePayload(role, ActionCreate), `{"role_id":3,"name":"Admin","system":"tts","description":"All access",`+
			`"is_custom":false,"created_at":"2025-01-31T08:15:00.123456+00:00","action":"create"}`)
	})

	t.Run("hdts with null description", func(t *testing.T) {
		role := Role{ID: 9, Name: "Ticket Coordinator", System: SystemHDTS, CreatedAt: testTime}
		checkJSON(t, NewRolePayload(role, ActionDelete), `{"role_id":9,"name":"Ticket Coordinator","system":"hdts","description":"",`+
			`"is_custom":false,"created_at":"2025-01-31T08:15:00.123456+00:00","action":"delete","source_system":"hdts"}`)
	})
}

func TestAssignmentPayload(t *testing.T) {
	base := Assignment{
		ID:            21,
		UserID:        12,
		UserEmail:     "ana@example.com",
		UserFirstName: "Ana",
		UserLastName:  "Cruz",
		System:        SystemTTS,
		RoleID:        3,
		RoleName:      "Admin",
		AssignedAt:    testTime,
		IsActive:      true,
		Settings:      map[string]any{"team": "north", "level": 2},
	}

	t.Run("tts", func(t *testing.T) {
		checkJSON(t, NewAssignmentPayload(base, ActionCreate), `{"user_system_role_id":21,"user_id":12,"user_email":"ana@example.com",`+
			`"user_full_name":"Ana Cruz","system":"tts","role_id":3,"role_name":"Admin",`+
			`"assigned_at":"2025-01-31T08:15:00.123456+00:00","is_active":true,"settings":{"level":2,"team":"north"},"action":"create"}`)
	})

	t.Run("hdts without last name or settings", func(t *testing.T) {
		assignment := base
		assignment.System = SystemHDTS
		assignment.UserLastName = ""
		assignment.Settings = nil
		assignment.IsActive = false
		checkJSON(t, NewAssignmentPayload(assignment, ActionUpdate), `{"user_system_role_id":21,"user_id":12,"user_email":"ana@example.com",`+
			`"user_full_name":"Ana","system":"hdts","role_id":3,"role_name":"Admin",`+
			`"assigned_at":"2025-01-31T08:15:00.123456+00:00","is_active":false,"settings":{},"action":"update","source_system":"hdts"}`)
	})

	t.Run("no names", func(t *testing.T) {
		assignment := base
		assignment.UserFirstName = ""
		assignment.UserLastName = ""
		if got := NewAssignmentPayload(assignment, ActionDelete).UserFullName; got != "" {
			t.Errorf("UserFullName = %q, want empty", got)
		}
	})
}

func testUser() User {
	return User{
		ID:             12,
		Email:          "ana@example.com",
		Username:       "ana",
		FirstName:      "Ana",
		LastName:       "Cruz",
		CompanyID:      stringPointer("MA0012"),
		Department:     stringPointer("IT"),
		Status:         "Approved",
		Notified:       true,
		IsActive:       true,
		ProfilePicture: stringPointer("profile_pics/ana.png"),
	}
}

func TestHDTSUserPayload(t *testing.T) {
	t.Run("null middle name and suffix", func(t *testing.T) {
		checkJSON(t, NewHDTSUserPayload(testUser(), "Ticket Coordinator", ActionUpdate), `{"user_id":12,"email":"ana@example.com",`+
			`"username":"ana","first_name":"Ana","last_name":"Cruz","middle_name":"","suffix":"","company_id":"MA0012",`+
			`"department":"IT","role":"Ticket Coordinator","status":"Approved","notified":true,`+
			`"profile_picture":"/media/profile_pics/ana.png","action":"update"}`)
	})

	t.Run("all optional fields set or null", func(t *testing.T) {
		user := testUser()
		user.MiddleName = stringPointer("Reyes")
		user.Suffix = stringPointer("Jr.")
		user.CompanyID = nil
		user.Department = nil
		user.ProfilePicture = nil
		user.Notified = false
		checkJSON(t, NewHDTSUserPayload(user, "Admin", ActionDelete), `{"user_id":12,"email":"ana@example.com",`+
			`"username":"ana","first_name":"Ana","last_name":"Cruz","middle_name":"Reyes","suffix":"Jr.","company_id":null,`+
			`"department":null,"role":"Admin","status":"Approved","notified":false,"profile_picture":null,"action":"delete"}`)
	})
}

func TestUserDeletePayload(t *testing.T) {
	checkJSON(t, NewUserDeletePayload(testUser()), `{"user_id":12,"email":"ana@example.com","username":"ana",`+
		`"first_name":"Ana","last_name":"Cruz","middle_name":"","suffix":"","company_id":"MA0012","department":"IT",`+
		`"status":"Approved","action":"delete"}`)
}

func TestEmployeePayload(t *testing.T) {
	employee := Employee{
		ID:             40,
		Email:          "ben@example.com",
		Username:       "ben",
		FirstName:      "Ben",
		MiddleName:     nil,
		LastName:       "Reyes",
		Suffix:         stringPointer("III"),
		PhoneNumber:    stringPointer("+639171234567"),
		CompanyID:      nil,
		Department:     stringPointer("Finance"),
		Status:         "Pending",
		ProfilePicture: stringPointer("ben.jpg"),
	}
	checkJSON(t, NewEmployeePayload(employee, ActionCreate), `{"employee_id":40,"user_id":null,"email":"ben@example.com",`+
		`"username":"ben","first_name":"Ben","last_name":"Reyes","middle_name":"","suffix":"III",`+
		`"phone_number":"+639171234567","company_id":null,"department":"Finance","status":"Pending","notified":false,`+
		`"profile_picture":"/media/profile_pics/ben.jpg","role":"employee","action":"create"}`)

	employee.PhoneNumber = nil
	employee.ProfilePicture = stringPointer("")
	payload := NewEmployeePayload(employee, ActionDelete)
	if payload.PhoneNumber != nil {
		t.Errorf("PhoneNumber = %q, want nil", *payload.PhoneNumber)
	}
	if payload.ProfilePicture != nil {
		t.Errorf("ProfilePicture = %q, want nil for an empty file name", *payload.ProfilePicture)
	}
}

func TestUserEmailData(t *testing.T) {
	user := testUser()
	user.LastName = ""
	checkJSON(t, NewUserEmailData(user), `{"user_id":12,"email":"ana@example.com","first_name":"Ana","last_name":"","is_active":true}`)
}
