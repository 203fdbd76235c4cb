// Staff sign-in page: password step, second-factor step, CAPTCHA and the
// forgot-password mode, all through authd's JSON API.
(function () {
  "use strict";
  var A = window.AUTHD;
  var page = A.config.page;
  var temporaryToken = "";

  function $(id) {
    return document.getElementById(id);
  }

  function setMode(mode) {
    A.show($("loginMode"), mode === "login");
    A.show($("otpMode"), mode === "otp");
    A.show($("forgotPasswordMode"), mode === "forgot");
    var focus = { login: "email", otp: "otpCode", forgot: "resetEmail" }[mode];
    if ($(focus)) {
      $(focus).focus();
    }
  }

  // landing returns where to go after signing in: next, the only system when
  // the deployment skips the selection page, else the selection page.
  function landing(data) {
    if (page.next) {
      return page.next;
    }
    var systems = data && data.redirect && data.redirect.available_systems ? data.redirect.available_systems : {};
    var slugs = Object.keys(systems);
    if (page.skip_single_system && slugs.length === 1) {
      return systems[slugs[0]];
    }
    return "/api/v1/users/welcome/";
  }

  function signedIn(data) {
    A.showToast("success", "Signed in successfully. Redirecting\u2026");
    setTimeout(function () {
      window.location.assign(landing(data));
    }, 400);
  }

  function submitPassword(event) {
    event.preventDefault();
    var email = $("email").value.trim();
    var password = $("password").value;
    if (!email || !password) {
      A.showToast("error", "Please enter your email and password.");
      return;
    }
    var button = $("loginButton");
    A.setBusy(button, true, "Signing in\u2026");
    A.captcha.token().then(function (captcha) {
      var body = { email: email, password: password, remember_me: $("rememberMe").checked };
      Object.keys(captcha).forEach(function (k) {
        body[k] = captcha[k];
      });
      return A.api("POST", "/api/v1/users/login/api/", body);
    }).then(function (res) {
      A.setBusy(button, false);
      if (res.ok && res.data.success) {
        signedIn(res.data);
        return;
      }
      if (res.ok && res.data.otp_required) {
        temporaryToken = res.data.temporary_token || "";
        // Only a challenge that accepts e-mail codes can use a resent one.
        A.show($("resendOtpRow"), (res.data.otp_methods || []).indexOf("email") !== -1);
        $("otpMessage").textContent = res.data.message || "Enter your verification code.";
        A.showToast("info", res.data.message || "Enter your verification code.");
        $("otpCode").value = "";
        setMode("otp");
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
    var code = $("otpCode").value.trim();
    if (!code) {
      A.showToast("error", "Please enter the code.");
      return;
    }
    var token = temporaryToken || $("temporaryToken").value;
    var button = $("otpButton");
    A.setBusy(button, true, "Verifying\u2026");
    A.api("POST", "/api/v1/users/login/verify-otp/", {
      temporary_token: token, otp_code: code, remember_me: $("rememberMe").checked
    }).then(function (res) {
      A.setBusy(button, false);
      if (res.ok && res.data.success) {
        signedIn(res.data);
        return;
      }
      A.showToast("error", res.data && res.data.error ? res.data.error : A.firstError(res.data, "Invalid or expired OTP code."));
      if (res.data && res.data.otp_expired) {
        temporaryToken = "";
        setMode("login");
      }
    });
  }

  function resendOTP(event) {
    event.preventDefault();
    var token = temporaryToken || $("temporaryToken").value;
    A.api("POST", "/api/v1/users/2fa/request-otp/", { temporary_token: token }).then(function (res) {
      if (res.ok) {
        A.showToast("success", res.data.message || "A new code has been sent to your email.");
      } else {
        A.showToast("error", A.firstError(res.data, "Could not send a new code. Please wait a minute and try again."));
      }
    });
  }

  function submitForgot(event) {
    event.preventDefault();
    var email = $("resetEmail").value.trim();
    if (!email) {
      A.showToast("error", "Please enter your email address.");
      return;
    }
    var button = $("resetButton");
    A.setBusy(button, true, "Sending\u2026");
    A.api("POST", "/api/v1/users/password/forgot/", { email: email }).then(function (res) {
      A.setBusy(button, false);
      if (res.ok) {
        A.showToast("success", res.data.message || "If an account with that email exists, a password reset link has been sent.");
        setMode("login");
      } else {
        A.showToast("error", A.firstError(res.data, "Could not send the reset link. Please try again."));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("loginForm").addEventListener("submit", submitPassword);
    $("otpForm").addEventListener("submit", submitOTP);
    $("forgotPasswordForm").addEventListener("submit", submitForgot);
    $("resendOtp").addEventListener("click", resendOTP);
    $("toggleForgotPassword").addEventListener("click", function () {
      $("resetEmail").value = $("email").value.trim();
      setMode("forgot");
    });
    $("backToLoginFromForgot").addEventListener("click", function () {
      setMode("login");
    });
    document.querySelectorAll(".backToLogin").forEach(function (button) {
      button.addEventListener("click", function () {
        temporaryToken = "";
        setMode("login");
      });
    });
    if ($("otpMode").hidden === false && $("otpCode")) {
      $("otpCode").focus();
    }
  });
})();
