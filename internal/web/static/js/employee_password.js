// Employee change-password page over
// POST /api/v1/hdts/employees/api/profile/change-password/.
(function () {
  "use strict";
  var A = window.AUTHD;

  function $(id) {
    return document.getElementById(id);
  }

  document.addEventListener("DOMContentLoaded", function () {
    A.passwordStrength.attach($("id_new_password"));
    $("changePasswordForm").addEventListener("submit", function (event) {
      event.preventDefault();
      A.show($("successMessage"), false);
      var body = { old_password: $("id_current_password").value, new_password: $("id_new_password").value,
        confirm_password: $("id_new_password_confirm").value };
      if (!body.old_password || !body.new_password || !body.confirm_password) {
        A.showToast("error", "Please fill in every field.");
        return;
      }
      if (body.new_password !== body.confirm_password) {
        A.showToast("error", "New passwords do not match.");
        return;
      }
      A.setBusy($("changePasswordButton"), true, "Saving\u2026");
      A.api("POST", "/api/v1/hdts/employees/api/profile/change-password/", body).then(function (res) {
        A.setBusy($("changePasswordButton"), false);
        if (res.ok) {
          $("changePasswordForm").reset();
          A.show($("successMessage"), true);
          A.showToast("success", res.data.message || "Password changed successfully");
        } else {
          A.showToast("error", A.firstError(res.data, "The password could not be changed."));
        }
      });
    });
  });
})();
