// Confirm Email Change page over POST /api/v1/users/email/confirm/.
(function () {
  "use strict";
  var A = window.AUTHD;
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("confirmEmailButton");
    if (!button) {
      return;
    }
    button.addEventListener("click", function () {
      A.setBusy(button, true, "Confirming\u2026");
      A.api("POST", "/api/v1/users/email/confirm/", { token: A.config.page.token }).then(function (res) {
        A.setBusy(button, false);
        var result = document.getElementById("confirmResult");
        if (res.ok) {
          button.hidden = true;
          result.textContent = res.data.message || "Email address updated.";
          A.showToast("success", res.data.message || "Email address updated.");
        } else {
          var message = A.firstError(res.data, "Invalid or expired confirmation link.");
          result.textContent = message;
          A.showToast("error", message);
        }
      });
    });
  });
})();
