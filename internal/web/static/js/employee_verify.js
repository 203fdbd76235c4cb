// Employee /verify-otp/ page: completes the second step that the sign-in
// page stored in sessionStorage.
(function () {
  "use strict";
  var A = window.AUTHD;
  var challenge = null;

  function $(id) {
    return document.getElementById(id);
  }

  document.addEventListener("DOMContentLoaded", function () {
    try {
      challenge = JSON.parse(sessionStorage.getItem("authd_otp_challenge") || "null");
    } catch (e) {
      challenge = null;
    }
    if (!challenge || !challenge.temporary_token) {
      return;
    }
    A.show($("noChallenge"), false);
    A.show($("verifySection"), true);
    $("otp_email").value = challenge.email || "";
    if (challenge.message) {
      $("verifyMessage").textContent = challenge.message;
    }
    $("otp_code").focus();
    $("verifyForm").addEventListener("submit", function (event) {
      event.preventDefault();
      var code = $("otp_code").value.trim();
      if (!code) {
        A.showToast("error", "Please enter the code.");
        return;
      }
      A.setBusy($("otpButton"), true, "Verifying\u2026");
      A.api("POST", "/api/v1/hdts/employees/api/2fa/verify-otp/", { temporary_token: challenge.temporary_token, otp_code: code }).then(function (res) {
        A.setBusy($("otpButton"), false);
        if (!res.ok) {
          A.showToast("error", A.firstError(res.data, "Invalid or expired OTP"));
          return;
        }
        sessionStorage.removeItem("authd_otp_challenge");
        A.showToast("success", "Logged in successfully!");
        setTimeout(function () {
          window.location.assign(A.config.page.landing);
        }, 1000);
      });
    });
  });
})();
