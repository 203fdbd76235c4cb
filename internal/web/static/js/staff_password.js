// Staff change-password page over POST /api/v1/users/password/change/.
(function () {
  "use strict";
  var A = window.AUTHD;

  function $(id) {
    return document.getElementById(id);
  }

  function clearErrors() {
    ["current_password", "new_password", "new_password_confirm"].forEach(function (f) {
      $(f + "_error").textContent = "";
      $(f).removeAttribute("aria-invalid");
    });
  }

  function fieldError(field, message) {
    $(field + "_error").textContent = message;
    $(field).setAttribute("aria-invalid", "true");
  }

  document.addEventListener("DOMContentLoaded", function () {
    A.passwordStrength.attach($("new_password"));
    $("change-password-form").addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors();
      A.show($("successMessage"), false);
      var body = { current_password: $("current_password").value, new_password: $("new_password").value,
        new_password_confirm: $("new_password_confirm").value };
      var missing = false;
      Object.keys(body).forEach(function (k) {
        if (!body[k]) {
          fieldError(k, "This field is required.");
          missing = true;
        }
      });
      if (missing) {
        return;
      }
      if (body.new_password !== body.new_password_confirm) {
        fieldError("new_password_confirm", "Passwords do not match.");
        return;
      }
      var button = $("changePasswordButton");
      A.setBusy(button, true, "Saving\u2026");
      A.api("POST", "/api/v1/users/password/change/", body).then(function (res) {
        A.setBusy(button, false);
        if (res.ok) {
          $("change-password-form").reset();
          A.show($("successMessage"), true);
          A.showToast("success", res.data.detail || "Password changed.");
          return;
        }
        var handled = false;
        ["current_password", "new_password", "new_password_confirm"].forEach(function (f) {
          if (res.data && res.data[f] && res.data[f].length) {
            fieldError(f, res.data[f][0]);
            handled = true;
          }
        });
        if (!handled) {
          A.showToast("error", A.firstError(res.data, "The password could not be changed."));
        }
      });
    });
  });
})();
