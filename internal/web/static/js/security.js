// Two-factor settings for staff and employees: authenticator app enrolment
// with its QR code, recovery codes, e-mail codes and signed-in sessions.
// page.api is the account's API prefix (/api/v1/users or
// /api/v1/hdts/employees/api).
(function () {
  "use strict";
  var A = window.AUTHD;
  var base = A.config.page.api;
  var status = null;

  function $(id) {
    return document.getElementById(id);
  }

  function refresh() {
    return A.api("GET", base + "/2fa/status/").then(function (res) {
      if (!res.ok) {
        $("twofaStatus").textContent = A.firstError(res.data, "The two-factor status could not be loaded.");
        return;
      }
      status = res.data;
      var m = status.methods || {};
      var on = [];
      if (m.totp) on.push("authenticator app");
      if (m.email) on.push("e-mail codes");
      $("twofaStatus").textContent = status.otp_enabled ? "Two-factor authentication is on (" + on.join(", ") + ")." :
        "Two-factor authentication is off.";
      A.show($("totpOff"), !m.totp && $("totpEnrol").hidden);
      A.show($("totpOn"), !!m.totp);
      $("recoveryCount").textContent = status.otp_enabled ? "Unused recovery codes: " + (status.recovery_codes_remaining || 0) + "." :
        "Turn on a second factor to get recovery codes.";
      A.show($("recoveryForm"), !!status.otp_enabled);
      // Each panel shows only the actions that apply: turning everything
      // off belongs to the status, e-mail codes offer only to turn on.
      A.show($("disableBox"), !!status.otp_enabled);
      // Only an account with e-mail codes on can confirm with one.
      if ($("disableSendCode")) {
        A.show($("disableSendCode"), !!m.email);
      }
      A.show($("emailOn"), !!m.email);
      A.show($("emailOff"), !m.email);
      $("emailOffText").textContent = m.totp ?
        "E-mail codes are off. Turn them on to also accept a code sent to your e-mail address at sign-in." :
        "E-mail codes are off.";
    });
  }

  function showCodes(codes) {
    var list = $("recoveryCodes");
    list.textContent = "";
    (codes || []).forEach(function (code) {
      var li = document.createElement("li");
      li.textContent = code;
      list.appendChild(li);
    });
    A.show($("recoveryCodesBox"), (codes || []).length > 0);
  }

  // submit wires a form to an API call built from its fields.
  function submit(formId, buttonId, call, done) {
    var form = $(formId);
    if (!form) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = $(buttonId);
      A.setBusy(button, true);
      call().then(function (res) {
        A.setBusy(button, false);
        if (!res.ok) {
          A.showToast("error", A.firstError(res.data, "The change could not be saved."));
          return;
        }
        form.reset();
        done(res.data);
      });
    });
  }

  function loadSessions() {
    var api = A.config.page.sessions_api;
    if (!api || !$("sessionsBody")) {
      return;
    }
    A.api("GET", api).then(function (res) {
      var body = $("sessionsBody");
      body.textContent = "";
      var sessions = res.ok ? (res.data.sessions || res.data || []) : [];
      sessions.forEach(function (s) {
        var tr = document.createElement("tr");
        [s.user_agent || "Unknown device", s.ip || s.ip_address || "", A.formatDate(s.created_at), s.last_used_at ? A.formatDate(s.last_used_at) : "Not recorded"].forEach(function (v, i) {
          var td = document.createElement("td");
          td.textContent = v + (i === 0 && s.current ? " (this browser)" : "");
          tr.appendChild(td);
        });
        var td = document.createElement("td");
        if (!s.current) {
          var b = document.createElement("button");
          b.type = "button";
          b.className = "secondary";
          b.textContent = "Revoke";
          b.setAttribute("aria-label", "Revoke the session from " + (s.ip || s.ip_address || "an unknown address"));
          b.addEventListener("click", function () {
            A.api("DELETE", api + s.id + "/").then(function (r) {
              A.showToast(r.ok ? "success" : "error", r.ok ? "Session revoked." : A.firstError(r.data));
              loadSessions();
            });
          });
          td.appendChild(b);
        }
        tr.appendChild(td);
        body.appendChild(tr);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    submit("totpSetupForm", "totpSetupButton", function () {
      return A.api("POST", base + "/2fa/totp/setup/", { password: $("totpSetupPassword").value });
    }, function (data) {
      $("totpQr").src = data.qr_png;
      $("totpSecret").textContent = data.secret;
      A.show($("totpOff"), false);
      A.show($("totpEnrol"), true);
      $("totpCode").focus();
    });
    submit("totpConfirmForm", "totpConfirmButton", function () {
      return A.api("POST", base + "/2fa/totp/confirm/", { otp_code: $("totpCode").value.trim() });
    }, function (data) {
      A.show($("totpEnrol"), false);
      showCodes(data.recovery_codes);
      A.showToast("success", data.message || "Authenticator app enabled successfully");
      refresh();
    });
    submit("totpRemoveForm", "totpRemoveButton", function () {
      return A.api("DELETE", base + "/2fa/totp/", { password: $("totpRemovePassword").value, otp_code: $("totpRemoveCode").value.trim() });
    }, function (data) {
      A.showToast("success", data.message || "Authenticator app removed");
      showCodes([]);
      refresh();
    });
    submit("recoveryForm", "recoveryButton", function () {
      return A.api("POST", base + "/2fa/recovery-codes/", { password: $("recoveryPassword").value });
    }, function (data) {
      showCodes(data.recovery_codes);
      A.showToast("success", "New recovery codes generated. The old ones no longer work.");
      refresh();
    });
    submit("emailEnableForm", "emailEnableButton", function () {
      return A.api("POST", base + "/2fa/enable/", { password: $("emailEnablePassword").value });
    }, function (data) {
      A.showToast("success", data.message || "2FA enabled successfully");
      refresh();
    });
    submit("disableForm", "disableButton", function () {
      var body = { password: $("disablePassword").value };
      if ($("disableCode")) {
        body.otp_code = $("disableCode").value.trim();
      }
      return A.api("POST", base + "/2fa/disable/", body);
    }, function (data) {
      A.showToast("success", data.message || "2FA disabled successfully");
      $("disableBox").open = false;
      showCodes([]);
      refresh();
    });
    if ($("disableSendCode")) {
      $("disableSendCode").addEventListener("click", function () {
        A.api("POST", base + "/2fa/request-otp-authenticated/").then(function (res) {
          A.showToast(res.ok ? "success" : "error", res.ok ? (res.data.message || "A code has been sent to your email.") :
            A.firstError(res.data, "No e-mail code could be sent."));
        });
      });
    }
    if ($("logoutEverywhere")) {
      $("logoutEverywhere").addEventListener("click", function () {
        A.api("POST", A.config.page.sessions_api + "revoke-all/").then(function (res) {
          if (res.ok) {
            window.location.assign(A.config.page.account === "employee" ? "/login/?logout=1" : "/staff/login/?logout=1");
          } else {
            A.showToast("error", A.firstError(res.data, "The sessions could not be ended."));
          }
        });
      });
    }
    refresh();
    loadSessions();
  });
})();
