// Employee sign-in page: password step, second-factor step (the challenge is
// kept in memory and in sessionStorage for /verify-otp/), CAPTCHA and the
// forgot-password mode.
(function () {
  "use strict";
  var A = window.AUTHD;
  var API = "/api/v1/hdts/employees/api/";
  var STORE_KEY = "authd_otp_challenge";
  var challenge = null;

  function $(id) {
    return document.getElementById(id);
  }

  function setMode(mode) {
    A.show($("loginMode"), mode === "login");
    A.show($("otpMode"), mode === "otp");
    A.show($("forgotPasswordMode"), mode === "forgot");
    var focus = { login: "id_email", otp: "otp_code", forgot: "reset_email" }[mode];
    $(focus).focus();
  }

  function signedIn() {
    try {
      sessionStorage.removeItem(STORE_KEY);
    } catch (e) { /* storage unavailable: nothing to clear */ }
    A.showToast("success", "Logged in successfully!");
    setTimeout(function () {
      window.location.assign(A.config.page.landing);
    }, 1000);
  }

  function submitPassword(event) {
    event.preventDefault();
    var email = $("id_email").value.trim();
    var password = $("id_password").value;
    if (!email || !password) {
      A.showToast("error", "Please enter your email and password.");
      return;
    }
    var button = $("loginButton");
    A.setBusy(button, true, "Signing in\u2026");
    A.captcha.token().then(function (captcha) {
      var body = { email: email, password: password };
      Object.keys(captcha).forEach(function (k) {
        body[k] = captcha[k];
      });
      return A.api("POST", API + "login/", body);
    }).then(function (res) {
      A.setBusy(button, false);
      if (res.ok && res.data.requires_otp) {
        challenge = { temporary_token: res.data.temporary_token, email: res.data.email || email, message: res.data.message };
        try {
          sessionStorage.setItem(STORE_KEY, JSON.stringify(challenge));
        } catch (e) { /* the in-memory copy still works on this page */ }
        $("otp_email").value = challenge.email;
        // Only a challenge that accepts e-mail codes can use a resent one.
        A.show($("resendOtpRow"), (res.data.otp_methods || []).indexOf("email") !== -1);
        $("otpMessage").textContent = res.data.message || "Enter your verification code.";
        A.showToast("info", res.data.message || "Enter your verification code.");
        setMode("otp");
        return;
      }
      if (res.ok && res.data.success) {
        signedIn();
        return;
      }
      A.captcha.afterFailure(res.data);
      A.showToast("error", A.firstError(res.data, "Sign-in failed. Please try again."));
    }).catch(function (err) {
      A.setBusy(button, false);
      A.showToast("error", err.message);
    });
  }

  function submitOTP(event) {
    event.preventDefault();
    var code = $("otp_code").value.trim();
    if (!code) {
      A.showToast("error", "Please enter the code.");
      return;
    }
    var button = $("otpButton");
    A.setBusy(button, true, "Verifying\u2026");
    A.api("POST", API + "2fa/verify-otp/", { temporary_token: challenge.temporary_token, otp_code: code }).then(function (res) {
      A.setBusy(button, false);
      if (res.ok) {
        signedIn();
        return;
      }
      A.showToast("error", A.firstError(res.data, "Invalid or expired OTP code."));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("loginFormMain").addEventListener("submit", submitPassword);
    $("otpForm").addEventListener("submit", submitOTP);
    $("toggleForgotPassword").addEventListener("click", function () {
      $("reset_email").value = $("id_email").value.trim();
      setMode("forgot");
    });
    $("backToLoginBtn").addEventListener("click", function () {
      setMode("login");
    });
    $("backToLoginFromOtp").addEventListener("click", function () {
      challenge = null;
      try {
        sessionStorage.removeItem(STORE_KEY);
      } catch (e) { /* nothing stored */ }
      setMode("login");
    });
    $("resendOtp").addEventListener("click", function () {
      A.api("POST", API + "2fa/request-otp/", { temporary_token: challenge ? challenge.temporary_token : "" }).then(function (res) {
        A.showToast(res.ok ? "success" : "error", res.ok ? (res.data.message || "A new code has been sent to your email.") : A.firstError(res.data));
      });
    });
    $("forgotForm").addEventListener("submit", function (event) {
      event.preventDefault();
      var email = $("reset_email").value.trim();
      if (!email) {
        A.showToast("error", "Please enter your email address.");
        return;
      }
      A.setBusy($("resetButton"), true, "Sending\u2026");
      A.api("POST", API + "password/forgot/", { email: email }).then(function (res) {
        A.setBusy($("resetButton"), false);
        if (res.ok) {
          A.showToast("success", res.data.message);
          setMode("login");
        } else {
          A.showToast("error", A.firstError(res.data, "Invalid email address."));
        }
      });
    });
  });
})();
