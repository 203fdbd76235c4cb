// Employee reset page over POST /api/v1/hdts/employees/api/password/reset/.
(function () {
  "use strict";
  var A = window.AUTHD;

  function $(id) {
    return document.getElementById(id);
  }

  function fail(message) {
    $("errorText").textContent = message;
    A.show($("errorMessage"), true);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = $("resetPasswordForm");
    if (!form) {
      return;
    }
    function hints() {
      var p = $("newPassword").value;
      $("lengthReq").classList.toggle("met", p.length >= 8);
      $("matchReq").classList.toggle("met", p !== "" && p === $("confirmPassword").value);
    }
    $("newPassword").addEventListener("input", hints);
    $("confirmPassword").addEventListener("input", hints);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      A.show($("errorMessage"), false);
      var password = $("newPassword").value;
      var confirm = $("confirmPassword").value;
      if (password.length < 8) {
        fail("Password must be at least 8 characters long.");
        return;
      }
      if (password !== confirm) {
        fail("Passwords do not match.");
        return;
      }
      $("submitBtn").disabled = true;
      A.show($("spinner"), true);
      A.api("POST", "/api/v1/hdts/employees/api/password/reset/", {
        token: A.config.page.token, new_password: password, confirm_password: confirm
      }).then(function (res) {
        $("submitBtn").disabled = false;
        A.show($("spinner"), false);
        if (res.ok) {
          form.hidden = true;
          A.show($("successMessage"), true);
          A.showToast("success", res.data.message);
          return;
        }
        fail(A.firstError(res.data, "The password could not be reset."));
      });
    });
  });
})();
