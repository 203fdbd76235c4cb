// Staff reset and invitation page over POST /api/v1/users/password/reset/.
(function () {
  "use strict";
  var A = window.AUTHD;

  function $(id) {
    return document.getElementById(id);
  }

  function alertBox(kind, message) {
    var box = $("alert-container");
    box.textContent = "";
    var p = document.createElement("p");
    p.className = kind === "success" ? "success-box" : "error-box";
    p.textContent = message;
    box.appendChild(p);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = $("resetPasswordForm");
    if (!form) {
      return;
    }
    A.passwordStrength.attach($("password"));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      $("password-error").textContent = "";
      $("password_confirm-error").textContent = "";
      var password = $("password").value;
      var confirm = $("password_confirm").value;
      if (!password) {
        $("password-error").textContent = "This field is required.";
        return;
      }
      if (password !== confirm) {
        $("password_confirm-error").textContent = "Passwords do not match";
        return;
      }
      var button = $("resetButton");
      A.setBusy(button, true, "Saving\u2026");
      A.api("POST", "/api/v1/users/password/reset/", {
        token: A.config.page.token, password: password, password_confirm: confirm
      }).then(function (res) {
        A.setBusy(button, false);
        if (res.ok) {
          form.hidden = true;
          alertBox("success", res.data.message || "Password has been reset successfully. You can now log in with your new password.");
          A.showToast("success", "Password saved. Redirecting to sign in\u2026");
          setTimeout(function () {
            window.location.assign("/staff/login/");
          }, 1500);
          return;
        }
        var message = A.firstError(res.data, "The password could not be reset.");
        if (res.data && res.data.password) {
          $("password-error").textContent = message;
        } else {
          alertBox("error", message);
        }
      });
    });
  });
})();
