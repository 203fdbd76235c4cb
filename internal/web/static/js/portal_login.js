// Portal sign-in through POST /superadmin/api/login/ with the second step
// kept in the page, so the password is typed once. The password toggle is
// bound by common.js.
(function () {
  "use strict";
  var A = window.AUTHD;

  function $(id) {
    return document.getElementById(id);
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("portalLoginForm").addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { email: $("email").value.trim(), password: $("password").value };
      if (!body.email || !body.password) {
        A.showToast("error", "Please enter your email and password.");
        return;
      }
      if (!$("otpField").hidden && $("otp_code").value.trim()) {
        body.otp_code = $("otp_code").value.trim();
      }
      A.setBusy($("portalLoginButton"), true, "Signing in\u2026");
      A.api("POST", "/superadmin/api/login/", body).then(function (res) {
        A.setBusy($("portalLoginButton"), false);
        if (res.ok) {
          window.location.assign(A.config.page.next || "/superadmin/");
          return;
        }
        if (res.data && res.data.otp_required) {
          var first = $("otpField").hidden;
          A.show($("otpField"), true);
          $("otp_code").focus();
          if (first) {
            A.showToast("info", "Enter your verification code to finish signing in.");
            return;
          }
        }
        A.showToast("error", A.firstError(res.data, "Sign-in failed."));
      });
    });
  });
})();
