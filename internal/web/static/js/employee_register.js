// Employee registration: three steps, the privacy notice that must be
// accepted, an optional cropped picture, and
// POST /api/v1/hdts/employees/api/register/ (multipart).
(function () {
  "use strict";
  var A = window.AUTHD;
  var step = 1, last = 3, picture = null, accepted = false;
  var stepOfField = { first_name: 1, middle_name: 1, last_name: 1, suffix: 1, email: 1, phone_number: 1,
    company_id: 2, department: 2, username: 2, profile_picture: 2, password: 3 };

  function $(id) {
    return document.getElementById(id);
  }

  function showError(message) {
    $("errorMessage").textContent = message;
    A.show($("errorContainer"), !!message);
  }

  function goTo(n) {
    step = n;
    document.querySelectorAll(".registerStep").forEach(function (fs) {
      fs.hidden = Number(fs.dataset.step) !== n;
    });
    for (var i = 1; i <= last; i++) {
      if (i === n) {
        $("stepLabel" + i).setAttribute("aria-current", "step");
      } else {
        $("stepLabel" + i).removeAttribute("aria-current");
      }
    }
    A.show($("backBtn"), n > 1);
    $("nextBtn").textContent = n === last ? "Create account" : "Next";
    var first = document.querySelector('.registerStep[data-step="' + n + '"] input, .registerStep[data-step="' + n + '"] select');
    if (first) {
      first.focus();
    }
  }

  function validate(n) {
    if (n === 1) {
      if (!$("first_name").value.trim() || !$("last_name").value.trim()) {
        return "Please enter your first and last name.";
      }
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test($("email").value.trim())) {
        return "Enter a valid email address.";
      }
    }
    if (n === 2) {
      var company = $("company_id").value.trim();
      if (company && !/^(MA)?\d{4}$/.test(company)) {
        return "Company ID must be 4 digits.";
      }
    }
    if (n === 3) {
      if ($("password").value.length < 8) {
        return "Password must be at least 8 characters long.";
      }
      if ($("password").value !== $("password_confirm").value) {
        return "Passwords do not match.";
      }
    }
    return "";
  }

  function submit() {
    var body = new FormData();
    ["first_name", "middle_name", "last_name", "suffix", "email", "phone_number", "company_id", "department", "username", "password"].forEach(function (name) {
      var value = $(name).value;
      if (name !== "password") {
        value = value.trim();
      }
      if (value !== "") {
        body.append(name, value);
      }
    });
    if (picture) {
      body.append("profile_picture", picture, "profile.png");
    }
    var button = $("nextBtn");
    A.setBusy(button, true, "Creating account\u2026");
    A.api("POST", "/api/v1/hdts/employees/api/register/", body).then(function (res) {
      A.setBusy(button, false);
      if (res.ok) {
        showError("");
        A.showToast("success", "Your account has been created. You can sign in once an administrator approves it.");
        setTimeout(function () {
          window.location.assign("/login/");
        }, 1500);
        return;
      }
      var field = res.data && typeof res.data === "object" ? Object.keys(res.data).filter(function (k) {
        return stepOfField[k];
      })[0] : null;
      showError(A.firstError(res.data, "The account could not be created."));
      if (field) {
        goTo(stepOfField[field]);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    goTo(1);
    $("nextBtn").addEventListener("click", function () {
      var problem = validate(step);
      showError(problem);
      if (problem) {
        return;
      }
      if (step < last) {
        goTo(step + 1);
        return;
      }
      if (!accepted) {
        $("policyModal").showModal();
        return;
      }
      submit();
    });
    $("backBtn").addEventListener("click", function () {
      showError("");
      goTo(step - 1);
    });
    $("registerForm").addEventListener("submit", function (event) {
      event.preventDefault();
      $("nextBtn").click();
    });
    $("showPolicy").addEventListener("click", function () {
      $("policyModal").showModal();
    });
    $("agreeBtn").addEventListener("click", function () {
      accepted = true;
      $("policyAccepted").checked = true;
      $("policyModal").close();
      if (step === last && !validate(last)) {
        submit();
      }
    });
    document.querySelectorAll("#policyModal [data-close]").forEach(function (b) {
      b.addEventListener("click", function () {
        $("policyModal").close();
      });
    });
    $("profile_picture").addEventListener("change", function () {
      var file = $("profile_picture").files[0];
      if (!file) {
        return;
      }
      if (file.size > 2 * 1024 * 1024) {
        showError("Profile picture file size must be less than 2MB.");
        $("profile_picture").value = "";
        return;
      }
      A.cropper.open(file).then(function (result) {
        $("profile_picture").value = "";
        picture = result;
        if (result) {
          $("picturePreview").src = URL.createObjectURL(result);
        }
        A.show($("previewContainer"), !!result);
      });
    });
  });
})();
